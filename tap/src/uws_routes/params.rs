//! Request parameters for the UWS routes: query string plus body, names case-insensitive
//! (DALI 1.1 §3), values as sent.

use std::sync::Arc;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use uws::{JobUpload, Parameters};

use super::response::RouteError;

/// What a request carried: ordered (name, value) pairs, and the files of a multipart body.
#[derive(Debug, Default)]
pub struct ParsedBody {
    /// Parameters, in arrival order.
    pub pairs: Vec<(String, String)>,
    /// Files (for TAP: inline uploads), stored with the job.
    pub uploads: Vec<JobUpload>,
}

/// Turns (query string, Content-Type, body) into a [`ParsedBody`].
pub type BodyParser = Arc<dyn Fn(&str, Option<&str>, &[u8]) -> Result<ParsedBody, String> + Send + Sync>;

/// The default parser: query string and `application/x-www-form-urlencoded` bodies.
/// `multipart/form-data` is refused with a clear message rather than silently ignored.
pub fn urlencoded_parser() -> BodyParser {
    Arc::new(|query: &str, content_type: Option<&str>, body: &[u8]| {
        let mut pairs = decode(query)?;
        let essence = content_type.and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let text = std::str::from_utf8(body).map_err(|_| "request body is not UTF-8".to_owned())?;
                pairs.extend(decode(text)?);
            }
            Some("multipart/form-data") => {
                return Err("multipart/form-data is not accepted here; send application/x-www-form-urlencoded".into())
            }
            _ => {}
        }
        Ok(ParsedBody { pairs, uploads: Vec::new() })
    })
}

fn decode(s: &str) -> Result<Vec<(String, String)>, String> {
    web::Query::<Vec<(String, String)>>::from_query(s)
        .map(|q| q.into_inner())
        .map_err(|e| format!("malformed parameters: {e}"))
}

/// All parameters of a request; files are refused (only job creation and parameter updates
/// take them).
pub fn collect(req: &HttpRequest, body: &[u8], parser: &BodyParser) -> Result<Parameters, RouteError> {
    let (params, uploads) = collect_with_uploads(req, body, parser)?;
    if !uploads.is_empty() {
        return Err(RouteError::bad_request("files can only be sent when creating a job or updating its parameters"));
    }
    Ok(params)
}

/// All parameters and files of a request.
pub fn collect_with_uploads(
    req: &HttpRequest,
    body: &[u8],
    parser: &BodyParser,
) -> Result<(Parameters, Vec<JobUpload>), RouteError> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let parsed = parser(req.query_string(), content_type, body).map_err(RouteError::bad_request)?;
    Ok((Parameters::from_pairs(parsed.pairs), parsed.uploads))
}

/// The only value of `name`, or an error if it was given more than once (DALI 1.1 §3.1).
pub fn single<'a>(params: &'a Parameters, name: &str) -> Result<Option<&'a str>, RouteError> {
    let mut values = params.get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(RouteError::bad_request(format!("parameter {} given more than once", name.to_uppercase())));
    }
    Ok(first)
}
