//! Ingest: catalog files (CSV, ECSV, `.csv.gz`, Parquet, VOTable) into HATS.

pub mod input;

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use crate::error::Result;
use crate::source::BatchSource;
use crate::writer::{write_catalog, WriteOptions, WriteSummary};

/// One or more input files of the same schema, read as one re-playable source.
#[derive(Debug, Clone)]
pub struct FileInput {
    files: Vec<PathBuf>,
    options: input::InputOptions,
    schema: SchemaRef,
    position: Option<(String, String)>,
}

impl FileInput {
    /// Opens the first file to learn the schema; every file must share it.
    pub fn new(files: Vec<PathBuf>, options: input::InputOptions) -> Result<Self> {
        let first = files.first().ok_or_else(|| crate::HatsError::Ingest("no input files given".into()))?;
        let reader = input::open_input(first, &options)?;
        let position = reader.position_columns().map(|p| (p.ra.clone(), p.dec.clone()));
        Ok(FileInput { files, options, schema: reader.schema(), position })
    }

    /// The (ra, dec) column names found or given for the first file.
    pub fn position_columns(&self) -> Result<(String, String)> {
        self.position.clone().ok_or_else(|| {
            crate::HatsError::Ingest(format!("{}: no right ascension / declination columns found", self.describe()))
        })
    }
}

impl BatchSource for FileInput {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn open(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>> {
        let files = self.files.clone();
        let options = self.options.clone();
        let schema = self.schema.clone();
        let iter = files.into_iter().flat_map(move |path| -> Box<dyn Iterator<Item = Result<RecordBatch>> + Send> {
            match input::open_input(&path, &options) {
                Ok(reader) => {
                    if reader.schema().fields() != schema.fields() {
                        let msg = format!("{}: columns differ from the first input file", path.display());
                        return Box::new(std::iter::once(Err(crate::HatsError::Ingest(msg))));
                    }
                    Box::new(reader.map(|b| b.map_err(crate::HatsError::from)))
                }
                Err(e) => Box::new(std::iter::once(Err(e.into()))),
            }
        });
        Ok(Box::new(iter))
    }

    fn describe(&self) -> String {
        match self.files.as_slice() {
            [one] => one.display().to_string(),
            many => format!("{} input files", many.len()),
        }
    }
}

/// Ingests `files` into a HATS catalog at `out`; the ra/dec columns are the ones the input
/// reader was told or detected (`write`'s are overridden).
pub fn ingest_files(files: Vec<PathBuf>, out: &Path, input_opts: input::InputOptions, write: &WriteOptions) -> Result<WriteSummary> {
    let source = FileInput::new(files, input_opts)?;
    let (ra_column, dec_column) = source.position_columns()?;
    write_catalog(&source, out, &WriteOptions { ra_column, dec_column, ..write.clone() })
}
