//! `/sync` (TAP 1.1 §2.2): GET or POST with DALI parameters; the result streams back.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::peer::PeerSocket;
use super::{read_body, AppState};
use crate::engine::SyncLimits;
use crate::error::TapError;
use crate::params::{DaliParams, QueryRequest};
use crate::upload;

/// Runs one synchronous query.
pub async fn sync(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, TapError> {
    let body = read_body(payload, state.config.max_request_bytes()).await?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let params = DaliParams::parse(req.query_string(), content_type, &body)?;
    drop(body);
    params.check_sizes(state.config.max_body_bytes, &state.config.uploads)?;
    let request = QueryRequest::from_params(&params, state.config.maxrec_policy())?;
    tracing::info!(query = %request.query, format = %request.format, maxrec = request.maxrec, uploads = request.uploads.len(), "sync query");
    let uploads = upload::resolve_off_thread(&request.uploads, move |part| params.file(part), &state.config.uploads).await?;
    let gzip = accepts_gzip(&req);
    let limits = SyncLimits {
        gzip,
        first_row_timeout: Duration::from_secs(state.config.sync_timeout_secs),
        transfer_limit: Duration::from_secs(state.config.sync_transfer_limit_secs),
        async_url: format!("{}/async", state.base_url(&req)),
    };
    let media_type = request.format.media_type();
    let run = state.engine.run_sync(request, uploads, limits);
    let body = match req.conn_data::<PeerSocket>() {
        Some(peer) => tokio::select! {
            body = run => body?,
            // Dropping `run` drops the query; nobody will read an answer.
            () = peer.gone() => {
                tracing::info!("client gone before the first row: query cancelled");
                return Err(TapError::Cancelled);
            }
        },
        None => run.await?,
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, media_type));
    if gzip {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response.streaming(body))
}

/// True when `Accept-Encoding` lists gzip with a non-zero quality (RFC 9110 §12.5.3).
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers().get_all(header::ACCEPT_ENCODING).filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let q_zero = parts.any(|p| matches!(p.replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            coding.eq_ignore_ascii_case("gzip") && !q_zero
        })
    })
}
