//! The service's one error type. It renders itself as the DALI error document (DALI 1.1 §4.4.3):
//! a VOTable whose RESOURCE type="results" carries `<INFO name="QUERY_STATUS" value="ERROR">`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

/// Media type of DALI error documents.
pub const VOTABLE_MEDIA_TYPE: &str = "application/x-votable+xml";

/// Everything that can go wrong while building the service or answering a request.
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    /// A DALI/TAP parameter is missing, malformed or has an unsupported value.
    #[error("{0}")]
    BadParameter(String),
    /// A single-valued parameter was given more than once (DALI 1.1 §3.1).
    #[error("parameter {0} was given more than once; it takes a single value")]
    RepeatedParameter(String),
    /// The ADQL text was rejected; the message starts with `line:col:`.
    #[error("{0}")]
    Query(String),
    /// The query was accepted but failed while running because of its own content (e.g. a cast).
    #[error("query failed: {0}")]
    QueryExecution(String),
    /// The request body exceeds the configured limit.
    #[error("request body larger than the {limit} bytes this service accepts")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The synchronous query did not produce its first row in time.
    #[error(
        "the synchronous query did not start returning rows within {secs} s; \
         submit it as an asynchronous job to {async_url} instead (TAP 1.1 §2.2)"
    )]
    SyncTimeout {
        /// The sync time limit.
        secs: u64,
        /// Where the async endpoint is.
        async_url: String,
    },
    /// An unknown resource (table name, path).
    #[error("{0}")]
    NotFound(String),
    /// The configuration is unusable (at start-up).
    #[error("configuration error: {0}")]
    Config(String),
    /// I/O failure (binding the socket, reading a catalogue).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Our own fault: a bug or an unavailable resource, not the client's.
    #[error("internal error: {0}")]
    Internal(String),
}

impl TapError {
    /// Sorts a DataFusion error into the client's fault (bad query) or ours.
    pub fn from_datafusion(err: datafusion::error::DataFusionError) -> Self {
        use datafusion::error::DataFusionError as E;
        match err.find_root() {
            E::Plan(_) | E::SchemaError(..) | E::SQL(..) | E::NotImplemented(_) => {
                TapError::Query(err.to_string())
            }
            E::ArrowError(..) | E::Execution(_) => TapError::QueryExecution(err.to_string()),
            _ => TapError::Internal(err.to_string()),
        }
    }

    /// The DALI error VOTable for this error.
    pub fn to_votable(&self) -> String {
        error_votable(&self.to_string())
    }
}

/// A DALI 1.1 §4.4.3 error document (the output writers' one, so errors before and after the
/// first byte look alike).
pub fn error_votable(message: &str) -> String {
    crate::output::error_document(message, &[])
}

impl ResponseError for TapError {
    fn status_code(&self) -> StatusCode {
        match self {
            TapError::BadParameter(_)
            | TapError::RepeatedParameter(_)
            | TapError::Query(_)
            | TapError::QueryExecution(_) => StatusCode::BAD_REQUEST,
            TapError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            // Trap 4 of STANDARDS.md: a sync timeout must be machine-readable, hence 408 not 500.
            TapError::SyncTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            TapError::NotFound(_) => StatusCode::NOT_FOUND,
            TapError::Config(_) | TapError::Io(_) | TapError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), error = %self, "request rejected");
        }
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, VOTABLE_MEDIA_TYPE))
            .body(self.to_votable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_fault() {
        assert_eq!(TapError::BadParameter("x".into()).status_code(), 400);
        assert_eq!(TapError::PayloadTooLarge { limit: 1 }.status_code(), 413);
        assert_eq!(
            TapError::SyncTimeout { secs: 1, async_url: "u".into() }.status_code(),
            408
        );
        assert_eq!(TapError::Internal("x".into()).status_code(), 500);
    }

    #[test]
    fn error_document_escapes_the_message() {
        let doc = error_votable("1:8: unknown column <ra2> & more");
        assert!(doc.contains(
            "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">1:8: unknown column &lt;ra2&gt; &amp; more</INFO>"
        ));
    }

    #[test]
    fn datafusion_plan_errors_are_client_errors() {
        let e = TapError::from_datafusion(datafusion::error::DataFusionError::Plan("no".into()));
        assert_eq!(e.status_code(), 400);
        let e = TapError::from_datafusion(datafusion::error::DataFusionError::Internal("bug".into()));
        assert_eq!(e.status_code(), 500);
    }
}
