//! Running a synchronous query: plan and start it, wait for the first batch (so that planning and
//! early execution errors, and the first-row timeout, become proper HTTP errors before the 200 is
//! sent), then encode on the query runtime and hand bytes to the HTTP body through a small channel.
//!
//! Two time limits, because they fail differently: no first batch by `first_row_timeout` is an
//! HTTP error before any byte of the result; a transfer still running at `transfer_limit` can
//! only be ended in-band, so the document closes with a trailing error (VOTable QUERY_STATUS=ERROR).
//! When the client disconnects, actix drops the body, the channel closes, and the task drops the
//! encoder and with it DataFusion's stream: the query is cancelled.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::execute_stream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::{Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::Instrument;

use super::planner::Planner;
use super::QueryEngine;
use tokio_util::sync::CancellationToken;

use crate::error::TapError;
use crate::output::{self, OutputError, ResultMeta};
use crate::params::QueryRequest;
use crate::upload::UploadTable;

/// The body of a successful query response.
pub type ResultBody = Pin<Box<dyn Stream<Item = Result<Bytes, OutputError>> + Send>>;

/// Limits of a synchronous query.
#[derive(Debug, Clone)]
pub struct SyncLimits {
    /// Compress the body with gzip (the client sent `Accept-Encoding: gzip`).
    pub gzip: bool,
    /// No first batch by then (from the start of the query): an HTTP error pointing to /async.
    pub first_row_timeout: Duration,
    /// The whole transfer (from the start of the query): past it the result is ended with a
    /// trailing error.
    pub transfer_limit: Duration,
    /// URL of the /async endpoint, named in both messages.
    pub async_url: String,
}

/// Chunks buffered between the encoder and the socket: enough to keep both busy, small enough that
/// a slow client throttles the query instead of filling memory.
const CHANNEL_CHUNKS: usize = 8;

/// How long past the transfer limit a client that reads nothing may keep the query task (and
/// its admission slot) waiting to hand it the trailing error; then the transfer is aborted.
const STALLED_CLIENT_GRACE: Duration = Duration::from_secs(30);

impl QueryEngine {
    /// Starts a synchronous query. Returns once the first batch (or the end of an empty result) is
    /// known; the body then streams the encoded document. Waits for a sync slot first
    /// ([`super::admission`]); the query task holds it until it ends.
    /// `uploads` are the request's `TAP_UPLOAD` tables, already read; they live as long as the
    /// query task.
    pub async fn run_sync(
        &self,
        request: QueryRequest,
        uploads: Vec<UploadTable>,
        limits: SyncLimits,
    ) -> Result<ResultBody, TapError> {
        let slot = self.admission.admit().await?;
        let (started_tx, started_rx) = oneshot::channel::<Result<(), TapError>>();
        let (chunk_tx, chunk_rx) = mpsc::channel::<Result<Bytes, OutputError>>(CHANNEL_CHUNKS);
        let planner = self.planner.with_uploads(uploads)?;
        let shutdown = self.shutdown.clone();
        let abandoned = Arc::new(AtomicBool::new(false));
        let abandoned_by_task = abandoned.clone();
        let span = tracing::Span::current();
        self.runtime().spawn(
            async move {
                // Released when this task ends, however it ends (or is dropped with the runtime).
                let _slot = slot;
                let abandoned = abandoned_by_task;
                let begun_at = Instant::now();
                let first_row_deadline = begun_at + limits.first_row_timeout;
                let transfer_deadline = begun_at + limits.transfer_limit;
                let timeout_error = || TapError::SyncTimeout {
                    secs: limits.first_row_timeout.as_secs(),
                    async_url: limits.async_url.clone(),
                };
                let transfer_error = TapError::SyncTransferLimit {
                    secs: limits.transfer_limit.as_secs(),
                    async_url: limits.async_url.clone(),
                };
                let mut started_tx = started_tx;
                let begun = tokio::select! {
                    r = tokio::time::timeout_at(first_row_deadline, start(&planner, &request)) => r,
                    // The HTTP handler is gone: nobody wants this result any more.
                    _ = started_tx.closed() => return,
                    _ = shutdown.cancelled() => {
                        let _ = started_tx.send(Err(TapError::ShuttingDown));
                        return;
                    }
                };
                let (stream, first) = match begun {
                    Err(_) => {
                        let _ = started_tx.send(Err(timeout_error()));
                        return;
                    }
                    Ok(Err(e)) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                    Ok(Ok(s)) => s,
                };
                if started_tx.send(Ok(())).is_err() {
                    return;
                }
                let schema = stream.schema();
                let stream = with_deadline(stream, first, transfer_deadline, transfer_error.to_string(), shutdown);
                let mut meta = ResultMeta::from_schema(&schema).with_query(&request.query);
                if let Some(runid) = &request.runid {
                    meta = meta.with_runid(runid);
                }
                let encoded = output::encode(request.format, meta, stream, Some(request.maxrec));
                let encoded: ResultBody = if limits.gzip {
                    Box::pin(output::encode_gzip(encoded))
                } else {
                    Box::pin(encoded)
                };
                let mut encoded = encoded;
                loop {
                    tokio::select! {
                        biased;
                        _ = chunk_tx.closed() => {
                            tracing::info!("client went away; query cancelled");
                            break;
                        }
                        item = encoded.next() => match item {
                            None => break,
                            Some(item) => {
                                let failed = item.is_err();
                                if let Err(e) = &item {
                                    tracing::warn!(error = %e, "query failed while streaming");
                                }
                                let sent = tokio::select! {
                                    r = chunk_tx.send(item) => r.is_ok(),
                                    _ = tokio::time::sleep_until(transfer_deadline + STALLED_CLIENT_GRACE) => {
                                        tracing::warn!("client read nothing past the transfer limit; transfer aborted");
                                        abandoned.store(true, Ordering::SeqCst);
                                        false
                                    }
                                };
                                if !sent || failed {
                                    break;
                                }
                            }
                        },
                    }
                }
                tracing::debug!("query finished");
            }
            .instrument(span),
        );
        match started_rx.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(TapError::Internal("the query task ended without an answer".into())),
        }
        // A task that gave up on a stalled client ends the body with an error, so the transfer is
        // aborted rather than looking complete.
        let body = futures::stream::unfold(Some(chunk_rx), move |rx| {
            let abandoned = abandoned.clone();
            async move {
                let mut rx = rx?;
                match rx.recv().await {
                    Some(item) => Some((item, Some(rx))),
                    None if abandoned.load(Ordering::SeqCst) => Some((
                        Err(OutputError::Io(std::io::Error::other("client stalled past the sync transfer limit"))),
                        None,
                    )),
                    None => None,
                }
            }
        });
        Ok(Box::pin(body))
    }
}

/// Plans the query with its MAXREC limit ([`Planner::prepare`], the plan EXPLAIN shows), starts
/// it and reads the first batch.
pub(super) async fn start(
    planner: &Planner,
    request: &QueryRequest,
) -> Result<(SendableRecordBatchStream, Option<RecordBatch>), TapError> {
    let prepared = planner.prepare(&request.query, request.maxrec).await?;
    let mut stream = execute_stream(prepared.physical, planner.task_ctx()?).map_err(|e| planner.error(&e))?;
    let first = match stream.next().await {
        None => None,
        Some(Ok(batch)) => Some(batch),
        Some(Err(e)) => return Err(planner.error(&e)),
    };
    Ok((stream, first))
}

/// Puts the peeked first batch back in front and ends the stream with an error once the transfer
/// deadline passes (checked first on every poll, so an input that always has a batch ready cannot
/// outrun it), so the writer closes the document with QUERY_STATUS=ERROR instead of the client
/// seeing a result that merely looks short.
fn with_deadline(
    stream: SendableRecordBatchStream,
    first: Option<RecordBatch>,
    deadline: Instant,
    message: String,
    shutdown: CancellationToken,
) -> SendableRecordBatchStream {
    let schema = stream.schema();
    let head = futures::stream::iter(first.map(Ok::<_, DataFusionError>));
    let rest = futures::stream::unfold(Some(stream), move |state| {
        let message = message.clone();
        let shutdown = shutdown.clone();
        async move {
            let mut s = state?;
            tokio::select! {
                biased;
                _ = tokio::time::sleep_until(deadline) => {
                    Some((Err(DataFusionError::Execution(message)), None))
                }
                // The writer closes the document with this as its QUERY_STATUS=ERROR.
                _ = shutdown.cancelled() => {
                    Some((Err(DataFusionError::Execution(TapError::ShuttingDown.to_string())), None))
                }
                item = s.next() => item.map(|i| (i, Some(s))),
            }
        }
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, head.chain(rest)))
}
