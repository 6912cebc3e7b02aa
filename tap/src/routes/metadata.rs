//! VOSI and DALI metadata resources: capabilities, availability, tables, examples.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::AppState;
use crate::error::TapError;
use crate::examples::examples_document;
use crate::params::DaliParams;
use crate::vosi::capabilities::{capabilities as capabilities_doc, AdvertisedLimits};
use crate::vosi::tables::{single_table, tableset, Detail};
use crate::vosi::availability::availability as availability_doc;

const XML: &str = "text/xml; charset=utf-8";

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, XML)).body(body)
}

/// `GET /capabilities`.
pub async fn capabilities(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let c = &state.config;
    let limits = AdvertisedLimits {
        retention_secs: c.retention_secs,
        retention_hard_secs: c.retention_max_secs.max(c.retention_secs),
        async_execution_secs: c.async_execution_secs,
        // 0 means no cap in the job service; TAPRegExt has no "unlimited", so say the default.
        async_execution_hard_secs: match c.async_execution_max_secs {
            0 => c.async_execution_secs,
            max => max.max(c.async_execution_secs),
        },
        maxrec_default: c.maxrec_default.min(c.maxrec_limit),
        maxrec_limit: c.maxrec_limit,
        upload_bytes: c.uploads.enabled.then_some(c.uploads.max_bytes as u64),
        upload_http: c.uploads.allow_url_prefixes.iter().any(|p| p.starts_with("http://")),
    };
    xml(capabilities_doc(&state.base_url(&req), &limits))
}

/// `GET /availability`.
pub async fn availability(state: web::Data<AppState>) -> HttpResponse {
    xml(availability_doc(state.started, "accepting queries"))
}

/// `GET /tables[?detail=min|max]`.
pub async fn tables(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, TapError> {
    let params = DaliParams::parse(req.query_string(), None, b"")?;
    let detail = match params.single("detail")? {
        None => Detail::Max,
        Some(v) if v.eq_ignore_ascii_case("max") => Detail::Max,
        Some(v) if v.eq_ignore_ascii_case("min") => Detail::Min,
        Some(v) => return Err(TapError::BadParameter(format!("detail={v}: use min or max (VOSI 1.1 §3.4)"))),
    };
    Ok(xml(tableset(state.engine.metadata(), detail)))
}

/// `GET /tables/{name}`.
pub async fn table(name: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, TapError> {
    let name = name.into_inner();
    match state.engine.metadata().table(&name) {
        Some(t) => Ok(xml(single_table(t))),
        None => Err(TapError::NotFound(format!("no table named {name}"))),
    }
}

/// `GET /examples`.
pub async fn examples(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let doc = examples_document(&state.config.title, &format!("{}/sync", state.base_url(&req)), &state.offered_examples());
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/xhtml+xml; charset=utf-8")).body(doc)
}
