//! Parquet input, streamed one row group slice at a time with the Arrow field metadata kept.
//!
//! Column metadata is taken from the embedded Arrow schema (`ARROW:schema`) and, when the file
//! is a VOParquet file (IVOA Note VOParquet 1.0: key `IVOA.VOTable-Parquet.content` holding a
//! data-less VOTable), from that VOTable's FIELDs for whatever the Arrow schema lacks.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::file::reader::ChunkReader;

use super::error::{ColumnRef, InputError, Location};
use super::position::{find_position, Candidate, PositionColumns};
use super::votable::header_fields_from_str;
use super::{InputOptions, InputReader};

const VOPARQUET_CONTENT: &str = "IVOA.VOTable-Parquet.content";

/// Streams record batches from a Parquet file.
pub(crate) struct ParquetInput {
    name: String,
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
    position: Option<PositionColumns>,
}

/// Opens a Parquet file.
pub(crate) fn open_parquet(path: &Path, opts: &InputOptions) -> Result<ParquetInput, InputError> {
    let name = path.display().to_string();
    let file = File::open(path)
        .map_err(|source| InputError::Io { location: Location::file(&name), source })?;
    open_parquet_from(name, file, opts)
}

/// Reads Parquet from anything with random access: a file, or an upload held in memory.
pub(crate) fn open_parquet_from<R: ChunkReader + 'static>(
    name: String,
    reader: R,
    opts: &InputOptions,
) -> Result<ParquetInput, InputError> {
    let parquet = |source| InputError::Parquet { file: name.clone(), source };
    let builder = ParquetRecordBatchReaderBuilder::try_new(reader).map_err(parquet)?;

    let votable_meta: HashMap<String, HashMap<String, String>> = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == VOPARQUET_CONTENT))
        .and_then(|k| k.value.as_deref())
        .and_then(|doc| header_fields_from_str(doc).ok())
        .map(|specs| specs.into_iter().map(|s| (s.name, s.metadata)).collect())
        .unwrap_or_default();

    let arrow_schema = builder.schema().clone();
    let fields: Vec<Field> = arrow_schema
        .fields()
        .iter()
        .map(|f| {
            let mut metadata = f.metadata().clone();
            if let Some(extra) = votable_meta.get(f.name()) {
                for (k, v) in extra {
                    metadata.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            f.as_ref().clone().with_metadata(metadata)
        })
        .collect();
    let schema = Arc::new(Schema::new_with_metadata(fields, arrow_schema.metadata().clone()));

    let candidates: Vec<Candidate<'_>> = schema
        .fields()
        .iter()
        .map(|f| Candidate { name: f.name(), ucd: f.metadata().get("ucd").map(String::as_str) })
        .collect();
    let position = find_position(
        &name,
        &candidates,
        opts.ra_column.as_deref(),
        opts.dec_column.as_deref(),
        opts.require_position,
    )?;
    if let Some(p) = &position {
        for index in [p.ra_index, p.dec_index] {
            let field = schema.field(index);
            if !is_numeric(field.data_type()) {
                return Err(InputError::PositionColumnType {
                    location: Location {
                        file: name.clone(),
                        line: None,
                        column: Some(ColumnRef { index: index + 1, name: Some(field.name().clone()) }),
                    },
                    found: field.data_type().to_string(),
                });
            }
        }
    }

    let reader = builder.with_batch_size(opts.batch_size.max(1)).build().map_err(parquet)?;
    Ok(ParquetInput { name, reader, schema, position })
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_integer() || dt.is_floating()
}

impl Iterator for ParquetInput {
    type Item = Result<RecordBatch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.reader.next()?;
        Some(
            batch
                .and_then(|b| RecordBatch::try_new(self.schema.clone(), b.columns().to_vec()))
                .map_err(|source| InputError::Arrow { file: self.name.clone(), source }),
        )
    }
}

impl InputReader for ParquetInput {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn position_columns(&self) -> Option<&PositionColumns> {
        self.position.as_ref()
    }
}
