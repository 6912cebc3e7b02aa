//! The service's one error type. It renders itself as the DALI error document (DALI 1.1 §4.4.3):
//! a VOTable whose RESOURCE type="results" carries `<INFO name="QUERY_STATUS" value="ERROR">`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use adql::{AdqlError, ErrorKind};
use datafusion::error::DataFusionError;

/// Media type of DALI error documents.
pub const VOTABLE_MEDIA_TYPE: &str = "application/x-votable+xml";

/// Everything that can go wrong while building the service or answering a request.
///
/// [`TapError::status_code`] is the one place that gives each variant (and each ADQL
/// [`ErrorKind`]) its HTTP status; the DALI document is always [`TapError::to_votable`], the
/// `Display` text in an error VOTable. Async jobs classify the same variants as UWS `fatal` or
/// `transient` in `crate::jobs`.
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    /// A DALI/TAP parameter is missing, malformed or has an unsupported value.
    #[error("{0}")]
    BadParameter(String),
    /// A single-valued parameter was given more than once (DALI 1.1 §3.1).
    #[error("parameter {0} was given more than once; it takes a single value")]
    RepeatedParameter(String),
    /// The ADQL front-end rejected the query. `Display` is `line:col: message`.
    #[error("{0}")]
    Adql(#[from] AdqlError),
    /// DataFusion rejected the already planned query while building its physical plan; no
    /// position in the text is known.
    #[error("query cannot be executed: {0}")]
    Plan(String),
    /// The query was accepted but failed while running because of its own content (e.g. a cast).
    #[error("query failed: {0}")]
    QueryExecution(String),
    /// The query needed more memory than it may hold: the pool running queries share
    /// (`query_memory_limit_mb`) or its own limit (`query_memory_per_query_mb`), as DataFusion's
    /// `ResourcesExhausted` from an operator that cannot spill (a hash join's build side, a cross
    /// join, ...) or that ran out even after spilling.
    ///
    /// HTTP 400, not 500 or 503: the usual cause is the query's own size and the fix is the
    /// client's (a narrower query, TOP, MAXREC), so the client should show the message rather
    /// than treat the service as down. A retry may still succeed when fewer queries hold memory,
    /// which is why async jobs record it as UWS `transient`.
    #[error(
        "the query needs more memory than the limit of {limit_mb} MiB {scope}; narrow it (a more \
         selective WHERE, fewer columns, a smaller join) or cap its rows with TOP or MAXREC"
    )]
    MemoryLimit {
        /// The limit that was hit, in MiB.
        limit_mb: usize,
        /// Which of the two limits it is.
        scope: MemoryScope,
        /// DataFusion's own account (which operator, how many bytes), for the log.
        detail: String,
    },
    /// An `UPLOAD` table was refused: missing, unreadable, over a limit, a URL not allowed.
    #[error(transparent)]
    Upload(#[from] crate::upload::UploadError),
    /// The request body exceeds the configured limit.
    #[error("request body larger than the {limit} bytes this service accepts")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The synchronous query did not produce its first row in time (`sync_timeout_secs`).
    #[error(
        "the synchronous query did not start returning rows within {secs} s; \
         submit it as an asynchronous job to {async_url} instead (TAP 1.1 §2.2)"
    )]
    SyncTimeout {
        /// The first-row time limit.
        secs: u64,
        /// Where the async endpoint is.
        async_url: String,
    },
    /// A synchronous result was still being transferred when the transfer limit
    /// (`sync_transfer_limit_secs`) was reached. Only ever seen as the trailing error of a
    /// result that had already started (the 200 is sent), never as an HTTP status of its own.
    #[error(
        "the synchronous result was cut at the transfer limit of {secs} s (sync_transfer_limit_secs): \
         the rows above are incomplete; submit the query as an asynchronous job to {async_url} \
         to get the whole result (TAP 1.1 §2.2)"
    )]
    SyncTransferLimit {
        /// The transfer time limit.
        secs: u64,
        /// Where the async endpoint is.
        async_url: String,
    },
    /// Every `/sync` slot stayed busy for the whole admission wait (`max_sync_queries`,
    /// `sync_queue_wait_ms`). HTTP 503 with `Retry-After`: the service is healthy, only full.
    #[error(
        "the service is running as many synchronous queries as it allows ({limit}, max_sync_queries); \
         retry in {retry_after_secs} s, or submit the query as an asynchronous job to /async"
    )]
    Busy {
        /// The number of sync slots.
        limit: usize,
        /// What the `Retry-After` header says, in seconds.
        retry_after_secs: u64,
    },
    /// An unknown resource (table name, path).
    #[error("{0}")]
    NotFound(String),
    /// The query was stopped before it finished: its job was aborted, destroyed or ran out of
    /// time, or the service is shutting down and took the query runtime with it.
    #[error("the query was cancelled")]
    Cancelled,
    /// The service is shutting down (SIGTERM): the query was stopped, or never started.
    #[error("the service is shutting down; submit the query again in a moment")]
    ShuttingDown,
    /// Reading catalog data failed (file system, object store): the service's trouble, and
    /// possibly a passing one.
    #[error("reading the catalog failed: {0}")]
    Storage(String),
    /// The configuration is unusable (at start-up).
    #[error("configuration error: {0}")]
    Config(String),
    /// I/O failure (binding the socket, reading a catalog, writing a job's result).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Our own fault: a bug or an unavailable resource, not the client's.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Written into the per-query pool's `ResourcesExhausted` message (`crate::engine`), and looked
/// for here to tell which limit a query hit: DataFusion carries that error only as text.
pub(crate) const PER_QUERY_MEMORY_KEY: &str = "query_memory_per_query_mb";

/// Which memory limit a query ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryScope {
    /// The pool all running queries share (`query_memory_limit_mb`).
    Shared,
    /// What one query may hold (`query_memory_per_query_mb`).
    PerQuery,
}

impl std::fmt::Display for MemoryScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MemoryScope::Shared => "that running queries share (query_memory_limit_mb)",
            MemoryScope::PerQuery => "that one query may hold (query_memory_per_query_mb)",
        })
    }
}

/// The configured memory limits, named in out-of-memory messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// `query_memory_limit_mb` (0 = unbounded).
    pub total_mb: usize,
    /// `query_memory_per_query_mb` when it is enforced (below the total).
    pub per_query_mb: Option<usize>,
}

impl TapError {
    /// Sorts a DataFusion error met after ADQL planning (physical planning, execution) by its
    /// deepest cause. `memory` are the configured limits, named in the out-of-memory message.
    pub fn from_datafusion(err: &DataFusionError, memory: MemoryLimits) -> Self {
        use DataFusionError as E;
        let message = err.strip_backtrace();
        // A spilling sort wraps it in context, a repartition shares it, a UNION collects it.
        let exhausted: Vec<&str> = root_causes(err)
            .filter_map(|e| match e {
                E::ResourcesExhausted(m) => Some(m.as_str()),
                _ => None,
            })
            .collect();
        if !exhausted.is_empty() {
            let per_query = exhausted.iter().any(|m| m.contains(PER_QUERY_MEMORY_KEY));
            let (limit_mb, scope) = match memory.per_query_mb {
                Some(mb) if per_query => (mb, MemoryScope::PerQuery),
                _ => (memory.total_mb, MemoryScope::Shared),
            };
            return TapError::MemoryLimit { limit_mb, scope, detail: message };
        }
        match err.find_root() {
            E::Plan(_) | E::SchemaError(..) | E::SQL(..) | E::NotImplemented(_) => TapError::Plan(message),
            E::ArrowError(..) | E::Execution(_) => TapError::QueryExecution(message),
            E::IoError(_) | E::ObjectStore(_) => TapError::Storage(message),
            // A join error is a panicked or cancelled DataFusion task; a cancelled one means the
            // runtime is going away.
            E::ExecutionJoin(join) if join.is_cancelled() => TapError::Cancelled,
            E::ParquetError(_)
            | E::ExecutionJoin(_)
            | E::Internal(_)
            | E::Configuration(_)
            | E::External(_)
            | E::Context(..)
            | E::Substrait(_)
            | E::Diagnostic(..)
            | E::Collection(_)
            | E::Shared(_)
            | E::Ffi(_)
            | E::ResourcesExhausted(_) => TapError::Internal(message),
        }
    }

    /// The DALI error VOTable for this error.
    pub fn to_votable(&self) -> String {
        error_votable(&self.to_string())
    }
}

/// The deepest DataFusion error under `err` and under each member of a collection.
fn root_causes(err: &DataFusionError) -> impl Iterator<Item = &DataFusionError> {
    std::iter::once(err.find_root()).chain(err.iter().map(DataFusionError::find_root))
}

/// A DALI 1.1 §4.4.3 error document (the output writers' one, so errors before and after the
/// first byte look alike).
pub fn error_votable(message: &str) -> String {
    crate::output::error_document(message, &[])
}

impl ResponseError for TapError {
    fn status_code(&self) -> StatusCode {
        match self {
            // Every ADQL error is about the query text: the client's to fix.
            TapError::Adql(e) => match e.kind {
                ErrorKind::Syntax
                | ErrorKind::NotAdql
                | ErrorKind::UnknownTable
                | ErrorKind::UnknownColumn
                | ErrorKind::UnknownFunction
                | ErrorKind::Type
                | ErrorKind::Unsupported
                | ErrorKind::Planning
                | ErrorKind::Limit => StatusCode::BAD_REQUEST,
            },
            TapError::BadParameter(_)
            | TapError::RepeatedParameter(_)
            | TapError::Plan(_)
            | TapError::QueryExecution(_)
            | TapError::MemoryLimit { .. } => StatusCode::BAD_REQUEST,
            TapError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            TapError::Upload(crate::upload::UploadError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            TapError::Upload(crate::upload::UploadError::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            TapError::Upload(_) => StatusCode::BAD_REQUEST,
            // 400, not 500 (the service is fine) and not 408 (that says the *request* did not
            // arrive in time, and HTTP clients retry it, running the same slow query again): a
            // final answer whose DALI document tells the client to use /async. The transfer
            // limit ends a 200 in-band; its status only matters if it ever escapes as a value.
            TapError::SyncTimeout { .. } | TapError::SyncTransferLimit { .. } => StatusCode::BAD_REQUEST,
            TapError::NotFound(_) => StatusCode::NOT_FOUND,
            TapError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            // Only a stopping service answers with it: "come back later", not "broken".
            TapError::Cancelled | TapError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            TapError::Storage(_) | TapError::Config(_) | TapError::Io(_) | TapError::Internal(_) => {
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
        if let TapError::MemoryLimit { detail, .. } = self {
            tracing::info!(%detail, "query over the memory limit");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, VOTABLE_MEDIA_TYPE));
        if let TapError::Busy { retry_after_secs, .. } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response.body(self.to_votable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED_64: MemoryLimits = MemoryLimits { total_mb: 64, per_query_mb: None };

    #[test]
    fn the_memory_message_names_the_limit_that_was_hit() {
        let limits = MemoryLimits { total_mb: 64, per_query_mb: Some(8) };
        let per_query = DataFusionError::ResourcesExhausted(format!("per-query memory limit ({PER_QUERY_MEMORY_KEY} = 1) reached"));
        let t = TapError::from_datafusion(&per_query.context("sorting"), limits);
        assert!(t.to_string().contains("limit of 8 MiB that one query may hold (query_memory_per_query_mb)"), "{t}");
        let shared = DataFusionError::ResourcesExhausted("Failed to allocate additional 1 MB for HashJoinInput".into());
        let t = TapError::from_datafusion(&shared, limits);
        assert!(t.to_string().contains("limit of 64 MiB that running queries share (query_memory_limit_mb)"), "{t}");
    }

    #[test]
    fn busy_is_503_with_retry_after() {
        let busy = TapError::Busy { limit: 3, retry_after_secs: 2 };
        assert_eq!(busy.status_code(), 503);
        let response = busy.error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("2"));
        assert!(busy.to_votable().contains("max_sync_queries"), "{}", busy.to_votable());
    }

    #[test]
    fn statuses_follow_the_fault() {
        assert_eq!(TapError::BadParameter("x".into()).status_code(), 400);
        assert_eq!(TapError::PayloadTooLarge { limit: 1 }.status_code(), 413);
        assert_eq!(TapError::SyncTimeout { secs: 1, async_url: "u".into() }.status_code(), 400);
        assert_eq!(TapError::Internal("x".into()).status_code(), 500);
        assert_eq!(TapError::Cancelled.status_code(), 503);
    }

    #[test]
    fn adql_errors_keep_their_position_in_the_document() {
        let e = TapError::from(AdqlError::new(ErrorKind::UnknownColumn, 3, 7, "unknown column 'x'"));
        assert_eq!(e.status_code(), 400);
        assert!(e.to_votable().contains("value=\"ERROR\">3:7: unknown column &apos;x&apos;<"), "{}", e.to_votable());
    }

    #[test]
    fn error_document_escapes_the_message() {
        let doc = error_votable("1:8: unknown column <ra2> & more");
        assert!(doc.contains(
            "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">1:8: unknown column &lt;ra2&gt; &amp; more</INFO>"
        ));
    }

    #[test]
    fn datafusion_errors_are_sorted_by_variant() {
        let classify = |e: DataFusionError| TapError::from_datafusion(&e, SHARED_64);
        assert!(matches!(classify(DataFusionError::Plan("no".into())), TapError::Plan(_)));
        assert!(matches!(classify(DataFusionError::Execution("1/0".into())), TapError::QueryExecution(_)));
        assert!(matches!(classify(DataFusionError::Internal("bug".into())), TapError::Internal(_)));
        let io = DataFusionError::IoError(std::io::Error::other("nfs"));
        assert_eq!(classify(io).status_code(), 500);
    }

    #[test]
    fn resources_exhausted_is_found_under_context_shares_and_collections() {
        let oom = || DataFusionError::ResourcesExhausted("Failed to allocate 1 MB for HashJoinInput".into());
        let wrapped = [
            oom(),
            oom().context("while spilling"),
            DataFusionError::Shared(std::sync::Arc::new(oom())).context("repartition"),
            DataFusionError::ArrowError(
                Box::new(datafusion::arrow::error::ArrowError::ExternalError(Box::new(oom()))),
                None,
            ),
            DataFusionError::Collection(vec![DataFusionError::Plan("other".into()), oom()]),
        ];
        for e in wrapped {
            let shown = e.to_string();
            let t = TapError::from_datafusion(&e, SHARED_64);
            assert!(matches!(t, TapError::MemoryLimit { limit_mb: 64, scope: MemoryScope::Shared, .. }), "{shown}: {t:?}");
            assert_eq!(t.status_code(), 400);
            assert!(t.to_string().contains("limit of 64 MiB"), "{t}");
            assert!(t.to_string().contains("TOP or MAXREC"), "{t}");
        }
    }
}
