//! The UWS `/async` routes over HTTP: in-process requests for every resource, then pyvo (an
//! independent TAP client) driving a job through a real server socket.
//!
//! A scripted executor stands in for the query engine, so these tests pin the UWS binding itself;
//! `tests/async_jobs` (workspace root) drives real queries through the whole service.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{test, App};
use uws::{async_trait, CancellationToken, ErrorSummary, Job, JobExecutor, JobService, ResultInfo, ResultSink, UwsConfig};

use tap::uws_routes::UwsRoutes;

/// QUERY decides: containing `FAIL` -> error; `SLEEP n` -> sleeps n ms (honouring cancel);
/// otherwise a one-row VOTable whose cell is the query text.
struct EchoExecutor;

#[async_trait]
impl JobExecutor for EchoExecutor {
    async fn execute(&self, job: &Job, out: ResultSink, cancel: CancellationToken) -> Result<ResultInfo, ErrorSummary> {
        let query = job.parameters.get("query").unwrap_or("").to_owned();
        if query.contains("FAIL") {
            return Err(ErrorSummary::fatal(format!("planned failure for <{query}>")));
        }
        if let Some(ms) = query.strip_prefix("SLEEP ").and_then(|s| s.trim().parse::<u64>().ok()) {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                _ = cancel.cancelled() => return Err(ErrorSummary::fatal("cancelled")),
            }
        }
        let mut f = out.create("result", "application/x-votable+xml").map_err(ErrorSummary::fatal)?;
        write!(
            f,
            "<?xml version=\"1.0\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\
             <RESOURCE type=\"results\"><INFO name=\"QUERY_STATUS\" value=\"OK\"/><TABLE>\
             <FIELD name=\"q\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA><TR><TD>{}</TD></TR>\
             </TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n",
            astrotap_xml::escape_text(&query)
        )
        .map_err(ErrorSummary::fatal)?;
        f.finish().map_err(ErrorSummary::fatal)
    }
}

fn routes(dir: &std::path::Path, tweak: impl FnOnce(&mut UwsConfig)) -> Arc<UwsRoutes> {
    let mut cfg = UwsConfig::new(dir);
    cfg.max_wait = Duration::from_secs(5);
    tweak(&mut cfg);
    let jobs = JobService::open(cfg, Arc::new(EchoExecutor)).unwrap();
    Arc::new(UwsRoutes::new(jobs))
}

macro_rules! app {
    ($routes:expr) => {{
        let r = $routes.clone();
        test::init_service(App::new().configure(move |cfg| r.configure(cfg))).await
    }};
}

fn form(uri: &str, body: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned())
}

fn location(resp: &actix_web::dev::ServiceResponse) -> String {
    resp.headers().get(LOCATION).unwrap().to_str().unwrap().to_owned()
}

/// Path part of an absolute URL from a Location header.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_owned())
}

/// The text of the first `<uws:{name}>` element.
fn element(doc: &str, name: &str) -> Option<String> {
    let open = format!("<uws:{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</uws:{name}>"))?;
    Some(doc[start..start + end].to_owned())
}

async fn create_run_wait_fetch_delete() {
    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |_| {});
    let app = app!(r);

    let resp = test::call_service(&app, form("/async", "REQUEST=doQuery&LANG=ADQL&QUERY=SELECT+1&PHASE=RUN&RUNID=mine").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let job_url = location(&resp);
    assert!(job_url.starts_with("http://") && job_url.contains("/async/"), "{job_url}");
    let job_path = path_of(&job_url);

    let resp = test::call_service(&app, test::TestRequest::get().uri(&format!("{job_path}?WAIT=5")).to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get(CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/xml"));
    let doc = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert_eq!(element(&doc, "phase").as_deref(), Some("COMPLETED"));
    assert_eq!(element(&doc, "runId").as_deref(), Some("mine"));
    assert!(doc.contains("version=\"1.1\""));
    assert!(doc.contains("<uws:parameter id=\"query\">SELECT 1</uws:parameter>"), "{doc}");
    assert!(!doc.contains("id=\"phase\""), "PHASE is a control parameter, not a job parameter");
    assert!(doc.contains(&format!("xlink:href=\"{job_url}/results/result\"")), "{doc}");

    let resp = test::call_service(&app, test::TestRequest::get().uri(&format!("{job_path}/results/result")).to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers().get(CONTENT_TYPE).unwrap(), "application/x-votable+xml");
    let body = test::read_body(resp).await;
    assert!(std::str::from_utf8(&body).unwrap().contains("<TD>SELECT 1</TD>"));
    let listed = test::call_and_read_body(&app, test::TestRequest::get().uri(&format!("{job_path}/results")).to_request()).await;
    let listed = String::from_utf8(listed.to_vec()).unwrap();
    assert!(listed.contains(&format!("size=\"{}\"", body.len())), "{listed}");

    let resp = test::call_service(&app, test::TestRequest::get().uri(&format!("{job_path}/results/nothere")).to_request()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let resp = test::call_service(&app, test::TestRequest::delete().uri(&job_path).to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).ends_with("/async?LAST=100"), "{}", location(&resp));
    for p in [job_path.clone(), format!("{job_path}/phase"), format!("{job_path}/results/result")] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(&p).to_request()).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{p}");
    }
}

async fn children_and_their_updates() {
    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |_| {});
    let app = app!(r);
    let resp = test::call_service(&app, form("/async", "LANG=ADQL&QUERY=SELECT+2").to_request()).await;
    let job = path_of(&location(&resp));
    let get = |p: String| test::TestRequest::get().uri(&p).to_request();
    let text = |b: actix_web::web::Bytes| String::from_utf8(b.to_vec()).unwrap();

    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/phase"))).await), "PENDING");
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/executionduration"))).await), "3600");
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/quote"))).await), "");
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/owner"))).await), "");
    let d = text(test::call_and_read_body(&app, get(format!("{job}/destruction"))).await);
    assert!(uws::time::parse_iso8601(&d).is_ok() && d.ends_with('Z'), "{d}");

    // executionduration
    let resp = test::call_service(&app, form(&format!("{job}/executionduration"), "EXECUTIONDURATION=60").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(path_of(&location(&resp)), job);
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/executionduration"))).await), "60");
    for bad in ["EXECUTIONDURATION=soon", "EXECUTIONDURATION=-5", "OTHER=1"] {
        let resp = test::call_service(&app, form(&format!("{job}/executionduration"), bad).to_request()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // destruction
    let when = uws::time::now() + Duration::from_secs(2 * 86400);
    let when_s = uws::time::format_iso8601(&when);
    let resp = test::call_service(&app, form(&format!("{job}/destruction"), &format!("DESTRUCTION={when_s}")).to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{job}/destruction"))).await), when_s);
    let resp = test::call_service(&app, form(&format!("{job}/destruction"), "DESTRUCTION=next+week").to_request()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let msg = text(test::read_body(resp).await);
    assert!(msg.contains("ISO 8601"), "{msg}");

    // parameters: case-insensitive names, update only while PENDING
    let resp = test::call_service(&app, form(&format!("{job}/parameters"), "query=SELECT+3").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let params = text(test::call_and_read_body(&app, get(format!("{job}/parameters"))).await);
    assert!(params.contains("<uws:parameter id=\"query\">SELECT 3</uws:parameter>"), "{params}");
    assert!(params.contains("<uws:parameters "), "{params}");

    let resp = test::call_service(&app, form(&format!("{job}/phase"), "PHASE=RUN").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let doc = text(test::call_and_read_body(&app, get(format!("{job}?WAIT=5"))).await);
    assert_eq!(element(&doc, "phase").as_deref(), Some("COMPLETED"));
    let resp = test::call_service(&app, form(&format!("{job}/parameters"), "QUERY=SELECT+4").to_request()).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = test::call_service(&app, form(&format!("{job}/phase"), "PHASE=RUN").to_request()).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "RUN on a COMPLETED job");
    let resp = test::call_service(&app, form(&format!("{job}/phase"), "PHASE=SUSPEND").to_request()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = test::call_service(&app, get(format!("{job}/error"))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "a COMPLETED job has no error");

    // POST ACTION=DELETE
    let resp = test::call_service(&app, form(&job, "ACTION=DELETE").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).ends_with("/async?LAST=100"));
    assert_eq!(test::call_service(&app, get(job.clone())).await.status(), StatusCode::NOT_FOUND);
}

async fn errors_abort_and_unknown_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |_| {});
    let app = app!(r);
    let get = |p: String| test::TestRequest::get().uri(&p).to_request();
    let text = |b: actix_web::web::Bytes| String::from_utf8(b.to_vec()).unwrap();

    let resp = test::call_service(&app, form("/async", "QUERY=FAIL+please&PHASE=RUN").to_request()).await;
    let job = path_of(&location(&resp));
    let doc = text(test::call_and_read_body(&app, get(format!("{job}?WAIT=5"))).await);
    assert_eq!(element(&doc, "phase").as_deref(), Some("ERROR"));
    assert!(doc.contains("<uws:errorSummary type=\"fatal\" hasDetail=\"true\">"), "{doc}");
    let resp = test::call_service(&app, get(format!("{job}/error"))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let err = text(test::read_body(resp).await);
    assert!(err.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">planned failure for &lt;FAIL please&gt;</INFO>"), "{err}");

    let resp = test::call_service(&app, form("/async", "QUERY=SLEEP+30000&PHASE=RUN").to_request()).await;
    let slow = path_of(&location(&resp));
    let t = Instant::now();
    let resp = test::call_service(&app, form(&format!("{slow}/phase"), "PHASE=ABORT").to_request()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(text(test::call_and_read_body(&app, get(format!("{slow}/phase"))).await), "ABORTED");
    assert!(t.elapsed() < Duration::from_secs(15), "ABORT waited for the 30 s job");

    let resp = test::call_service(&app, form("/async", "QUERY=x&PHASE=EXECUTING").to_request()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let ghost = uws::JobId::random().unwrap();
    for p in [format!("/async/{ghost}"), format!("/async/{ghost}/phase"), "/async/not-an-id".into(), "/async/../etc/results".into()] {
        assert_eq!(test::call_service(&app, get(p.clone())).await.status(), StatusCode::NOT_FOUND, "{p}");
    }
    let resp = test::call_service(&app, form(&format!("/async/{ghost}/phase"), "PHASE=RUN").to_request()).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

async fn job_list_filters() {
    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |_| {});
    let app = app!(r);
    let text = |b: actix_web::web::Bytes| String::from_utf8(b.to_vec()).unwrap();
    let mut ids = Vec::new();
    for q in ["QUERY=a&PHASE=RUN", "QUERY=FAIL&PHASE=RUN", "QUERY=c"] {
        let resp = test::call_service(&app, form("/async", q).to_request()).await;
        let job = path_of(&location(&resp));
        test::call_and_read_body(&app, test::TestRequest::get().uri(&format!("{job}?WAIT=5")).to_request()).await;
        ids.push(job.rsplit('/').next().unwrap().to_owned());
    }
    let app = &app;
    let list = |q: &str| {
        let uri = format!("/async{q}");
        async move { text(test::call_and_read_body(app, test::TestRequest::get().uri(&uri).to_request()).await) }
    };
    let order = |doc: &str| ids.iter().filter(|id| doc.contains(id.as_str())).count();

    let all = list("").await;
    assert!(all.contains("<uws:jobs ") && all.contains("version=\"1.1\""));
    assert_eq!(order(&all), 3);
    let pos: Vec<_> = ids.iter().map(|id| all.find(id.as_str()).unwrap()).collect();
    assert!(pos[2] < pos[1] && pos[1] < pos[0], "newest first");
    let completed = list("?PHASE=COMPLETED").await;
    assert!(completed.contains(&ids[0]) && !completed.contains(&ids[1]) && !completed.contains(&ids[2]));
    let union = list("?PHASE=COMPLETED&PHASE=PENDING").await;
    assert!(union.contains(&ids[0]) && !union.contains(&ids[1]) && union.contains(&ids[2]));
    let last = list("?LAST=1").await;
    assert!(last.contains(&ids[2]) && order(&last) == 1);
    let future = uws::time::format_iso8601(&(uws::time::now() + Duration::from_secs(3600)));
    assert_eq!(order(&list(&format!("?AFTER={future}")).await), 0);
    assert_eq!(order(&list("?AFTER=2000-01-01T00:00:00Z&PHASE=ERROR").await), 1);

    for bad in ["?LAST=0", "?LAST=x", "?AFTER=yesterday", "?PHASE=DONE"] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(&format!("/async{bad}")).to_request()).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn blocking_wait() {
    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |c| c.max_wait = Duration::from_millis(600));
    let app = app!(r);
    let get = |p: String| test::TestRequest::get().uri(&p).to_request();
    let text = |b: actix_web::web::Bytes| String::from_utf8(b.to_vec()).unwrap();

    // Returns when the job completes, not at the WAIT limit.
    let resp = test::call_service(&app, form("/async", "QUERY=SLEEP+300&PHASE=RUN").to_request()).await;
    let job = path_of(&location(&resp));
    let t = Instant::now();
    let mut doc = text(test::call_and_read_body(&app, get(format!("{job}?WAIT=30"))).await);
    // A WAIT returns on any phase change; QUEUED -> EXECUTING may come first.
    while element(&doc, "phase").as_deref() != Some("COMPLETED") && t.elapsed() < Duration::from_secs(25) {
        doc = text(test::call_and_read_body(&app, get(format!("{job}?WAIT=30"))).await);
    }
    let e = t.elapsed();
    assert_eq!(element(&doc, "phase").as_deref(), Some("COMPLETED"));
    // Woken by the completion (after the 300 ms job), not by the 30 s WAIT limit.
    assert!(e >= Duration::from_millis(250) && e < Duration::from_secs(25), "{e:?}");

    // PENDING job: WAIT=-1 is capped at the server maximum (600 ms here).
    let resp = test::call_service(&app, form("/async", "QUERY=x").to_request()).await;
    let pending = path_of(&location(&resp));
    let t = Instant::now();
    let doc = text(test::call_and_read_body(&app, get(format!("{pending}?WAIT=-1"))).await);
    let e = t.elapsed();
    assert_eq!(element(&doc, "phase").as_deref(), Some("PENDING"));
    assert!(e >= Duration::from_millis(600) && e < Duration::from_secs(25), "{e:?}");
    // Guard mismatch: immediate.
    let t = Instant::now();
    test::call_and_read_body(&app, get(format!("{pending}?WAIT=30&PHASE=EXECUTING"))).await;
    assert!(t.elapsed() < Duration::from_secs(25), "a guard mismatch must not block for the WAIT");
    for bad in ["WAIT=soon", "WAIT=-2", "WAIT=5&PHASE=NOPE"] {
        let resp = test::call_service(&app, get(format!("{pending}?{bad}"))).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// pyvo's AsyncTAPJob (the client TOPCAT-independent scripts use) drives a job over a real
/// socket: submit, run, wait, fetch and parse the VOTable result, delete.
async fn pyvo_drives_a_job() {
    let venv = std::env::var_os("ASTROTAP_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/astrotap-venv"));
    let python = venv.join("bin/python");
    assert!(python.exists(), "no Python venv at {}: run scripts/setup-python.sh", venv.display());

    let dir = tempfile::tempdir().unwrap();
    let r = routes(dir.path(), |_| {});
    let r2 = r.clone();
    let server = actix_web::HttpServer::new(move || {
        let r = r2.clone();
        App::new().service(actix_web::web::scope("/tap").configure(move |cfg| r.configure(cfg)))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let script = r#"
import sys, time
from pyvo.dal.tap import AsyncTAPJob
url = sys.argv[1]
job = AsyncTAPJob.create(url, "SELECT 'x<y' AS q FROM t", language="ADQL")
assert job.phase == "PENDING", job.phase
job.run()
t = time.time()
job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=20)
assert job.phase == "COMPLETED", (job.phase, job.errorsummary)
table = job.fetch_result().to_table()
print(table["q"][0])
jobid = job.job_id
job.delete()
print("deleted", jobid)
"#;
    let url = format!("http://{addr}/tap");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).arg("-c").arg(script).arg(url).output().unwrap()
    })
    .await
    .unwrap();
    handle.stop(true).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pyvo failed:\n{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("SELECT 'x<y' AS q FROM t"));
    let deleted = lines.next().unwrap().strip_prefix("deleted ").unwrap().to_owned();
    let id = uws::JobId::parse(&deleted).unwrap();
    assert!(matches!(r.jobs().get(&id), Err(uws::UwsError::NotFound(_))));
}

/// Each test runs on an actix System, as `#[actix_web::test]` would; that attribute needs
/// actix-web's `macros` feature (two proc-macro crates), which the server itself does not use.
macro_rules! on_actix_system {
    ($($name:ident),* $(,)?) => {
        mod on_actix {
            $(
                #[test]
                fn $name() {
                    actix_web::rt::System::new().block_on(super::$name())
                }
            )*
        }
    };
}

on_actix_system!(create_run_wait_fetch_delete, children_and_their_updates, errors_abort_and_unknown_jobs, job_list_filters, blocking_wait, pyvo_drives_a_job);
