//! One probe partition of a crossmatch: waits for the shared build side, then for each probe
//! batch looks every row's cone up in the build cells, tests the candidates with the join
//! condition a chunk at a time (so one poll does bounded work and output batches stay small),
//! and emits the pairs; outer joins add their unmatched rows.

use std::sync::Arc;

use datafusion::arrow::array::{Array, Float64Array, UInt32Array};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::Result as DfResult;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::metrics::Count;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use futures::StreamExt;
use tokio::sync::OnceCell;

use super::build::{f64_values, BuildSide};
use super::keys::{MatchKeys, Radius};
use super::reach::ProbeReach;
use super::rows::Rows;

/// Counters of one partition, shown by `EXPLAIN ANALYZE`.
#[derive(Debug, Clone)]
pub struct PairMetrics {
    /// Build rows (set by the partition that built them).
    pub build_rows: Count,
    /// Candidate pairs given to the exact test.
    pub pairs_tested: Count,
    /// Pairs the join condition kept.
    pub pairs_kept: Count,
    /// Build sides joined: one per execution, or one per sky patch when partitions are aligned.
    pub partitions_joined: Count,
    /// HATS partitions of the probe side read (aligned, or read by the build side's reach).
    pub probe_partitions_read: Count,
    /// HATS partitions of the probe side not read: beyond the radius of every build position.
    pub probe_partitions_skipped: Count,
    /// Rows output (pairs and unmatched rows).
    pub output_rows: Count,
}

/// What every partition of one execution shares.
#[derive(Debug)]
pub struct Shared {
    /// The build input.
    pub plan: Arc<dyn ExecutionPlan>,
    /// Positions and radius.
    pub keys: MatchKeys,
    /// Condition and output shape.
    pub rows: Rows,
    /// The build side, made by whichever partition asks first.
    pub build: OnceCell<Arc<BuildSide>>,
    /// Probe partitions of this execution.
    pub probe_partitions: usize,
}

impl Shared {
    /// What the partitions of one execution over `plan` (the build input) share.
    pub fn new(plan: Arc<dyn ExecutionPlan>, keys: MatchKeys, rows: Rows, probe_partitions: usize) -> Self {
        Shared { plan, keys, rows, build: OnceCell::new(), probe_partitions }
    }
}

/// A probe batch being joined.
struct ProbeBatch {
    batch: RecordBatch,
    lon: Float64Array,
    lat: Float64Array,
    radius: Option<Float64Array>,
    next_row: usize,
    /// Probe rows that found a pair (RIGHT join), and whether they have been emitted.
    matched: Option<Vec<bool>>,
}

/// Where a partition's probe rows come from.
pub enum Probe {
    /// A stream of them.
    Stream(SendableRecordBatchStream),
    /// This partition's share of the HATS partitions the build side reaches, decided once the
    /// build side is known (`partition` of `partitions`).
    Reach {
        /// The probe input and its partitions.
        reach: Arc<ProbeReach>,
        /// This output partition.
        partition: usize,
        /// Output partitions.
        partitions: usize,
    },
}

/// See the module documentation.
pub struct PairStream {
    shared: Arc<Shared>,
    context: Arc<TaskContext>,
    probe: Probe,
    probe_schema: SchemaRef,
    build: Option<Arc<BuildSide>>,
    current: Option<ProbeBatch>,
    probe_done: bool,
    unmatched_build: Option<(UInt32Array, usize)>,
    chunk_pairs: usize,
    cells: Vec<u64>,
    metrics: PairMetrics,
}

impl PairStream {
    /// A stream over one probe partition.
    pub fn new(shared: Arc<Shared>, context: Arc<TaskContext>, probe: Probe, probe_schema: SchemaRef, metrics: PairMetrics) -> Self {
        let chunk_pairs = context.session_config().batch_size().max(1);
        PairStream {
            shared,
            context,
            probe,
            probe_schema,
            build: None,
            current: None,
            probe_done: false,
            unmatched_build: None,
            chunk_pairs,
            cells: Vec::new(),
            metrics,
        }
    }

    async fn build_side(&mut self) -> DfResult<Arc<BuildSide>> {
        if let Some(b) = &self.build {
            return Ok(Arc::clone(b));
        }
        let shared = Arc::clone(&self.shared);
        let context = Arc::clone(&self.context);
        let build_rows = self.metrics.build_rows.clone();
        let partitions_joined = self.metrics.partitions_joined.clone();
        let build = shared
            .build
            .get_or_try_init(|| async {
                let b = BuildSide::collect(
                    &shared.plan,
                    &shared.keys,
                    &context,
                    shared.probe_partitions,
                    shared.rows.keeps_build_rows(),
                )
                .await?;
                build_rows.add(b.batch.num_rows());
                partitions_joined.add(1);
                Ok::<_, datafusion::error::DataFusionError>(Arc::new(b))
            })
            .await?;
        self.build = Some(Arc::clone(build));
        Ok(Arc::clone(build))
    }

    /// The probe rows, once the build side is known.
    async fn probe_stream(&mut self, build: &BuildSide) -> DfResult<&mut SendableRecordBatchStream> {
        if let Probe::Reach { reach, partition, partitions } = &self.probe {
            let share = reach.share(build, &self.shared.keys, *partition, *partitions, &self.context).await?;
            self.metrics.probe_partitions_read.add(share.read);
            if let Some(skipped) = share.skipped {
                self.metrics.probe_partitions_skipped.add(skipped);
            }
            self.probe = Probe::Stream(share.stream);
        }
        match &mut self.probe {
            Probe::Stream(s) => Ok(s),
            Probe::Reach { .. } => datafusion::common::internal_err!("crossmatch: probe stream not opened"),
        }
    }

    /// The next output batch, `None` at the end.
    pub async fn next_batch(&mut self) -> DfResult<Option<RecordBatch>> {
        let build = self.build_side().await?;
        loop {
            if let Some(current) = self.current.as_mut() {
                match step(current, &build, &self.shared, self.chunk_pairs, &mut self.cells, &self.metrics)? {
                    Some(out) if out.num_rows() > 0 => {
                        self.metrics.output_rows.add(out.num_rows());
                        return Ok(Some(out));
                    }
                    // A chunk with no pairs kept returns nothing, so the loop could run a
                    // whole probe batch (with a large radius, minutes) inside one poll: spend
                    // Tokio's cooperative budget per chunk so the task yields, and a stop
                    // request (which drops this stream) is seen within about 128 chunks.
                    Some(_) => {
                        tokio::task::consume_budget().await;
                        continue;
                    }
                    None => {
                        self.current = None;
                        continue;
                    }
                }
            }
            if !self.probe_done {
                match self.probe_stream(&build).await?.next().await {
                    Some(batch) => {
                        self.current = Some(probe_batch(batch?, &self.shared)?);
                        continue;
                    }
                    None => {
                        self.probe_done = true;
                        self.unmatched_build = build.probe_finished().map(|rows| (rows, 0));
                    }
                }
            }
            let Some((rows, at)) = self.unmatched_build.as_mut() else { return Ok(None) };
            if *at >= rows.len() {
                return Ok(None);
            }
            let n = self.chunk_pairs.min(rows.len() - *at);
            let slice = rows.slice(*at, n);
            *at += n;
            let empty_probe = RecordBatch::new_empty(Arc::clone(&self.probe_schema));
            let out = self.shared.rows.output(&build.batch, &empty_probe, Some(&slice), None, n)?;
            self.metrics.output_rows.add(out.num_rows());
            return Ok(Some(out));
        }
    }
}

fn probe_batch(batch: RecordBatch, shared: &Shared) -> DfResult<ProbeBatch> {
    let lon = f64_values(&shared.keys.probe.lon, &batch)?;
    let lat = f64_values(&shared.keys.probe.lat, &batch)?;
    let radius = match &shared.keys.radius {
        Radius::Probe(e) => Some(f64_values(e, &batch)?),
        _ => None,
    };
    let matched = shared.rows.keeps_probe_rows().then(|| vec![false; batch.num_rows()]);
    Ok(ProbeBatch { batch, lon, lat, radius, next_row: 0, matched })
}

/// Joins the next chunk of `current`'s rows (until about `chunk_pairs` candidates); `None` when
/// the batch is done (after its unmatched rows, for a RIGHT join).
fn step(
    current: &mut ProbeBatch,
    build: &BuildSide,
    shared: &Shared,
    chunk_pairs: usize,
    cells: &mut Vec<u64>,
    metrics: &PairMetrics,
) -> DfResult<Option<RecordBatch>> {
    let n = current.batch.num_rows();
    if current.next_row >= n {
        let Some(matched) = current.matched.take() else { return Ok(None) };
        let unmatched: UInt32Array = matched.iter().enumerate().filter(|(_, m)| !**m).map(|(i, _)| i as u32).collect();
        let empty_build = RecordBatch::new_empty(build.batch.schema());
        let k = unmatched.len();
        return Ok(Some(shared.rows.output(&empty_build, &current.batch, None, Some(&unmatched), k)?));
    }
    let (mut b, mut p): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
    while current.next_row < n && b.len() < chunk_pairs {
        let i = current.next_row;
        current.next_row += 1;
        if current.lon.is_null(i) || current.lat.is_null(i) {
            continue;
        }
        let radius = match (&shared.keys.radius, &current.radius) {
            (Radius::Constant(r), _) => *r,
            (Radius::Build(_), _) => build.largest_radius,
            (Radius::Probe(_), Some(r)) if r.is_valid(i) => r.value(i),
            (Radius::Probe(_), _) => continue,
        };
        build.index.candidates(current.lon.value(i), current.lat.value(i), radius, cells, &mut b);
        p.resize(b.len(), i as u32);
    }
    metrics.pairs_tested.add(b.len());
    let (kept_b, kept_p) = shared.rows.keep(&build.batch, &current.batch, UInt32Array::from(b), UInt32Array::from(p))?;
    metrics.pairs_kept.add(kept_b.len());
    build.mark(&kept_b);
    if let Some(matched) = current.matched.as_mut() {
        for r in kept_p.values() {
            matched[*r as usize] = true;
        }
    }
    let k = kept_b.len();
    Ok(Some(shared.rows.output(&build.batch, &current.batch, Some(&kept_b), Some(&kept_p), k)?))
}
