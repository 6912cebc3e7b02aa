//! Handlers of `/async` (the job list) and `/async/{job_id}[/...]` (UWS 1.1 §2.2).

use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures::stream;
use tokio::io::AsyncReadExt;
use uws::time::{format_iso8601, parse_iso8601};
use uws::{ExecutionPhase, Job, JobFilter, JobId, NewJob};

use super::params::{collect, collect_with_uploads, single};
use super::response::{see_other, text, votable_error, xml, RouteError};
use super::{JobOwner, UwsRoutes};

type State = web::Data<UwsRoutes>;
type Reply = Result<HttpResponse, RouteError>;

const JOBS: &str = "uws_jobs";
const JOB: &str = "uws_job";

pub(super) fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/async").name(JOBS).get(list).post(create))
        .service(web::resource("/async/{job_id}").name(JOB).get(job).post(job_post).delete(job_delete))
        .service(web::resource("/async/{job_id}/phase").get(phase).post(phase_post))
        .service(web::resource("/async/{job_id}/executionduration").get(execution_duration).post(execution_duration_post))
        .service(web::resource("/async/{job_id}/destruction").get(destruction).post(destruction_post))
        .service(web::resource("/async/{job_id}/error").get(error))
        .service(web::resource("/async/{job_id}/quote").get(quote))
        .service(web::resource("/async/{job_id}/owner").get(owner))
        .service(web::resource("/async/{job_id}/parameters").get(parameters).post(job_post))
        .service(web::resource("/async/{job_id}/results").get(results))
        .service(web::resource("/async/{job_id}/results/{result_id}").get(result_file));
}

fn requester(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<JobOwner>().map(|o| o.0.clone())
}

fn job_id(req: &HttpRequest) -> Result<JobId, RouteError> {
    Ok(JobId::parse(req.match_info().get("job_id").unwrap_or(""))?)
}

/// Loads the job named in the path, refusing jobs of another owner (UWS 1.1 §3: 403).
fn load(state: &State, req: &HttpRequest) -> Result<Job, RouteError> {
    let job = state.jobs.get(&job_id(req)?)?;
    check_owner(&job, req)?;
    Ok(job)
}

fn check_owner(job: &Job, req: &HttpRequest) -> Result<(), RouteError> {
    match (&job.owner_id, requester(req)) {
        (None, _) => Ok(()),
        (Some(o), Some(r)) if *o == r => Ok(()),
        _ => Err(RouteError::from(uws::UwsError::NotAllowedInPhase {
            what: "access by another user".into(),
            phase: job.phase,
        })),
    }
}

fn job_url(req: &HttpRequest, id: &JobId) -> Result<String, RouteError> {
    req.url_for(JOB, [id.as_str()]).map(|u| u.to_string()).map_err(|e| RouteError::internal(e.to_string()))
}

fn list_url(req: &HttpRequest) -> Result<String, RouteError> {
    req.url_for_static(JOBS).map(|u| u.to_string()).map_err(|e| RouteError::internal(e.to_string()))
}

/// `GET /async` with `PHASE` (repeatable, union), `AFTER`, `LAST` (UWS 1.1 §2.2.2.1).
async fn list(req: HttpRequest, state: State) -> Reply {
    let params = collect(&req, &[], &state.body_parser)?;
    let mut filter = JobFilter { owner_id: requester(&req), ..Default::default() };
    for p in params.get_all("phase") {
        filter.phases.push(p.parse::<ExecutionPhase>()?);
    }
    if let Some(after) = single(&params, "after")? {
        filter.after = Some(parse_iso8601(after)?);
    }
    if let Some(last) = single(&params, "last")? {
        match last.trim().parse::<u64>() {
            Ok(n) if n > 0 => filter.last = Some(n),
            _ => return Err(RouteError::bad_request(format!("LAST must be an integer > 0, not '{last}'"))),
        }
    }
    let jobs = state.jobs.list(&filter)?;
    Ok(xml(uws::xml::job_list_document(&jobs, &list_url(&req)?)))
}

/// `POST /async`: creates a job from the TAP parameters; `PHASE=RUN` starts it at once
/// (UWS 1.1 §2.2.3.1). Answers 303 to the new job.
async fn create(req: HttpRequest, body: web::Bytes, state: State) -> Reply {
    let (mut params, uploads) = collect_with_uploads(&req, &body, &state.body_parser)?;
    let run = match single(&params, "phase")? {
        None => false,
        Some(p) if p.trim() == "RUN" => true,
        Some(other) => {
            return Err(RouteError::bad_request(format!("PHASE at job creation must be RUN, not '{other}'")))
        }
    };
    params.remove("phase");
    let run_id = single(&params, "runid")?.map(str::to_owned);
    // The job's own properties may be given at creation too (as clients such as pyvo and TOPCAT
    // do); they are not query parameters.
    let execution_duration = single(&params, "executionduration")?.map(parse_execution_duration).transpose()?;
    let destruction = single(&params, "destruction")?.map(parse_iso8601).transpose()?;
    params.remove("executionduration");
    params.remove("destruction");
    let job = state.jobs.create(NewJob {
        run_id,
        owner_id: requester(&req),
        parameters: params,
        execution_duration,
        destruction,
        uploads,
    })?;
    if run {
        state.jobs.run(&job.id)?;
    }
    Ok(see_other(&job_url(&req, &job.id)?))
}

/// `GET /async/{id}`, optionally blocking with `WAIT` and a `PHASE` guard (UWS 1.1 §2.2.1.2).
async fn job(req: HttpRequest, state: State) -> Reply {
    let mut job = load(&state, &req)?;
    let params = collect(&req, &[], &state.body_parser)?;
    if let Some(wait) = single(&params, "wait")? {
        let timeout = match wait.trim().parse::<i64>() {
            Ok(-1) => None,
            Ok(s) if s >= 0 => Some(Duration::from_secs(s as u64)),
            _ => return Err(RouteError::bad_request(format!("WAIT must be -1 or a number of seconds >= 0, not '{wait}'"))),
        };
        let guard = single(&params, "phase")?.map(str::parse::<ExecutionPhase>).transpose()?;
        job = state.jobs.wait(&job.id, timeout, guard).await?;
    }
    Ok(xml(uws::xml::job_document(&job, &job_url(&req, &job.id)?)))
}

/// `POST /async/{id}` (and `/parameters`): `ACTION=DELETE` destroys the job (UWS 1.1 §2.2.3.2);
/// other parameters update the job's parameters while it is PENDING (§2.1.11).
async fn job_post(req: HttpRequest, body: web::Bytes, state: State) -> Reply {
    let job = load(&state, &req)?;
    let (mut params, uploads) = collect_with_uploads(&req, &body, &state.body_parser)?;
    match single(&params, "action")? {
        Some(a) if a.trim().eq_ignore_ascii_case("DELETE") => return delete_and_redirect(&req, &state, &job),
        Some(other) => return Err(RouteError::bad_request(format!("unknown ACTION '{other}' (only DELETE)"))),
        None => {}
    }
    params.remove("action");
    if !uploads.is_empty() {
        state.jobs.attach_uploads(&job.id, &uploads)?;
    }
    if !params.is_empty() {
        state.jobs.update_parameters(&job.id, &params)?;
    }
    Ok(see_other(&job_url(&req, &job.id)?))
}

/// `DELETE /async/{id}`: 303 to a `LAST`-limited job list (UWS 1.1 §2.2.2.1 allows this; a full
/// list of a large archive is slow to build).
async fn job_delete(req: HttpRequest, state: State) -> Reply {
    let job = load(&state, &req)?;
    delete_and_redirect(&req, &state, &job)
}

fn delete_and_redirect(req: &HttpRequest, state: &State, job: &Job) -> Reply {
    state.jobs.delete(&job.id)?;
    Ok(see_other(&format!("{}?LAST={}", list_url(req)?, state.delete_redirect_last)))
}

async fn phase(req: HttpRequest, state: State) -> Reply {
    Ok(text(load(&state, &req)?.phase.to_string()))
}

/// `POST .../phase`: `PHASE=RUN` or `PHASE=ABORT` (UWS 1.1 §2.2.3.5-6).
async fn phase_post(req: HttpRequest, body: web::Bytes, state: State) -> Reply {
    let job = load(&state, &req)?;
    let params = collect(&req, &body, &state.body_parser)?;
    match single(&params, "phase")?.map(str::trim) {
        Some("RUN") => {
            state.jobs.run(&job.id)?;
        }
        Some("ABORT") => state.jobs.abort(&job.id)?,
        Some(other) => return Err(RouteError::bad_request(format!("PHASE must be RUN or ABORT, not '{other}'"))),
        None => return Err(RouteError::bad_request("PHASE=RUN or PHASE=ABORT required")),
    }
    Ok(see_other(&job_url(&req, &job.id)?))
}

async fn execution_duration(req: HttpRequest, state: State) -> Reply {
    Ok(text(load(&state, &req)?.execution_duration.to_string()))
}

/// `POST .../executionduration` with `EXECUTIONDURATION` seconds (UWS 1.1 §2.2.3.4); the service
/// may clamp it, the 303 shows what was set.
async fn execution_duration_post(req: HttpRequest, body: web::Bytes, state: State) -> Reply {
    let job = load(&state, &req)?;
    let params = collect(&req, &body, &state.body_parser)?;
    let raw = single(&params, "executionduration")?
        .ok_or_else(|| RouteError::bad_request("EXECUTIONDURATION required"))?;
    state.jobs.set_execution_duration(&job.id, parse_execution_duration(raw)?)?;
    Ok(see_other(&job_url(&req, &job.id)?))
}

fn parse_execution_duration(raw: &str) -> Result<u64, RouteError> {
    raw.trim().parse::<u64>().map_err(|_| {
        RouteError::bad_request(format!("EXECUTIONDURATION must be a whole number of seconds >= 0, not '{raw}'"))
    })
}

async fn destruction(req: HttpRequest, state: State) -> Reply {
    Ok(text(load(&state, &req)?.destruction.as_ref().map(format_iso8601).unwrap_or_default()))
}

/// `POST .../destruction` with an ISO 8601 `DESTRUCTION` (UWS 1.1 §2.2.3.3).
async fn destruction_post(req: HttpRequest, body: web::Bytes, state: State) -> Reply {
    let job = load(&state, &req)?;
    let params = collect(&req, &body, &state.body_parser)?;
    let raw = single(&params, "destruction")?.ok_or_else(|| RouteError::bad_request("DESTRUCTION required"))?;
    state.jobs.set_destruction(&job.id, parse_iso8601(raw)?)?;
    Ok(see_other(&job_url(&req, &job.id)?))
}

/// `GET .../error`: the DALI error document, status 200 (TAP 1.1 §2.2.2 / DALI §4.2).
async fn error(req: HttpRequest, state: State) -> Reply {
    let job = load(&state, &req)?;
    match &job.error_summary {
        Some(e) => Ok(votable_error(&e.message)),
        None => Err(RouteError::not_found(format!("job {} has no error (phase {})", job.id, job.phase))),
    }
}

async fn quote(req: HttpRequest, state: State) -> Reply {
    Ok(text(load(&state, &req)?.quote.as_ref().map(format_iso8601).unwrap_or_default()))
}

async fn owner(req: HttpRequest, state: State) -> Reply {
    Ok(text(load(&state, &req)?.owner_id.unwrap_or_default()))
}

async fn parameters(req: HttpRequest, state: State) -> Reply {
    Ok(xml(uws::xml::parameters_document(&load(&state, &req)?.parameters)))
}

async fn results(req: HttpRequest, state: State) -> Reply {
    let job = load(&state, &req)?;
    Ok(xml(uws::xml::results_document(&job.results, &job_url(&req, &job.id)?)))
}

/// `GET .../results/{result_id}` (TAP: `results/result`): the file, streamed.
async fn result_file(req: HttpRequest, state: State) -> Reply {
    let job = load(&state, &req)?;
    let result_id = req.match_info().get("result_id").unwrap_or("");
    let (path, info) = state.jobs.result_file(&job.id, result_id)?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        // Destroyed between the lookup and the open.
        RouteError::not_found(format!("result {result_id} of job {} is gone: {e}", job.id))
    })?;
    let body = stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Ok(HttpResponse::Ok().insert_header((CONTENT_TYPE, info.mime_type)).no_chunking(info.size).streaming(body))
}
