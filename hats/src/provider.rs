//! `HatsTable`: a DataFusion `TableProvider` over a HATS catalog.
//!
//! Spatial pruning happens at two levels, both from a [`RangeSet`] of `_healpix_29` ranges (see
//! [`crate::pruning`]: typed range filters from the ADQL rewrite, or predicates written on the
//! index column). Files: the ranges are intersected with each partition's pixel range, and
//! partitions that cannot hold a match are never opened. Row groups: the ranges are compared
//! with each row group's index bounds from `_metadata` ([`crate::row_groups`]) and become a
//! Parquet access plan that skips the row groups outside them (our files are sorted by
//! `_healpix_29`, so row groups are compact sky patches).
//!
//! Typed range filters are reported `Exact`: they are supersets that the rewrite always pairs
//! with the exact geometric test, so pruning is all they need to do and DataFusion does not
//! evaluate them per row. Every other filter is `Inexact`: it also goes to `ParquetSource` as a
//! statistics predicate, and DataFusion evaluates it above the scan. What the pruning did is
//! recorded as metrics on the scan (shown by `EXPLAIN ANALYZE`), per query. Files are read
//! through DataFusion's object store, so the same plan runs against object storage.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::{DFSchema, Result as DFResult, ScalarValue, Statistics};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetAccessPlan;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::metrics::MetricBuilder;
use datafusion::arrow::compute::SortOptions;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::ExecutionPlan;

use crate::catalog::HatsCatalog;
use crate::healpix::RangeSet;
use healpix::SkyPartition;
use crate::pruning::{is_range_filter, ranges_from_filters};

/// Names of the pruning metrics a HATS scan reports (on its `DataSourceExec`).
pub mod metric {
    /// Files in the catalog.
    pub const FILES_TOTAL: &str = "hats_files_total";
    /// Files the scan reads after HEALPix pruning.
    pub const FILES_SELECTED: &str = "hats_files_selected";
    /// Row groups of the selected files skipped because their index bounds miss the ranges.
    pub const ROW_GROUPS_PRUNED: &str = "hats_row_groups_pruned";
    /// Number of `_healpix_29` ranges the scan was restricted to (0 when unrestricted).
    pub const HEALPIX_RANGES: &str = "hats_healpix_ranges";
}

/// A HATS catalog as a DataFusion table.
#[derive(Debug)]
pub struct HatsTable {
    catalog: Arc<HatsCatalog>,
}

/// The files a scan reads and what pruning them took away.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanSelection {
    /// Files to read, each with its access plan when some of its row groups are skipped.
    pub files: Vec<SelectedFile>,
    /// Row groups skipped inside the selected partitions (whole files included).
    pub row_groups_pruned: usize,
}

/// One file of a [`ScanSelection`].
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedFile {
    /// Absolute path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Per row group: read it or not (`None`: read all).
    pub read_row_groups: Option<Vec<bool>>,
    /// The `_healpix_29` values its partition can hold (`start..end`).
    pub index_range: std::ops::Range<u64>,
}

impl HatsTable {
    /// Wraps an opened catalog.
    pub fn new(catalog: Arc<HatsCatalog>) -> Self {
        HatsTable { catalog }
    }

    /// The catalog behind the table.
    pub fn catalog(&self) -> &Arc<HatsCatalog> {
        &self.catalog
    }

    /// The files (and row groups) a scan with `filters` must read.
    pub fn select(&self, filters: &[Expr]) -> ScanSelection {
        let ranges = ranges_from_filters(filters, self.catalog.index_column());
        self.select_ranges(&ranges)
    }

    /// The files (and row groups) holding rows whose index is in `ranges`.
    pub fn select_ranges(&self, ranges: &RangeSet) -> ScanSelection {
        let mut out = ScanSelection::default();
        let whole_sky = ranges.is_all();
        for p in self.catalog.partitions.iter().filter(|p| ranges.overlaps(&p.pixel.range29())) {
            for (f, size) in &p.files {
                let bounds = if whole_sky { None } else { self.catalog.row_groups().bounds(f) };
                let read: Option<Vec<bool>> = bounds.map(|b| {
                    b.iter().map(|rg| rg.is_none_or(|(lo, hi)| ranges.overlaps_closed(lo, hi))).collect()
                });
                let skipped = read.as_ref().map_or(0, |r| r.iter().filter(|x| !**x).count());
                out.row_groups_pruned += skipped;
                match read {
                    Some(r) if r.iter().all(|x| !*x) => continue,
                    Some(r) if r.iter().all(|x| *x) => out.files.push(SelectedFile::whole(f, *size, p.pixel.range29())),
                    r => out.files.push(SelectedFile {
                        path: f.to_string_lossy().into_owned(),
                        size: *size,
                        read_row_groups: r,
                        index_range: p.pixel.range29(),
                    }),
                }
            }
        }
        out
    }
}

impl HatsTable {
    /// `_healpix_29 ASC` (the index column, at `position` in the schema) when the catalog's
    /// files are sorted by it ([`HatsCatalog::sorted_by_index`]), for the planner: a sort or
    /// merge on the index then needs no sort of its own.
    fn index_ordering(&self, position: usize) -> Option<LexOrdering> {
        if !self.catalog.sorted_by_index() {
            return None;
        }
        let column = Arc::new(Column::new(self.catalog.index_column(), position));
        // ASC NULLS LAST, as SQL's ORDER BY _healpix_29 asks (the column has no nulls, but the
        // planner matches orderings by their options too).
        let options = SortOptions { descending: false, nulls_first: false };
        LexOrdering::new([PhysicalSortExpr::new(column, options)])
    }
}

impl SelectedFile {
    fn whole(path: &std::path::Path, size: u64, index_range: std::ops::Range<u64>) -> Self {
        SelectedFile { path: path.to_string_lossy().into_owned(), size, read_row_groups: None, index_range }
    }

    /// The file for DataFusion. It carries its partition as a [`SkyPartition`] (for the
    /// crossmatch, which pairs partitions of two catalogues) and, with `facts.index` (the
    /// table's schema and the index column's position), its partition's index bounds as
    /// statistics: DataFusion keeps a declared ordering over a group of several files only
    /// when their statistics show the files follow each other.
    fn partitioned_file(self, facts: &FileFacts) -> PartitionedFile {
        // Object-store paths are relative to the filesystem root of `file:///`.
        let mut pf = PartitionedFile::new(self.path.trim_start_matches('/').to_string(), self.size);
        if let Some((order, npix)) = healpix::pixel_of_range29(&self.index_range) {
            let (ra_column, dec_column) = (facts.ra.to_string(), facts.dec.to_string());
            pf = pf.with_extension(SkyPartition { order, npix, ra_column, dec_column });
        }
        if let Some((schema, column)) = facts.index {
            let mut stats = Statistics::new_unknown(schema);
            let bound = |v: u64| Precision::Inexact(ScalarValue::Int64(Some(i64::try_from(v).unwrap_or(i64::MAX))));
            stats.column_statistics[column].min_value = bound(self.index_range.start);
            stats.column_statistics[column].max_value = bound(self.index_range.end.saturating_sub(1));
            pf = pf.with_statistics(Arc::new(stats));
        }
        match self.read_row_groups {
            Some(read) => {
                let mut plan = ParquetAccessPlan::new_all(read.len());
                for (i, r) in read.iter().enumerate() {
                    if !r {
                        plan.skip(i);
                    }
                }
                pf.with_extension(plan)
            }
            None => pf,
        }
    }
}

/// What a scan attaches to each file it plans (see [`SelectedFile::partitioned_file`]).
struct FileFacts<'a> {
    /// The table's schema and its index column's position, when files carry index bounds.
    index: Option<(&'a SchemaRef, usize)>,
    /// The position columns the partitions were computed from.
    ra: &'a str,
    dec: &'a str,
}

/// Splits files into at most `n` groups of similar total size, keeping sky order inside groups.
fn group_files(files: Vec<SelectedFile>, n: usize, facts: &FileFacts) -> Vec<FileGroup> {
    let n = n.max(1).min(files.len().max(1));
    let total: u64 = files.iter().map(|f| f.size).sum();
    let target = total.div_ceil(n as u64).max(1);
    let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new()];
    let mut acc = 0u64;
    for f in files {
        if acc >= target && groups.len() < n {
            groups.push(Vec::new());
            acc = 0;
        }
        acc += f.size;
        if let Some(g) = groups.last_mut() {
            g.push(f.partitioned_file(facts));
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
        let index = self.catalog.index_column();
        Ok(filters
            .iter()
            .map(|f| {
                if is_range_filter(f, index) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let schema = self.catalog.schema();
        let index = self.catalog.index_column();
        let ranges = ranges_from_filters(filters, index);
        let selection = self.select_ranges(&ranges);
        let files_total = self.catalog.file_count();
        tracing::debug!(target: "hats::scan", files = selection.files.len(), total = files_total, ranges = %ranges, "planned HATS scan");
        if selection.files.is_empty() {
            let projected = match projection {
                Some(p) => Arc::new(schema.project(p)?),
                None => schema,
            };
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        let mut source = ParquetSource::new(Arc::clone(&schema));
        // The typed range filters are applied by the selection above; the others also prune
        // row groups by their statistics.
        let statistics_filters = filters.iter().filter(|f| !is_range_filter(f, index)).cloned();
        if let Some(expr) = conjunction(statistics_filters) {
            let df_schema = DFSchema::try_from(Arc::clone(&schema))?;
            let predicate = state.create_physical_expr(expr, &df_schema)?;
            source = source.with_predicate(predicate);
        }
        record_pruning(&source, files_total, &selection, &ranges);
        // A range filter is declared Exact but only prunes: a limit pushed below the exact
        // geometric test could stop at rows that test rejects, so it is not applied here.
        let restricted = filters.iter().any(|f| is_range_filter(f, index));
        // Files are selected in partition order and grouped in contiguous runs, so each group
        // reads ascending `_healpix_29` when the catalog's files are sorted by it.
        let index_position = schema.index_of(index)?;
        let ordering = self.index_ordering(index_position);
        let facts = FileFacts {
            index: ordering.as_ref().map(|_| (&schema, index_position)),
            ra: self.catalog.ra_column(),
            dec: self.catalog.dec_column(),
        };
        let groups = group_files(selection.files, state.config().target_partitions(), &facts);
        let mut config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
            .with_file_groups(groups)
            .with_projection_indices(projection.cloned())?
            .with_limit(if restricted { None } else { limit });
        if let Some(ordering) = ordering {
            config = config.with_output_ordering(vec![ordering]);
        }
        let config = config.build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// Registers this scan's pruning figures on the source's metrics set, so they belong to this
/// query's plan and `EXPLAIN ANALYZE` prints them beside DataFusion's own scan metrics.
fn record_pruning(source: &ParquetSource, files_total: usize, selection: &ScanSelection, ranges: &RangeSet) {
    let metrics = source.metrics();
    MetricBuilder::new(metrics).global_counter(metric::FILES_TOTAL).add(files_total);
    MetricBuilder::new(metrics).global_counter(metric::FILES_SELECTED).add(selection.files.len());
    MetricBuilder::new(metrics).global_counter(metric::ROW_GROUPS_PRUNED).add(selection.row_groups_pruned);
    let n_ranges = if ranges.is_all() { 0 } else { ranges.len() };
    MetricBuilder::new(metrics).global_counter(metric::HEALPIX_RANGES).add(n_ranges);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_balanced_and_complete() {
        let files: Vec<SelectedFile> =
            (0..10).map(|i| SelectedFile { path: format!("/d/f{i}.parquet"), size: 100, read_row_groups: None, index_range: 0..1 }).collect();
        let facts = FileFacts { index: None, ra: "ra", dec: "dec" };
        let g = group_files(files, 3, &facts);
        assert_eq!(g.len(), 3);
        assert_eq!(g.iter().map(|g| g.len()).sum::<usize>(), 10);
        let one = SelectedFile { path: "/a".into(), size: 5, read_row_groups: Some(vec![true, false]), index_range: healpix::pixel_range29(3, 7) };
        let g = group_files(vec![one], 8, &facts);
        assert_eq!(g.len(), 1);
        let plan = g[0].files()[0].extension::<ParquetAccessPlan>().expect("access plan attached");
        assert!(plan.should_scan(0) && !plan.should_scan(1));
        let sky = g[0].files()[0].extension::<SkyPartition>().expect("partition attached beside the access plan");
        assert_eq!((sky.order, sky.npix, sky.ra_column.as_str()), (3, 7, "ra"));
    }
}
