//! The one streaming loop behind every format: pulls batches, applies MAXREC, hands rows to a
//! format's [`BodyEncoder`] in slices and yields the output in bounded chunks.

use bytes::Bytes;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::{Stream, StreamExt};

use super::votable_doc::Ending;
use super::OutputError;

/// Rows handed to an encoder at a time, so output can be yielded within a large batch.
const SLICE_ROWS: usize = 1024;
/// Output is yielded once this many bytes are buffered.
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

/// A document format, written as head, rows, end.
pub(crate) trait BodyEncoder: Send {
    fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), OutputError>;
    fn rows(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), OutputError>;
    fn end(&mut self, ending: &Ending, out: &mut Vec<u8>) -> Result<(), OutputError>;
    /// VOTable can end validly with an ERROR status; other formats abort the transfer.
    fn reports_errors_in_band(&self) -> bool;
}

fn take_chunk(out: &mut Vec<u8>) -> Bytes {
    Bytes::from(std::mem::replace(out, Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4)))
}

/// Drives `encoder` over `input`. MAXREC: rows beyond `maxrec` are not written; the input is
/// read until one row past the limit is seen (TAP 1.1 §2.7.4: overflow only when rows were
/// really dropped), then dropped, which cancels the query. `maxrec == Some(0)` writes the
/// metadata without polling the input at all, so the query is never executed, and reports
/// OVERFLOW since any row would exceed the limit.
pub(crate) fn drive(
    mut encoder: Box<dyn BodyEncoder>,
    mut input: SendableRecordBatchStream,
    maxrec: Option<u64>,
) -> impl Stream<Item = Result<Bytes, OutputError>> + Send + 'static {
    async_stream::try_stream! {
        let mut out: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4);
        encoder.begin(&mut out)?;
        let mut written: u64 = 0;
        let mut ending = Ending::Complete;
        if maxrec == Some(0) {
            ending = Ending::Overflow;
        } else {
            while let Some(item) = input.next().await {
                let batch = match item {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!(error = %e, rows = written, "query failed while streaming results");
                        let message = e.to_string();
                        if !encoder.reports_errors_in_band() {
                            Err(OutputError::Query(e))?;
                        }
                        ending = Ending::Error(message);
                        break;
                    }
                };
                let mut n = batch.num_rows();
                if let Some(limit) = maxrec {
                    let room = limit.saturating_sub(written);
                    if n as u64 > room {
                        n = room as usize;
                        ending = Ending::Overflow;
                    }
                }
                let mut offset = 0;
                while offset < n {
                    let len = SLICE_ROWS.min(n - offset);
                    encoder.rows(&batch.slice(offset, len), &mut out)?;
                    offset += len;
                    if out.len() >= CHUNK_BYTES {
                        yield take_chunk(&mut out);
                    }
                }
                written += n as u64;
                if ending == Ending::Overflow {
                    break;
                }
            }
        }
        drop(input);
        encoder.end(&ending, &mut out)?;
        if !out.is_empty() {
            yield Bytes::from(out);
        }
    }
}
