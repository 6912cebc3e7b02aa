//! Streaming result writers: VOTable 1.4 TABLEDATA and BINARY2, Parquet with VOParquet 1.0
//! metadata, CSV and TSV, plus gzip and the DALI error document.
//!
//! [`encode`] turns a DataFusion record-batch stream into a stream of byte chunks in constant
//! memory: batches are encoded slice by slice and chunks (about 256 KiB) are yielded as soon as
//! they fill, so the first bytes leave before the query finishes and nothing is ever collected.
//! The document header is produced on the first poll of the returned stream.

mod binary2;
mod columns;
mod delimited;
mod driver;
mod error;
mod format;
mod gzip;
mod meta;
mod parquet;
mod tabledata;
mod text;
mod votable_doc;

use bytes::Bytes;
use datafusion::execution::SendableRecordBatchStream;
use futures::Stream;

pub use error::OutputError;
pub use format::{all_formats, FormatDescription, OutputFormat};
pub use gzip::encode_gzip;
pub use meta::{votable_field, vo_type, InfoItem, ResultMeta, VoDatatype, VoField, DATATYPE_KEY};
pub use votable_doc::error_document;
pub use astrotap_xml::escape_text as xml_escape;

use driver::BodyEncoder;

/// Encodes `stream` as `format`. `meta` supplies column descriptions (usually
/// [`ResultMeta::from_schema`] plus TAP_SCHEMA metadata) and INFO items; declared datatypes and
/// arraysizes are always re-derived from the Arrow schema so they match the bytes.
/// `maxrec`: at most this many rows; truncation is reported as `QUERY_STATUS=OVERFLOW` (VOTable,
/// and inside the VOParquet metadata), `Some(0)` writes metadata only without running the query.
///
/// Errors from `stream` after output began end a VOTable validly with `QUERY_STATUS=ERROR`;
/// for Parquet/CSV/TSV the returned stream yields `Err` and ends (abort the transfer).
pub fn encode(
    format: OutputFormat,
    meta: ResultMeta,
    stream: SendableRecordBatchStream,
    maxrec: Option<u64>,
) -> impl Stream<Item = Result<Bytes, OutputError>> + Send + 'static {
    let schema = stream.schema();
    let (plans, fields) = columns::plan_columns(&schema, &meta.fields);
    let meta = ResultMeta { fields, ..meta };
    let encoder: Box<dyn BodyEncoder> = match format {
        OutputFormat::VoTableTableData => Box::new(tabledata::TableDataEncoder::new(meta, plans)),
        OutputFormat::VoTableBinary2 => Box::new(binary2::Binary2Encoder::new(meta, plans)),
        OutputFormat::Parquet => Box::new(parquet::ParquetEncoder::new(meta, schema)),
        OutputFormat::Csv => Box::new(delimited::DelimitedEncoder::csv(&meta, plans)),
        OutputFormat::Tsv => Box::new(delimited::DelimitedEncoder::tsv(&meta, plans)),
    };
    driver::drive(encoder, stream, maxrec)
}
