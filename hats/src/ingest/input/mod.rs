//! Input readers for ingest: CSV, ECSV (incl. the Gaia DR1–DR3 bulk `.csv.gz` files), Parquet and
//! VOTable, each streamed as Arrow record batches of bounded size with column metadata
//! (`unit`, `ucd`, `description`, `utype`, `xtype`) in the Arrow field metadata.
//!
//! The format is chosen by content first (gzip magic, `PAR1`, `# %ECSV`, `<`), then by file
//! extension: a Gaia `.csv.gz` is ECSV, and a CSV upload named `.xml` is still CSV.

mod column;
mod csv;
mod ecsv;
mod error;
mod parquet;
mod position;
mod rows;
mod source;
mod text_table;
mod votable;

use std::io::Read;
use std::path::Path;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

pub use error::{ColumnRef, InputError, Location};
pub use position::{PositionColumns, DEC_NAMES, RA_NAMES};

use source::{is_ecsv, is_parquet, is_xml, Source};

/// A stream of record batches read from one catalog file.
pub trait InputReader: Iterator<Item = Result<RecordBatch, InputError>> {
    /// The Arrow schema of every batch, field metadata included.
    fn schema(&self) -> SchemaRef;

    /// The right ascension / declination columns, if found (always, when
    /// [`InputOptions::require_position`] is set).
    fn position_columns(&self) -> Option<&PositionColumns>;
}

/// How to read input files.
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// Rows per batch (bounded memory: one batch of builders is alive at a time).
    pub batch_size: usize,
    /// Right ascension column; `None` detects one (see [`RA_NAMES`]).
    pub ra_column: Option<String>,
    /// Declination column; `None` detects one (see [`DEC_NAMES`]).
    pub dec_column: Option<String>,
    /// Fail when no ra/dec column is found (tables keyed by `source_id` only can turn this off).
    pub require_position: bool,
    /// CSV: rows sampled to infer column types.
    pub infer_rows: usize,
    /// CSV: field delimiter (default `,`, or tab for `.tsv`).
    pub delimiter: Option<u8>,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            batch_size: 65_536,
            ra_column: None,
            dec_column: None,
            require_position: true,
            infer_rows: 1_000,
            delimiter: None,
        }
    }
}

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma (or tab) separated values with a header line.
    Csv,
    /// Enhanced CSV (astropy APE 6) with a YAML header.
    Ecsv,
    /// Apache Parquet.
    Parquet,
    /// IVOA VOTable.
    VoTable,
}

fn format_from_extension(path: &Path) -> Option<InputFormat> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit('.').next()?;
    Some(match ext {
        "csv" | "tsv" | "txt" => InputFormat::Csv,
        "ecsv" => InputFormat::Ecsv,
        "parquet" | "pq" => InputFormat::Parquet,
        "vot" | "votable" | "xml" => InputFormat::VoTable,
        _ => return None,
    })
}

fn format_from_content(head: &[u8]) -> Option<InputFormat> {
    if is_parquet(head) {
        Some(InputFormat::Parquet)
    } else if is_ecsv(head) {
        Some(InputFormat::Ecsv)
    } else if is_xml(head) {
        Some(InputFormat::VoTable)
    } else {
        None
    }
}

/// Opens `path`, choosing the reader by content and extension.
pub fn open_input(
    path: &Path,
    opts: &InputOptions,
) -> Result<Box<dyn InputReader + Send>, InputError> {
    let source = Source::open(path)?;
    let format = format_from_content(&source.head)
        .or_else(|| format_from_extension(path))
        .unwrap_or(InputFormat::Csv);
    if format == InputFormat::Parquet {
        if source.compressed || !is_parquet(&source.head) {
            let reason = if source.compressed {
                "gzip-compressed Parquet is not read; decompress it first"
            } else {
                "file does not start with the Parquet magic PAR1"
            };
            return Err(InputError::Parquet {
                file: source.name.clone(),
                source: datafusion::parquet::errors::ParquetError::General(reason.into()),
            });
        }
        drop(source);
        return Ok(Box::new(parquet::open_parquet(path, opts)?));
    }
    open_source(source, format, opts)
}

/// Reads a text or XML stream (e.g. an upload body) in the given format; gzip is detected.
/// `name` is used in error messages. Parquet needs random access: use [`open_input`].
pub fn open_stream(
    name: &str,
    reader: impl Read + Send + 'static,
    format: Option<InputFormat>,
    opts: &InputOptions,
) -> Result<Box<dyn InputReader + Send>, InputError> {
    let source = Source::from_reader(name, reader)?;
    let format = format
        .or_else(|| format_from_content(&source.head))
        .or_else(|| format_from_extension(Path::new(name)))
        .unwrap_or(InputFormat::Csv);
    open_source(source, format, opts)
}

/// Reads a table held in memory (a TAP upload), choosing the reader by content alone: Parquet
/// (`PAR1`), ECSV, VOTable (first non-blank character `<`), and otherwise CSV with a header line.
/// Never by a name, which a client may choose freely: a CSV is never parsed as VOTable.
pub fn open_bytes(
    name: &str,
    data: bytes::Bytes,
    opts: &InputOptions,
) -> Result<Box<dyn InputReader + Send>, InputError> {
    if is_parquet(&data) {
        return Ok(Box::new(parquet::open_parquet_from(name.to_string(), data, opts)?));
    }
    let source = Source::from_reader(name, std::io::Cursor::new(data))?;
    let format = format_from_content(&source.head).unwrap_or(InputFormat::Csv);
    open_source(source, format, opts)
}

fn open_source(
    source: Source,
    format: InputFormat,
    opts: &InputOptions,
) -> Result<Box<dyn InputReader + Send>, InputError> {
    match format {
        InputFormat::Csv => Ok(Box::new(csv::open_csv(source, opts)?)),
        InputFormat::Ecsv => Ok(Box::new(ecsv::open_ecsv(source, opts)?)),
        InputFormat::VoTable => Ok(Box::new(votable::open_votable(source, opts)?)),
        InputFormat::Parquet => Err(InputError::Unsupported {
            location: Location::file(&source.name),
            reason: "Parquet from a stream (needs a seekable file)".into(),
        }),
    }
}
