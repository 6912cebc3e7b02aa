//! Responses of the UWS routes: XML documents, text/plain atoms, 303 redirects, and errors
//! mapped per UWS 1.1 §2.2 (unknown job 404; illegal in the current state 403; bad value 400).

use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use uws::UwsError;

/// An error answered as `text/plain`.
#[derive(Debug)]
pub struct RouteError {
    status: StatusCode,
    message: String,
}

impl RouteError {
    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into() }
    }

    /// 500 with `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, message: message.into() }
    }
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for RouteError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body(format!("{}\n", self.message))
    }
}

impl From<UwsError> for RouteError {
    fn from(e: UwsError) -> Self {
        let status = match &e {
            UwsError::NotFound(_) => StatusCode::NOT_FOUND,
            UwsError::IllegalTransition { .. } | UwsError::NotAllowedInPhase { .. } => StatusCode::FORBIDDEN,
            UwsError::BadValue(_) => StatusCode::BAD_REQUEST,
            UwsError::Store(_) | UwsError::Io(_) | UwsError::Corrupt(_) | UwsError::Random(_) => {
                tracing::error!(error = %e, "uws failure");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &e {
            UwsError::NotFound(id) => format!("no such job or resource: {id}"),
            other => other.to_string(),
        };
        Self { status, message }
    }
}

/// 303 See Other to `location` (UWS 1.1 §2.2.3: every state change answers this way).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, location)).finish()
}

/// 200 with an XML document.
pub fn xml(doc: String) -> HttpResponse {
    HttpResponse::Ok().insert_header((CONTENT_TYPE, uws::xml::XML_MEDIA_TYPE)).body(doc)
}

/// 200 with a text/plain atom (phase, executionduration, destruction, quote, owner; UWS 1.1 §2.2).
pub fn text(value: String) -> HttpResponse {
    HttpResponse::Ok().insert_header((CONTENT_TYPE, "text/plain; charset=utf-8")).body(value)
}

/// The DALI 1.1 §4.2 error document served at `/async/{id}/error` (with status 200): the same
/// document `/sync` sends for a failed query.
pub fn votable_error(message: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, crate::error::VOTABLE_MEDIA_TYPE))
        .body(crate::output::error_document(message, &[]))
}
