//! The DataFusion session behind the service: bounded, fair memory with spilling to disk, and
//! plans that yield often enough to be cancelled.

use std::path::Path;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::MemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::joins::{CrossJoinExec, HashJoinExec, NestedLoopJoinExec, SortMergeJoinExec, SymmetricHashJoinExec};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::large_sorts::SpillableLargeSorts;
use crate::error::TapError;

/// A session with `config`, the shared memory `pool` (`super::memory`), spill files under
/// `spill_dir`, the [`YieldAfterJoins`] rule and, when a query's memory is bounded
/// (`query_budget_bytes` > 0), [`SpillableLargeSorts`].
pub(super) fn new_session(
    config: SessionConfig,
    pool: Arc<dyn MemoryPool>,
    spill_dir: &Path,
    query_budget_bytes: usize,
) -> Result<SessionContext, TapError> {
    // Operators that can spill (sorts, aggregates) do so at their share of the pool, into the
    // data directory rather than the OS temp dir (often a small tmpfs); the others fail the
    // query with "Resources exhausted" instead of taking the whole machine down.
    let disks = DiskManagerBuilder::default().with_mode(DiskManagerMode::Directories(vec![spill_dir.to_path_buf()]));
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(pool)
        .with_disk_manager_builder(disks)
        .build_arc()
        .map_err(|e| TapError::Config(format!("query runtime: {e}")))?;
    let mut state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_physical_optimizer_rule(Arc::new(YieldAfterJoins));
    if query_budget_bytes > 0 {
        // A TopK may take a quarter of what a query may hold; the rest is for everything else.
        state = state.with_physical_optimizer_rule(Arc::new(SpillableLargeSorts { max_topk_bytes: query_budget_bytes / 4 }));
    }
    let state = state.build();
    Ok(SessionContext::new_with_state(state))
}

/// Puts a [`CooperativeExec`] above every join.
///
/// DataFusion's own `EnsureCooperative` makes the scans spend Tokio's cooperative budget, but a
/// join can emit thousands of batches per input batch (a crossmatch, a CROSS JOIN) while an
/// aggregate above it keeps pulling without ever returning `Pending`. The task then never
/// yields, and an ABORT, an execution-duration timeout or a client disconnect waits for the
/// whole query. Charging the budget per join output batch bounds that wait to about 128 batches.
#[derive(Debug)]
struct YieldAfterJoins;

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
}
