//! Physical-plan rules that keep every query cancellable: whatever stops a query (the sync
//! deadline, executionDuration, ABORT, a client disconnect, shutdown) drops its stream, and the
//! tasks behind it end at their next `Pending`. These rules make sure one comes soon.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::joins::{CrossJoinExec, HashJoinExec, NestedLoopJoinExec, SortMergeJoinExec, SymmetricHashJoinExec};
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
use datafusion::physical_plan::ExecutionPlan;

use super::slice_batches::SliceBatchesExec;

/// Pairs (build row x probe row) one poll of a nested-loop join may test: about 10-50 ms of
/// filter evaluation, so a stop request is seen well within a second.
pub(super) const PAIRS_PER_POLL: usize = 1 << 20;

/// Build-side rows assumed when statistics give no estimate: large, so probe slices stay small.
const UNKNOWN_BUILD_ROWS: usize = 1 << 20;

/// Puts a [`CooperativeExec`] above every join.
///
/// DataFusion's own `EnsureCooperative` makes the scans spend Tokio's cooperative budget, but a
/// join can emit thousands of batches per input batch (a crossmatch, a CROSS JOIN) while an
/// aggregate above it keeps pulling without ever returning `Pending`. The task then never
/// yields, and an ABORT, an execution-duration timeout or a client disconnect waits for the
/// whole query. Charging the budget per join output batch bounds that wait to about 128 batches.
#[derive(Debug)]
pub(super) struct YieldAfterJoins;

impl PhysicalOptimizerRule for YieldAfterJoins {
    fn name(&self) -> &str {
        "astrotap_yield_after_joins"
    }

    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, _config: &ConfigOptions) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if is_join(node.as_ref()) {
                Ok(Transformed::yes(Arc::new(CooperativeExec::new(node)) as Arc<dyn ExecutionPlan>))
            } else {
                Ok(Transformed::no(node))
            }
        })
        .map(|t| t.data)
    }

    fn schema_check(&self) -> bool {
        true
    }
}

fn is_join(plan: &dyn ExecutionPlan) -> bool {
    plan.downcast_ref::<CrossJoinExec>().is_some()
        || plan.downcast_ref::<NestedLoopJoinExec>().is_some()
        || plan.downcast_ref::<HashJoinExec>().is_some()
        || plan.downcast_ref::<SortMergeJoinExec>().is_some()
        || plan.downcast_ref::<SymmetricHashJoinExec>().is_some()
        || plan.downcast_ref::<adql::crossmatch::CrossmatchExec>().is_some()
}

/// Feeds every nested-loop join its probe side in slices of `PAIRS_PER_POLL / build rows` rows
/// (see [`SliceBatchesExec`]): the join tests one probe batch against the whole build side inside
/// a single poll, so this bounds the time between two chances to stop. The build side's row count
/// comes from the plan's statistics (exact for Parquet without filters, estimated otherwise).
#[derive(Debug)]
pub(super) struct BoundNestedLoopProbes;

/// Probe rows per batch for a build side of `build_rows`, at most `batch_size`.
pub(super) fn probe_rows(build_rows: Option<usize>, batch_size: usize) -> usize {
    let build = build_rows.unwrap_or(UNKNOWN_BUILD_ROWS).max(1);
    (PAIRS_PER_POLL / build).clamp(1, batch_size.max(1))
}

fn estimated_rows(plan: &Arc<dyn ExecutionPlan>) -> Option<usize> {
    let stats = StatisticsContext::new().compute(plan.as_ref(), &StatisticsArgs::new()).ok()?;
    match stats.num_rows {
        Precision::Exact(n) | Precision::Inexact(n) => Some(n),
        Precision::Absent => None,
    }
}

impl PhysicalOptimizerRule for BoundNestedLoopProbes {
    fn name(&self) -> &str {
        "astrotap_bound_nested_loop_probes"
    }

    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, config: &ConfigOptions) -> DfResult<Arc<dyn ExecutionPlan>> {
        let batch_size = config.execution.batch_size.get();
        plan.transform_up(|node| {
            if node.downcast_ref::<NestedLoopJoinExec>().is_none() {
                return Ok(Transformed::no(node));
            }
            let children: Vec<Arc<dyn ExecutionPlan>> = node.children().into_iter().cloned().collect();
            let [build, probe] = children.as_slice() else { return Ok(Transformed::no(node)) };
            if probe.downcast_ref::<SliceBatchesExec>().is_some() {
                return Ok(Transformed::no(node));
            }
            let rows = probe_rows(estimated_rows(build), batch_size);
            if rows >= batch_size {
                return Ok(Transformed::no(node));
            }
            let sliced: Arc<dyn ExecutionPlan> = Arc::new(SliceBatchesExec::new(Arc::clone(probe), rows));
            #[expect(deprecated)]
            let rebuilt = Arc::clone(&node).with_new_children(vec![Arc::clone(build), sliced])?;
            Ok(Transformed::yes(rebuilt))
        })
        .map(|t| t.data)
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_slices_shrink_as_the_build_side_grows() {
        assert_eq!(probe_rows(Some(10), 8192), 8192);
        assert_eq!(probe_rows(Some(20_000), 8192), PAIRS_PER_POLL / 20_000);
        assert_eq!(probe_rows(Some(100_000_000), 8192), 1);
        assert_eq!(probe_rows(None, 8192), 1);
        assert_eq!(probe_rows(Some(0), 8192), 8192);
    }
}
