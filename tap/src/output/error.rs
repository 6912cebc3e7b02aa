//! The one error type of the result writers.

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::parquet::errors::ParquetError;

/// Failure while choosing or producing a result document.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `RESPONSEFORMAT`/`FORMAT` named a format this service does not write.
    #[error("unsupported RESPONSEFORMAT '{value}'; accepted values: {accepted}")]
    UnknownFormat {
        /// The value as the client sent it.
        value: String,
        /// Comma-separated list of every accepted value.
        accepted: String,
    },
    /// The query failed after the first byte was sent, in a format that has no in-band way to
    /// say so (Parquet, CSV, TSV): the transfer is aborted so the client sees a failure.
    #[error("query failed while streaming results: {0}")]
    Query(#[from] DataFusionError),
    /// An Arrow kernel (cast, formatting) failed on a column.
    #[error("cannot encode column: {0}")]
    Arrow(#[from] ArrowError),
    /// The Parquet writer failed.
    #[error("parquet writer: {0}")]
    Parquet(#[from] ParquetError),
    /// Compression or buffer I/O failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
