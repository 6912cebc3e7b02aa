//! The build side of one crossmatch execution: its rows in one batch, bucketed by HEALPix cell,
//! held under the query's memory pool, and shared by every probe partition. It also keeps what
//! a LEFT join needs at the end: which build rows found a pair, and how many probe partitions
//! are still running (the last one out emits the unmatched rows).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, Float64Array, UInt32Array};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;

use super::index::CellIndex;
use super::keys::{MatchKeys, Radius};

/// Bucketing order when the radius is a probe-side column, unknown until the rows arrive: cells
/// of about 2 arcmin, so a few-arcsec radius sees few neighbours and larger ones use coverages.
pub const PROBE_RADIUS_ORDER: u8 = 11;

/// Index bytes per build row (cell run, row number, unit vector, limit), for the memory pool.
const INDEX_BYTES_PER_ROW: usize = 4 + 24 + 8 + 16;

/// See the module documentation.
#[derive(Debug)]
pub struct BuildSide {
    /// Every build row.
    pub batch: RecordBatch,
    /// The rows with a position, by cell.
    pub index: CellIndex,
    /// The radius (degrees) cones are looked up with when the radius is a build column: the
    /// largest one.
    pub largest_radius: f64,
    visited: Option<Mutex<Vec<bool>>>,
    running_probes: AtomicUsize,
    _reservation: MemoryReservation,
}

/// `e` over `batch` as Float64 values.
pub fn f64_values(e: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> DfResult<Float64Array> {
    let values = e.evaluate(batch)?.into_array(batch.num_rows())?;
    let values = datafusion::arrow::compute::cast(&values, &DataType::Float64)?;
    match values.as_any().downcast_ref::<Float64Array>() {
        Some(v) => Ok(v.clone()),
        None => internal_err!("crossmatch: a position did not cast to Float64"),
    }
}

impl BuildSide {
    /// Runs the build input to completion and buckets it. `probe_partitions` is how many probe
    /// streams will report in; `track_matches` for a LEFT join.
    pub async fn collect(
        plan: &Arc<dyn ExecutionPlan>,
        keys: &MatchKeys,
        context: &Arc<TaskContext>,
        probe_partitions: usize,
        track_matches: bool,
    ) -> DfResult<BuildSide> {
        let reservation = MemoryConsumer::new("CrossmatchExec[build]").register(context.memory_pool());
        let mut batches = Vec::new();
        for partition in 0..plan.properties().partitioning.partition_count() {
            let mut stream = plan.execute(partition, Arc::clone(context))?;
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                reservation.try_grow(batch.get_array_memory_size())?;
                batches.push(batch);
            }
        }
        let batch = concat_batches(&plan.schema(), &batches)?;
        drop(batches);
        let lon = f64_values(&keys.build.lon, &batch)?;
        let lat = f64_values(&keys.build.lat, &batch)?;
        let radii = match &keys.radius {
            Radius::Build(e) => Some(f64_values(e, &batch)?),
            _ => None,
        };
        let largest_radius = radii
            .as_ref()
            .map(|r| r.iter().flatten().filter(|x| x.is_finite()).fold(0.0f64, f64::max))
            .unwrap_or(0.0);
        let order = match &keys.radius {
            Radius::Constant(r) => healpix::order_for_radius(*r),
            Radius::Build(_) => healpix::order_for_radius(largest_radius),
            Radius::Probe(_) => PROBE_RADIUS_ORDER,
        };
        reservation.try_grow(batch.num_rows() * INDEX_BYTES_PER_ROW)?;
        let index = CellIndex::new(order, &lon, &lat, radii.as_ref());
        let visited = track_matches.then(|| Mutex::new(vec![false; batch.num_rows()]));
        Ok(BuildSide {
            batch,
            index,
            largest_radius,
            visited,
            running_probes: AtomicUsize::new(probe_partitions),
            _reservation: reservation,
        })
    }

    /// Records that these build rows found a pair (LEFT join).
    pub fn mark(&self, rows: &UInt32Array) {
        let Some(visited) = &self.visited else { return };
        let mut v = visited.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for r in rows.values() {
            if let Some(slot) = v.get_mut(*r as usize) {
                *slot = true;
            }
        }
    }

    /// Called once by each probe partition when it ends; the last one gets the build rows that
    /// never found a pair (LEFT join), the others `None`.
    pub fn probe_finished(&self) -> Option<UInt32Array> {
        let visited = self.visited.as_ref()?;
        if self.running_probes.fetch_sub(1, Ordering::AcqRel) != 1 {
            return None;
        }
        let v = visited.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Some(v.iter().enumerate().filter(|(_, seen)| !**seen).map(|(i, _)| i as u32).collect())
    }
}
