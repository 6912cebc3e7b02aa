//! The one error type of the input readers.
//!
//! Every variant that concerns a place in a file carries a [`Location`], rendered as
//! `file:line: column N 'name'`, so a curator can open the file at the failing row: lines are
//! 1-based physical lines of the (decompressed) text, columns are 1-based field positions.

use std::fmt;

use datafusion::arrow::error::ArrowError;
use datafusion::parquet::errors::ParquetError;

/// A 1-based field position and, when known, the column's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// 1-based position of the field in the row.
    pub index: usize,
    /// Column name from the header, if the position is within the header.
    pub name: Option<String>,
}

/// Where in an input file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (or stream) name as given to the reader.
    pub file: String,
    /// 1-based line number in the (decompressed) text, when the format has lines.
    pub line: Option<u64>,
    /// The column concerned, when a single one is.
    pub column: Option<ColumnRef>,
}

impl Location {
    /// A location naming only the file.
    pub fn file(file: &str) -> Self {
        Location { file: file.to_string(), line: None, column: None }
    }

    /// A location naming a file and line.
    pub fn line(file: &str, line: u64) -> Self {
        Location { file: file.to_string(), line: Some(line), column: None }
    }

    /// A location naming a file, line and column.
    pub fn cell(file: &str, line: u64, index: usize, name: Option<&str>) -> Self {
        Location {
            file: file.to_string(),
            line: Some(line),
            column: Some(ColumnRef { index, name: name.map(str::to_string) }),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ": column {}", col.index)?;
            if let Some(name) = &col.name {
                write!(f, " '{name}'")?;
            }
        }
        Ok(())
    }
}

/// Errors raised while opening or reading a catalog input file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{location}: I/O error: {source}")]
    Io {
        /// Where reading failed.
        location: Location,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file starts like gzip but its compressed stream cannot be decoded.
    #[error("{location}: unreadable gzip stream: {source}")]
    Gzip {
        /// The last line decoded successfully plus one, if any.
        location: Location,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A row that cannot be split into the header's fields.
    #[error("{location}: malformed row: {reason}")]
    MalformedRow {
        /// The row's first line and the offending field.
        location: Location,
        /// What is wrong (field count, unbalanced quote, ...).
        reason: String,
    },
    /// A value that does not parse as its column's type.
    #[error("{location}: cannot read {value:?} as {expected}")]
    BadValue {
        /// The cell.
        location: Location,
        /// The text found.
        value: String,
        /// The column's type, e.g. `float64`.
        expected: String,
    },
    /// No column could be identified as right ascension or declination.
    #[error(
        "{file}: no {axis} column: {how}; the file has columns [{available}]; \
         name it explicitly with the {axis} column option"
    )]
    MissingPositionColumn {
        /// The file.
        file: String,
        /// `ra` or `dec`.
        axis: &'static str,
        /// Which names (and UCDs) were tried.
        how: String,
        /// The column names present.
        available: String,
    },
    /// The position column exists but is not numeric.
    #[error("{location}: position column must be numeric (degrees), found {found}")]
    PositionColumnType {
        /// The column.
        location: Location,
        /// The declared or inferred type.
        found: String,
    },
    /// The ECSV YAML header is missing, not YAML, or inconsistent with the column-name line.
    #[error("{location}: bad ECSV header: {reason}")]
    EcsvHeader {
        /// The header line concerned (the whole header if unknown).
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// The VOTable document is not well-formed or not a table this reader understands.
    #[error("{location}: malformed VOTable: {reason}")]
    VoTable {
        /// The element concerned.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// The input uses a feature the readers do not implement.
    #[error("{location}: unsupported input: {reason}")]
    Unsupported {
        /// Where the feature was met.
        location: Location,
        /// Which feature.
        reason: String,
    },
    /// Reading a Parquet file failed.
    #[error("{file}: Parquet: {source}")]
    Parquet {
        /// The file.
        file: String,
        /// The Parquet error.
        #[source]
        source: ParquetError,
    },
    /// Assembling an Arrow batch failed (an internal inconsistency; reported, never panicked).
    #[error("{file}: Arrow: {source}")]
    Arrow {
        /// The file.
        file: String,
        /// The Arrow error.
        #[source]
        source: ArrowError,
    },
}

impl InputError {
    /// The location the error refers to, if it names one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            InputError::Io { location, .. }
            | InputError::Gzip { location, .. }
            | InputError::MalformedRow { location, .. }
            | InputError::BadValue { location, .. }
            | InputError::PositionColumnType { location, .. }
            | InputError::EcsvHeader { location, .. }
            | InputError::VoTable { location, .. }
            | InputError::Unsupported { location, .. } => Some(location),
            _ => None,
        }
    }
}
