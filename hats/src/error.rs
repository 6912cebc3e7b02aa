//! The one error type of the `hats` crate.

use std::path::PathBuf;

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::parquet::errors::ParquetError;

/// Everything that can go wrong reading, writing or ingesting a HATS catalog.
#[derive(Debug, thiserror::Error)]
pub enum HatsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A catalog file exists but its content is not what the HATS layout says.
    #[error("{path}: {message}")]
    Layout {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An input row or file for ingest is malformed (the message names file, line and column).
    #[error("{0}")]
    Input(#[from] crate::ingest::input::InputError),
    /// A problem with ingest options or input schema, not tied to one row.
    #[error("{0}")]
    Ingest(String),
    /// Arrow failed (schema mismatch, cast).
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
    /// Parquet encoding or decoding failed.
    #[error("parquet: {0}")]
    Parquet(#[from] ParquetError),
    /// DataFusion failed while planning or scanning.
    #[error("datafusion: {0}")]
    DataFusion(#[from] DataFusionError),
}

impl HatsError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HatsError::Io { path: path.into(), source }
    }

    /// A layout error for `path`.
    pub fn layout(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        HatsError::Layout { path: path.into(), message: message.into() }
    }
}

/// Shorthand result type.
pub type Result<T, E = HatsError> = std::result::Result<T, E>;
