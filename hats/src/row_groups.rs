//! Per-row-group `_healpix_29` bounds of every data file, read once from the catalog's
//! `dataset/_metadata` (HATS keeps every row group of every file there, with `file_path`
//! relative to `dataset/`). With them the scan turns a range set straight into a Parquet access
//! plan (row groups to skip), without a pruning predicate to build, print and evaluate.
//!
//! A catalog without `_metadata`, or one whose `_metadata` lacks the index statistics, simply
//! has no bounds: files are still pruned by partition, row groups are read whole.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use datafusion::parquet::file::metadata::ParquetMetaDataReader;
use datafusion::parquet::file::statistics::Statistics;

use crate::layout::DATASET_DIR;

/// Closed `[min, max]` bounds of the index column in one row group; `None` when the row group
/// carries no usable statistics (it is then always read).
pub type RowGroupBounds = Option<(u64, u64)>;

/// Row-group bounds by absolute file path, in file order.
#[derive(Debug, Clone, Default)]
pub struct RowGroupIndex {
    files: HashMap<PathBuf, Vec<RowGroupBounds>>,
    /// Every row group declares (Parquet `sorting_columns`) that its rows ascend by the index.
    sorted_by_index: bool,
}

impl RowGroupIndex {
    /// Reads `root/dataset/_metadata` if present. Unreadable metadata is logged and ignored: it
    /// only ever enables pruning, never changes results.
    pub fn read(root: &Path, index_column: &str) -> RowGroupIndex {
        let path = root.join(DATASET_DIR).join("_metadata");
        if !path.is_file() {
            return RowGroupIndex::default();
        }
        match Self::try_read(&path, root, index_column) {
            Ok(index) => index,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable _metadata: row groups will not be pruned");
                RowGroupIndex::default()
            }
        }
    }

    fn try_read(path: &Path, root: &Path, index_column: &str) -> Result<RowGroupIndex, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let meta = ParquetMetaDataReader::new().parse_and_finish(&file).map_err(|e| e.to_string())?;
        let schema = meta.file_metadata().schema_descr();
        let Some(col) = (0..schema.num_columns()).find(|&i| schema.column(i).name() == index_column) else {
            return Ok(RowGroupIndex::default());
        };
        let dataset = root.join(DATASET_DIR);
        let mut files: HashMap<PathBuf, Vec<RowGroupBounds>> = HashMap::new();
        let ascending = |rg: &datafusion::parquet::file::metadata::RowGroupMetaData| {
            rg.sorting_columns()
                .and_then(|s| s.first())
                .is_some_and(|s| s.column_idx as usize == col && !s.descending)
        };
        let sorted_by_index = !meta.row_groups().is_empty() && meta.row_groups().iter().all(ascending);
        for rg in meta.row_groups() {
            let chunk = rg.column(col);
            let Some(rel) = chunk.file_path() else {
                return Err("a row group has no file_path".into());
            };
            let bounds = match chunk.statistics() {
                Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(&lo), Some(&hi)) if lo >= 0 && lo <= hi => Some((lo as u64, hi as u64)),
                    _ => None,
                },
                _ => None,
            };
            files.entry(dataset.join(rel)).or_default().push(bounds);
        }
        Ok(RowGroupIndex { files, sorted_by_index })
    }

    /// Whether every row group of the catalog says its rows ascend by the index column (as
    /// `astrotap ingest` writes them; files that do not say so are not assumed sorted).
    pub fn sorted_by_index(&self) -> bool {
        self.sorted_by_index
    }

    /// The bounds of each row group of `file` (absolute path), if known.
    pub fn bounds(&self, file: &Path) -> Option<&[RowGroupBounds]> {
        self.files.get(file).map(Vec::as_slice)
    }
}
