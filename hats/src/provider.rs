//! `HatsTable`: a DataFusion `TableProvider` over a HATS catalogue.
//!
//! Spatial pruning happens at two levels. Files: the filters' `_healpix_29` ranges (see
//! [`crate::pruning`]) are intersected with each partition's pixel range, and partitions that
//! cannot hold a match are never opened. Row groups: the filters go to DataFusion's
//! `ParquetSource` as its predicate, which skips row groups by their min/max statistics (our
//! files are sorted by `_healpix_29`, so row groups are compact sky patches). Filters are
//! reported `Inexact`, so DataFusion still evaluates them exactly above the scan. Files are read
//! through DataFusion's object store, so the same plan runs against object storage.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, Result as DFResult};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;

use crate::catalog::HatsCatalog;
use crate::healpix::INDEX_COLUMN;
use crate::pruning::ranges_from_filters;

/// File counts of the most recent scan planned on a table (for benchmarks and tests; the same
/// numbers appear in `EXPLAIN` as the scan's file groups).
#[derive(Debug, Default)]
pub struct ScanCounters {
    /// Files in the catalogue.
    pub files_total: AtomicUsize,
    /// Files the last planned scan will read.
    pub files_selected: AtomicUsize,
}

/// A HATS catalogue as a DataFusion table.
#[derive(Debug)]
pub struct HatsTable {
    catalog: Arc<HatsCatalog>,
    counters: Arc<ScanCounters>,
}

impl HatsTable {
    /// Wraps an opened catalogue.
    pub fn new(catalog: Arc<HatsCatalog>) -> Self {
        HatsTable { catalog, counters: Arc::new(ScanCounters::default()) }
    }

    /// The catalogue behind the table.
    pub fn catalog(&self) -> &Arc<HatsCatalog> {
        &self.catalog
    }

    /// Counters of the last planned scan.
    pub fn counters(&self) -> Arc<ScanCounters> {
        Arc::clone(&self.counters)
    }

    fn index_column(&self) -> &str {
        self.catalog.properties.get("hats_col_healpix").unwrap_or(INDEX_COLUMN)
    }

    /// Files (absolute path, size) whose partitions may hold rows matching `filters`.
    pub fn select_files(&self, filters: &[Expr]) -> Vec<(String, u64)> {
        let ranges = ranges_from_filters(filters, self.index_column());
        self.catalog
            .partitions
            .iter()
            .filter(|p| ranges.overlaps(&p.pixel.range29()))
            .flat_map(|p| p.files.iter().map(|(f, n)| (f.to_string_lossy().into_owned(), *n)))
            .collect()
    }
}

/// Splits files into at most `n` groups of similar total size, keeping sky order inside groups.
fn group_files(files: Vec<(String, u64)>, n: usize) -> Vec<FileGroup> {
    let n = n.max(1).min(files.len().max(1));
    let total: u64 = files.iter().map(|(_, s)| *s).sum();
    let target = total.div_ceil(n as u64).max(1);
    let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new()];
    let mut acc = 0u64;
    for (path, size) in files {
        if acc >= target && groups.len() < n {
            groups.push(Vec::new());
            acc = 0;
        }
        acc += size;
        // Object-store paths are relative to the filesystem root of `file:///`.
        if let Some(g) = groups.last_mut() {
            g.push(PartitionedFile::new(path.trim_start_matches('/').to_string(), size));
        }
    }
    groups.into_iter().filter(|g| !g.is_empty()).map(FileGroup::new).collect()
}

#[async_trait]
impl TableProvider for HatsTable {
    fn schema(&self) -> SchemaRef {
        self.catalog.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DFResult<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let schema = self.catalog.schema();
        let files = self.select_files(filters);
        self.counters.files_total.store(self.catalog.file_count(), Ordering::Relaxed);
        self.counters.files_selected.store(files.len(), Ordering::Relaxed);
        tracing::debug!(target: "hats::scan", files = files.len(), total = self.catalog.file_count(), "planned HATS scan");
        if files.is_empty() {
            let projected = match projection {
                Some(p) => Arc::new(schema.project(p)?),
                None => schema,
            };
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        let mut source = ParquetSource::new(Arc::clone(&schema));
        if let Some(expr) = conjunction(filters.iter().cloned()) {
            let df_schema = DFSchema::try_from(Arc::clone(&schema))?;
            let predicate = state.create_physical_expr(expr, &df_schema)?;
            source = source.with_predicate(predicate);
        }
        let groups = group_files(files, state.config().target_partitions());
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
            .with_file_groups(groups)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_balanced_and_complete() {
        let files: Vec<(String, u64)> = (0..10).map(|i| (format!("/d/f{i}.parquet"), 100)).collect();
        let g = group_files(files, 3);
        assert_eq!(g.len(), 3);
        assert_eq!(g.iter().map(|g| g.len()).sum::<usize>(), 10);
        assert_eq!(group_files(vec![("/a".into(), 5)], 8).len(), 1);
    }
}
