//! The input side of the partitioning writer: a source of record batches that can be read more
//! than once (the writer makes one pass to count rows per HEALPix pixel and a second to place
//! them, as hats-import's "mapping" and "splitting" stages do), so memory stays bounded.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use crate::error::Result;

/// A re-playable stream of batches with a fixed schema.
pub trait BatchSource: Send + Sync {
    /// The schema of every batch (field metadata: `unit`, `ucd`, `description`, `utype`).
    fn schema(&self) -> SchemaRef;
    /// Starts a new pass over the data from the beginning.
    fn open(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>>;
    /// A human-readable name for progress and error messages.
    fn describe(&self) -> String;
    /// Total rows, when known up front (the size of the first pass, for progress reporting).
    fn total_rows_hint(&self) -> Option<u64> {
        None
    }
}
