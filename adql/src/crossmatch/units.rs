//! One output partition of a partition-aligned crossmatch ([`super::align`]): its share of the
//! units, one after another. Each unit is an ordinary crossmatch of its build partitions
//! (collected, bucketed) against a stream of its probe partitions, run by [`PairStream`]; its
//! build side is dropped before the next unit's is read, so one unit is held at a time.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::Result as DfResult;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::{EmptyRecordBatchStream, ExecutionPlan};

use super::align::{restrict, Unit};
use super::keys::MatchKeys;
use super::rows::Rows;
use super::stream::{PairMetrics, PairStream, Probe, Shared};

/// The inputs and shape every unit is joined with.
#[derive(Debug)]
pub struct UnitPlans {
    /// Build input (its scan is restricted to each unit's build files).
    pub build: Arc<dyn ExecutionPlan>,
    /// Probe input (restricted to each unit's probe files).
    pub probe: Arc<dyn ExecutionPlan>,
    /// Positions and radius.
    pub keys: MatchKeys,
    /// Condition and output shape.
    pub rows: Rows,
}

/// See the module documentation.
pub struct UnitStream {
    plans: Arc<UnitPlans>,
    units: std::vec::IntoIter<Unit>,
    current: Option<PairStream>,
    context: Arc<TaskContext>,
    metrics: PairMetrics,
}

/// `plan` as a single partition.
pub(super) fn one_partition(plan: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    if plan.properties().partitioning.partition_count() == 1 {
        plan
    } else {
        Arc::new(CoalescePartitionsExec::new(plan))
    }
}

impl UnitStream {
    /// A stream over `units`, in order.
    pub fn new(plans: Arc<UnitPlans>, units: Vec<Unit>, context: Arc<TaskContext>, metrics: PairMetrics) -> Self {
        UnitStream { plans, units: units.into_iter(), current: None, context, metrics }
    }

    fn open(&self, unit: &Unit) -> DfResult<PairStream> {
        let build = restrict(&self.plans.build, &unit.build)?;
        let shared = Shared::new(build, self.plans.keys.clone(), self.plans.rows.clone(), 1);
        let probe = if unit.probe.is_empty() {
            // No probe partition near the patch: only an outer join's unmatched rows remain.
            Box::pin(EmptyRecordBatchStream::new(self.plans.probe.schema()))
        } else {
            one_partition(restrict(&self.plans.probe, &unit.probe)?).execute(0, Arc::clone(&self.context))?
        };
        self.metrics.probe_partitions_read.add(unit.probe.len());
        let schema = self.plans.probe.schema();
        Ok(PairStream::new(Arc::new(shared), Arc::clone(&self.context), Probe::Stream(probe), schema, self.metrics.clone()))
    }

    /// The next output batch, `None` after the last unit.
    pub async fn next_batch(&mut self) -> DfResult<Option<RecordBatch>> {
        loop {
            if let Some(pairs) = self.current.as_mut() {
                if let Some(batch) = pairs.next_batch().await? {
                    return Ok(Some(batch));
                }
                self.current = None;
            }
            let Some(unit) = self.units.next() else { return Ok(None) };
            if unit.probe.is_empty() && !self.plans.rows.keeps_build_rows() {
                continue;
            }
            self.current = Some(self.open(&unit)?);
        }
    }
}
