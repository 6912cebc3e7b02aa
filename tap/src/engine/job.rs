//! Running a query to completion into a file, for async jobs: the same planning, MAXREC handling
//! and streaming writers as `/sync`, but the bytes go to a `Write` instead of a socket, and the
//! run stops when the job's cancellation token fires (ABORT, destruction, execution duration).

use std::io::Write;
use std::sync::{Arc, Mutex};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use tracing::Instrument;
use uws::CancellationToken;

use super::planner::Planner;
use super::stream::start;
use super::QueryEngine;
use crate::error::TapError;
use crate::output::{self, OutputError, ResultMeta};
use crate::params::QueryRequest;
use crate::upload::UploadTable;

/// What a finished run wrote.
#[derive(Debug)]
pub struct WrittenResult<W> {
    /// The writer, handed back so the caller can commit it (e.g. rename a temp file).
    pub writer: W,
    /// Bytes written.
    pub bytes: u64,
}

impl QueryEngine {
    /// Runs `request` (with its `TAP_UPLOAD` tables `uploads`, already read) on the query
    /// runtime and writes the whole encoded document to `out`.
    ///
    /// Unlike `/sync`, an error in the middle of the rows is an error of the run (a job must end in
    /// ERROR, not COMPLETED with a document that merely says so at its end). Cancelling `cancel`
    /// drops the DataFusion stream, which stops the scan, and returns an error; the writer is
    /// dropped with it.
    pub async fn run_to_writer<W>(
        &self,
        request: QueryRequest,
        uploads: Vec<UploadTable>,
        out: W,
        cancel: CancellationToken,
    ) -> Result<WrittenResult<W>, TapError>
    where
        W: Write + Send + 'static,
    {
        let planner = self.planner.with_uploads(uploads)?;
        // A child token: the guard below may cancel it without touching the job's own token,
        // which the runner watches.
        let local = cancel.child_token();
        let task_cancel = local.clone();
        let work = async move {
            let (stream, first) = start(&planner, &request).await?;
            let failure = Arc::new(Mutex::new(None::<TapError>));
            let stream = watch_errors(stream, first, planner.clone(), Arc::clone(&failure));
            let mut meta = ResultMeta::from_schema(&stream.schema()).with_query(&request.query);
            if let Some(runid) = &request.runid {
                meta = meta.with_runid(runid);
            }
            let mut encoded = Box::pin(output::encode(request.format, meta, stream, Some(request.maxrec)));
            let mut out = out;
            let mut bytes = 0u64;
            while let Some(chunk) = encoded.next().await {
                let chunk = chunk.map_err(|e| output_error(&planner, e))?;
                // Local-disk writes of at most a few hundred KiB: cheap enough not to need a
                // blocking-pool hop, and the query runtime is multi-threaded.
                out.write_all(&chunk)?;
                bytes += chunk.len() as u64;
            }
            drop(encoded);
            out.flush()?;
            let failed = failure.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(error) = failed {
                return Err(error);
            }
            Ok(WrittenResult { writer: out, bytes })
        };
        let span = tracing::Span::current();
        let handle = self.runtime().spawn(
            async move {
                tokio::select! {
                    r = work => r,
                    _ = task_cancel.cancelled() => Err(TapError::Cancelled),
                }
            }
            .instrument(span),
        );
        // If our caller stops polling (the job runner aborts this future), the token still stops
        // the task on the query runtime.
        let _guard = local.drop_guard();
        let joined = handle.await;
        match joined {
            Ok(r) => r,
            // The query runtime shut down under the task: the service is stopping.
            Err(e) if e.is_cancelled() => Err(TapError::Cancelled),
            Err(e) => Err(TapError::Internal(format!("query task failed: {e}"))),
        }
    }
}

/// A writer's failure as the job's error; the query's own errors keep their classification
/// (an out-of-memory job is worth resubmitting, a failing cast is not).
fn output_error(planner: &Planner, err: OutputError) -> TapError {
    match err {
        OutputError::Query(e) => planner.error(&e),
        OutputError::Io(e) => TapError::Io(e),
        // A value the encoder cannot write is the query's doing, like a failing cast.
        e @ OutputError::Arrow(_) => TapError::QueryExecution(e.to_string()),
        other => TapError::Internal(other.to_string()),
    }
}

/// Puts the peeked first batch back in front and remembers the first execution error, so the
/// caller can tell a complete result from one a VOTable writer closed with QUERY_STATUS=ERROR.
fn watch_errors(
    stream: SendableRecordBatchStream,
    first: Option<RecordBatch>,
    planner: Planner,
    failure: Arc<Mutex<Option<TapError>>>,
) -> SendableRecordBatchStream {
    let schema = stream.schema();
    let head = futures::stream::iter(first.map(Ok));
    let rest = stream.inspect(move |item| {
        if let Err(e) = item {
            let mut slot = failure.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| planner.error(e));
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, head.chain(rest)))
}
