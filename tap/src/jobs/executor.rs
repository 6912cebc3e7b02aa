//! The [`uws::JobExecutor`] of the TAP service.

use std::sync::Arc;

use bytes::Bytes;

use uws::{async_trait, CancellationToken, ErrorSummary, ErrorType, Job, JobExecutor, ResultInfo, ResultSink};

use crate::engine::QueryEngine;
use crate::error::TapError;
use crate::config::UploadConfig;
use crate::params::{DaliParams, MaxrecPolicy, QueryRequest};
use crate::upload;

/// Runs a job's ADQL query and writes the result document (in the job's RESPONSEFORMAT) as the
/// result named `result` (TAP 1.1 §2.2.2: `results/result`).
pub struct QueryJobExecutor {
    engine: Arc<QueryEngine>,
    policy: MaxrecPolicy,
    uploads: UploadConfig,
}

impl QueryJobExecutor {
    /// An executor over `engine` with the service's MAXREC policy and upload limits.
    pub fn new(engine: Arc<QueryEngine>, policy: MaxrecPolicy, uploads: UploadConfig) -> Self {
        QueryJobExecutor { engine, policy, uploads }
    }
}

#[async_trait]
impl JobExecutor for QueryJobExecutor {
    async fn execute(&self, job: &Job, out: ResultSink, cancel: CancellationToken) -> Result<ResultInfo, ErrorSummary> {
        // Parameters are validated when the job runs, not when it is created: UWS lets a client
        // build up a PENDING job's parameters in several requests.
        let params = DaliParams::from_pairs(job.parameters.iter().map(|p| (p.name.as_str(), p.value.clone())));
        let request = QueryRequest::from_params(&params, self.policy).map_err(failure)?;
        tracing::info!(job = %job.id, query = %request.query, format = %request.format, maxrec = request.maxrec, "async query");
        let file = out
            .create("result", request.format.media_type())
            .map_err(|e| ErrorSummary::transient(format!("internal error: cannot create the result file: {e}")))?;
        // The files the client sent with the job, stored beside it.
        let sink = out.clone();
        let part = move |name: &str| sink.upload(name).and_then(|path| std::fs::read(path).ok()).map(Bytes::from);
        let uploads = upload::resolve_off_thread(&request.uploads, part, &self.uploads).await.map_err(failure)?;
        let written = self.engine.run_to_writer(request, uploads, file, cancel).await.map_err(failure)?;
        tracing::info!(job = %job.id, bytes = written.bytes, "async query finished");
        written
            .writer
            .finish()
            .map_err(|e| ErrorSummary::transient(format!("internal error: cannot store the result: {e}")))
    }
}

/// The job's errorSummary for `err`, its message being the one `/sync` would show.
fn failure(err: TapError) -> ErrorSummary {
    if let TapError::MemoryLimit { detail, .. } = &err {
        tracing::info!(%detail, "async query over the memory limit");
    }
    ErrorSummary { error_type: error_type(&err), message: err.to_string() }
}

/// UWS 1.1 §2.1.7: `fatal` when running the same job again fails the same way, `transient` when
/// a later run may succeed because the trouble was the service's state, not the job.
fn error_type(err: &TapError) -> ErrorType {
    match err {
        TapError::BadParameter(_)
        | TapError::RepeatedParameter(_)
        | TapError::Adql(_)
        | TapError::Plan(_)
        | TapError::QueryExecution(_)
        | TapError::PayloadTooLarge { .. }
        // A table that cannot be read now cannot be read on the next run.
        | TapError::Upload(_)
        | TapError::NotFound(_)
        | TapError::Config(_)
        // A bug stays a bug on the next run.
        | TapError::Internal(_) => ErrorType::Fatal,
        // The memory pool is shared: with fewer queries running, the job may fit.
        TapError::MemoryLimit { .. }
        // Shutdown or restart; the job's own cancellations never get here (the runner has
        // already set ABORTED or the execution-duration error).
        | TapError::Cancelled
        | TapError::ShuttingDown
        | TapError::SyncTimeout { .. }
        | TapError::SyncTransferLimit { .. }
        // Jobs never take a sync slot; listed so a new variant has to be sorted here.
        | TapError::Busy { .. }
        | TapError::Storage(_)
        | TapError::Io(_) => ErrorType::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_fatal_the_service_transient() {
        let adql = adql::AdqlError::new(adql::ErrorKind::Syntax, 1, 8, "unexpected FROM");
        let bad = failure(TapError::Adql(adql));
        assert_eq!((bad.error_type, bad.message.as_str()), (ErrorType::Fatal, "1:8: unexpected FROM"));
        assert_eq!(failure(TapError::BadParameter("MAXREC".into())).error_type, ErrorType::Fatal);
        let oom = failure(TapError::MemoryLimit {
            limit_mb: 1,
            scope: crate::error::MemoryScope::Shared,
            detail: "HashJoinInput".into(),
        });
        assert_eq!(oom.error_type, ErrorType::Transient);
        assert!(oom.message.contains("limit of 1 MiB"), "{}", oom.message);
        assert_eq!(failure(TapError::Cancelled).error_type, ErrorType::Transient);
    }
}
