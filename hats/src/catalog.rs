//! An opened HATS catalog: properties, partition list and Arrow schema.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{HatsError, Result};
use crate::healpix::{INDEX_COLUMN, INDEX_COLUMN_KEY};
use crate::layout::{pixel_files, read_partition_info, Pixel, DATASET_DIR};
use crate::properties::Properties;
use crate::row_groups::RowGroupIndex;

/// One partition with its Parquet files and their sizes.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The HEALPix pixel.
    pub pixel: Pixel,
    /// Absolute paths and byte sizes of its files.
    pub files: Vec<(PathBuf, u64)>,
}

/// A HATS catalog on disk, ready to be served.
#[derive(Debug, Clone)]
pub struct HatsCatalog {
    root: PathBuf,
    /// `hats.properties`.
    pub properties: Properties,
    /// Partitions sorted by (order, npix).
    pub partitions: Vec<Partition>,
    schema: SchemaRef,
    row_groups: RowGroupIndex,
}

impl HatsCatalog {
    /// Opens a catalog directory written by astrotap or by hats-import.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let root = std::fs::canonicalize(path.as_ref()).map_err(|e| HatsError::io(path.as_ref(), e))?;
        let properties = Properties::read_dir(&root)?;
        let pixels = read_partition_info(&root)?;
        let mut partitions = Vec::with_capacity(pixels.len());
        for pixel in pixels {
            let mut files = Vec::new();
            for f in pixel_files(&root, &pixel)? {
                let len = std::fs::metadata(&f).map_err(|e| HatsError::io(&f, e))?.len();
                files.push((f, len));
            }
            partitions.push(Partition { pixel, files });
        }
        // In `_healpix_29` order (partitions of a HATS catalog never overlap): a scan that reads
        // them in this order reads the rows in index order when each file is sorted.
        partitions.sort_by_key(|p| p.pixel.range29().start);
        let schema_file = [root.join(DATASET_DIR).join("_common_metadata"), root.join(DATASET_DIR).join("_metadata")]
            .into_iter()
            .find(|p| p.is_file())
            .or_else(|| partitions.first().and_then(|p| p.files.first()).map(|(f, _)| f.clone()))
            .ok_or_else(|| HatsError::layout(&root, "no _common_metadata, _metadata or partition file to read the schema from"))?;
        let file = std::fs::File::open(&schema_file).map_err(|e| HatsError::io(&schema_file, e))?;
        let schema = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| HatsError::layout(&schema_file, format!("cannot read Parquet schema: {e}")))?
            .schema()
            .clone();
        let index = properties.get(INDEX_COLUMN_KEY).unwrap_or(INDEX_COLUMN);
        if schema.column_with_name(index).is_none() {
            return Err(HatsError::layout(&schema_file, format!("schema lacks the spatial index column {index}")));
        }
        let row_groups = RowGroupIndex::read(&root, index);
        Ok(HatsCatalog { root, properties, partitions, schema: Arc::clone(&schema), row_groups })
    }

    /// The catalog directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Arrow schema of the rows, with column metadata (`unit`, `ucd`, `description`, ...).
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Name of the order-29 index column (`hats_col_healpix`, by default `_healpix_29`).
    pub fn index_column(&self) -> &str {
        self.properties.get(INDEX_COLUMN_KEY).unwrap_or(INDEX_COLUMN)
    }

    /// Index bounds of each row group of every file, from `_metadata` (empty if absent).
    pub fn row_groups(&self) -> &RowGroupIndex {
        &self.row_groups
    }

    /// Whether reading the partitions in order gives the rows in ascending index order: one
    /// file per partition, each declaring itself sorted by the index (what `astrotap ingest`
    /// writes). Catalogs that do not say so are never assumed sorted.
    pub fn sorted_by_index(&self) -> bool {
        self.row_groups.sorted_by_index() && self.partitions.iter().all(|p| p.files.len() == 1)
    }

    /// Right-ascension column name.
    pub fn ra_column(&self) -> &str {
        self.properties.ra_column().unwrap_or("ra")
    }

    /// Declination column name.
    pub fn dec_column(&self) -> &str {
        self.properties.dec_column().unwrap_or("dec")
    }

    /// Row count from the properties (`hats_nrows`).
    pub fn nrows(&self) -> Option<u64> {
        self.properties.nrows()
    }

    /// Number of Parquet files.
    pub fn file_count(&self) -> usize {
        self.partitions.iter().map(|p| p.files.len()).sum()
    }
}
