//! Partition-aligned crossmatching of two HEALPix-partitioned catalogues, as LSDB does: instead
//! of holding the whole build input, the operator joins it a sky patch at a time. A unit is a
//! run of build partitions adjacent in NESTED order (up to a byte budget); its probe side is
//! every probe partition that overlaps the unit's margin (the cells within the radius of its
//! partitions, [`healpix::margin`]), so no pair across a partition border is lost, and each
//! pair is found exactly once: by the unit holding its build row. Memory is then bounded by a
//! unit, not by the table.
//!
//! It applies when both positions are plain columns of a HATS scan whose files carry the
//! [`SkyPartition`] they were partitioned by (so a row's position is inside its file's pixel),
//! the radius is a constant, and the join keeps no unmatched probe rows (a probe row may be read
//! by several units). Everything else keeps the whole-build-side plan.

use std::sync::Arc;

use datafusion::common::JoinType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result as DfResult;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::execution_plan::replace_children_if_necessary;
use datafusion::physical_plan::ExecutionPlan;
use healpix::{margin, RangeSet, SkyPartition};

use super::keys::{MatchKeys, Position, Radius};

/// When the rule aligns partitions instead of holding the build side whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignOptions {
    /// Align only when the build input's files add up to at least this many bytes (below it,
    /// holding the build side is cheaper than reading probe partitions more than once).
    pub above_bytes: u64,
    /// Build bytes (Parquet, on disk) a unit gathers before the next unit starts.
    pub unit_bytes: u64,
}

impl Default for AlignOptions {
    fn default() -> Self {
        // Parquet bytes grow several-fold once decoded: 256 MiB of build files is about a
        // gigabyte held; units of 32 MiB keep a unit's build side in the low hundreds of MB.
        AlignOptions { above_bytes: 256 << 20, unit_bytes: 32 << 20 }
    }
}

/// One sky patch: build files and the probe files its margin overlaps.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Build partitions of the patch.
    pub build: Vec<PartitionedFile>,
    /// Probe partitions within the radius of it.
    pub probe: Vec<PartitionedFile>,
}

/// The units of an aligned crossmatch, in sky order.
#[derive(Debug, Clone)]
pub struct Alignment {
    /// See [`Unit`].
    pub units: Vec<Unit>,
}

/// The files of a HATS scan, each with its partition.
pub(super) struct Partitions {
    pub(super) files: Vec<(PartitionedFile, SkyPartition)>,
}

impl Partitions {
    fn bytes(&self) -> u64 {
        self.files.iter().map(|(f, _)| f.object_meta.size).sum()
    }
}

/// The alignment of a crossmatch of `build` and `probe`, if it applies (module documentation).
pub fn align(
    build: &Arc<dyn ExecutionPlan>,
    probe: &Arc<dyn ExecutionPlan>,
    keys: &MatchKeys,
    join_type: JoinType,
    options: &AlignOptions,
) -> Option<Alignment> {
    let Radius::Constant(radius) = keys.radius else { return None };
    if !matches!(join_type, JoinType::Inner | JoinType::Left) || !radius.is_finite() || radius < 0.0 {
        return None;
    }
    let build_parts = partitions_of(build, &keys.build)?;
    let probe_parts = partitions_of(probe, &keys.probe)?;
    if build_parts.files.len() < 2 || build_parts.bytes() < options.above_bytes {
        return None;
    }
    let mut build_files = build_parts.files;
    build_files.sort_by_key(|(_, p)| p.range29().start);
    let mut units = Vec::new();
    let mut pending: Vec<(PartitionedFile, SkyPartition)> = Vec::new();
    let mut pending_bytes = 0u64;
    for file in build_files {
        pending_bytes += file.0.object_meta.size;
        pending.push(file);
        if pending_bytes >= options.unit_bytes {
            units.push(unit(std::mem::take(&mut pending), &probe_parts, radius));
            pending_bytes = 0;
        }
    }
    if !pending.is_empty() {
        units.push(unit(pending, &probe_parts, radius));
    }
    Some(Alignment { units })
}

/// A unit of `build` partitions: its probe files are those overlapping their margins.
fn unit(build: Vec<(PartitionedFile, SkyPartition)>, probe: &Partitions, radius: f64) -> Unit {
    let reach = build
        .iter()
        .map(|(_, p)| margin(p.order, p.npix, radius))
        .fold(RangeSet::empty(), |acc, m| acc.union(&m));
    let probe = probe
        .files
        .iter()
        .filter(|(_, p)| reach.overlaps(&p.range29()))
        .map(|(f, _)| f.clone())
        .collect();
    Unit { build: build.into_iter().map(|(f, _)| f).collect(), probe }
}

/// The partitioned files under `plan` when `position` is its scan's partitioning columns.
pub(super) fn partitions_of(plan: &Arc<dyn ExecutionPlan>, position: &Position) -> Option<Partitions> {
    let (lon_scan, lon) = trace(plan, column_index(&position.lon)?)?;
    let (lat_scan, lat) = trace(plan, column_index(&position.lat)?)?;
    if !Arc::ptr_eq(&lon_scan, &lat_scan) {
        return None;
    }
    let config = file_scan(&lon_scan)?;
    let mut files = Vec::new();
    for f in config.file_groups.iter().flat_map(|g| g.files()) {
        let p = f.extension::<SkyPartition>()?;
        if p.ra_column != lon || p.dec_column != lat {
            return None;
        }
        files.push((f.clone(), p.clone()));
    }
    Some(Partitions { files })
}

fn column_index(e: &Arc<dyn PhysicalExpr>) -> Option<usize> {
    e.downcast_ref::<Column>().map(Column::index)
}

fn file_scan(plan: &Arc<dyn ExecutionPlan>) -> Option<&FileScanConfig> {
    plan.downcast_ref::<DataSourceExec>()?.data_source().downcast_ref::<FileScanConfig>()
}

/// Nodes that pass their input's rows and columns through unchanged (or only drop rows, or
/// only change how rows are spread over partitions).
fn passes_columns(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<CoalescePartitionsExec>().is_some()
        || plan.downcast_ref::<RepartitionExec>().is_some()
        || plan.downcast_ref::<CooperativeExec>().is_some()
}

/// The scan (and the column's name there) that output column `index` of `plan` is an
/// unmodified copy of, through projections, filters and repartitioning only.
fn trace(plan: &Arc<dyn ExecutionPlan>, index: usize) -> Option<(Arc<dyn ExecutionPlan>, String)> {
    if file_scan(plan).is_some() {
        let schema = plan.schema();
        return Some((Arc::clone(plan), schema.fields().get(index)?.name().clone()));
    }
    let [child] = plan.children()[..] else { return None };
    if let Some(p) = plan.downcast_ref::<ProjectionExec>() {
        return trace(child, column_index(&p.expr().get(index)?.expr)?);
    }
    if let Some(f) = plan.downcast_ref::<FilterExec>() {
        let index = match f.projection() {
            Some(p) => *p.get(index)?,
            None => index,
        };
        return trace(child, index);
    }
    if passes_columns(plan) {
        return trace(child, index);
    }
    None
}

/// `plan` reading only `files` (its scan's files replaced), as one partition. Nodes that only
/// spread rows over partitions are left out; projections and filters are kept.
pub fn restrict(plan: &Arc<dyn ExecutionPlan>, files: &[PartitionedFile]) -> DfResult<Arc<dyn ExecutionPlan>> {
    if let Some(config) = file_scan(plan) {
        let config = FileScanConfigBuilder::from(config.clone())
            .with_file_groups(vec![FileGroup::new(files.to_vec())])
            .build();
        return Ok(DataSourceExec::from_data_source(config));
    }
    let children = plan.children();
    let [child] = children[..] else {
        return datafusion::common::internal_err!("crossmatch: an aligned input is not a chain");
    };
    if plan.downcast_ref::<CoalescePartitionsExec>().is_some() || plan.downcast_ref::<RepartitionExec>().is_some() {
        return restrict(child, files);
    }
    replace_children_if_necessary(Arc::clone(plan), vec![restrict(child, files)?])
}
