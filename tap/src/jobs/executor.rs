//! The [`uws::JobExecutor`] of the TAP service.

use std::sync::Arc;

use uws::{async_trait, CancellationToken, Job, JobExecutor, ResultInfo, ResultSink};

use crate::engine::QueryEngine;
use crate::params::{DaliParams, MaxrecPolicy, QueryRequest};

/// Runs a job's ADQL query and writes the result document (in the job's RESPONSEFORMAT) as the
/// result named `result` (TAP 1.1 §2.2.2: `results/result`).
pub struct QueryJobExecutor {
    engine: Arc<QueryEngine>,
    policy: MaxrecPolicy,
}

impl QueryJobExecutor {
    /// An executor over `engine` with the service's MAXREC policy.
    pub fn new(engine: Arc<QueryEngine>, policy: MaxrecPolicy) -> Self {
        QueryJobExecutor { engine, policy }
    }
}

#[async_trait]
impl JobExecutor for QueryJobExecutor {
    async fn execute(&self, job: &Job, out: ResultSink, cancel: CancellationToken) -> Result<ResultInfo, String> {
        // Parameters are validated when the job runs, not when it is created: UWS lets a client
        // build up a PENDING job's parameters in several requests.
        let params = DaliParams::from_pairs(job.parameters.iter().map(|p| (p.name.as_str(), p.value.clone())));
        let request = QueryRequest::from_params(&params, self.policy).map_err(|e| e.to_string())?;
        tracing::info!(job = %job.id, query = %request.query, format = %request.format, maxrec = request.maxrec, "async query");
        let file = out
            .create("result", request.format.media_type())
            .map_err(|e| format!("internal error: cannot create the result file: {e}"))?;
        let written = self.engine.run_to_writer(request, file, cancel).await.map_err(|e| e.to_string())?;
        tracing::info!(job = %job.id, bytes = written.bytes, "async query finished");
        written.writer.finish().map_err(|e| format!("internal error: cannot store the result: {e}"))
    }
}
