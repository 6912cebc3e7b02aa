//! The seam between the job runner and whatever a job does (for TAP: plan and run ADQL, encode
//! the rows). The `uws` crate knows nothing of SQL.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::job::{ErrorSummary, Job, ResultInfo};
use crate::sink::ResultSink;

/// Runs one job.
///
/// The runner calls `execute` when the job enters EXECUTING. `cancel` fires on ABORT, on
/// destruction and when the execution duration is exceeded; the runner also stops polling the
/// future at that moment, so an implementation should make any work it hands to other threads
/// watch `cancel` too. Results are created through `out` ([`ResultSink::create`], then
/// [`crate::ResultFile::finish`]); the returned [`ResultInfo`] (and any other finished results)
/// are listed once the job is COMPLETED. `Err(summary)` puts the job in ERROR with that
/// errorSummary: its message, and its type (UWS 1.1 §2.1.7), `fatal` when the same job would fail
/// again, `transient` when a later run may succeed (e.g. the service was short of memory).
#[async_trait]
pub trait JobExecutor: Send + Sync + 'static {
    /// Executes `job`, writing results to `out`.
    async fn execute(&self, job: &Job, out: ResultSink, cancel: CancellationToken) -> Result<ResultInfo, ErrorSummary>;
}
