//! The DataFusion session behind the service: bounded memory, and plans that yield often enough
//! to be cancelled.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionStateBuilder, SessionStateDefaults};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::joins::{CrossJoinExec, HashJoinExec, NestedLoopJoinExec, SortMergeJoinExec, SymmetricHashJoinExec};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::TapError;

/// A session with `config`, a memory pool of `memory_limit_bytes` (0 = unbounded) and the
/// [`YieldAfterJoins`] rule.
pub(super) fn new_session(config: SessionConfig, memory_limit_bytes: usize) -> Result<SessionContext, TapError> {
    let mut runtime = RuntimeEnvBuilder::new();
    if memory_limit_bytes > 0 {
        // Operators that can spill (sorts, aggregates) do so at the limit; the others fail the
        // query with "Resources exhausted" instead of taking the whole machine down.
        runtime = runtime.with_memory_limit(memory_limit_bytes, 1.0);
    }
    let runtime = runtime.build_arc().map_err(|e| TapError::Config(format!("query runtime: {e}")))?;
    // Not `with_default_features()`: no table functions (generate_series, range), no file formats
    // or table factories (nothing reads a path a query names), no window functions (ADQL has
    // none). DataFusion's scalar and aggregate functions stay: the rewrite maps ADQL's onto them,
    // and the ADQL checker keeps every other name out of queries.
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_expr_planners(SessionStateDefaults::default_expr_planners())
        .with_scalar_functions(SessionStateDefaults::default_scalar_functions())
        .with_aggregate_functions(SessionStateDefaults::default_aggregate_functions())
        .with_physical_optimizer_rule(Arc::new(YieldAfterJoins))
        .build();
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
