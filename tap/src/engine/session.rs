//! The DataFusion session behind the service: bounded, fair memory with spilling to disk, the
//! functions ADQL maps onto and nothing more, and plans that yield often enough to be cancelled.

use std::path::Path;
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::MemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionStateBuilder, SessionStateDefaults};
use datafusion::prelude::{SessionConfig, SessionContext};

use adql::crossmatch::{AlignOptions, PlanCrossmatches};

use super::cooperative::{BoundNestedLoopProbes, YieldAfterJoins};
use super::large_sorts::SpillableLargeSorts;
use crate::error::TapError;

/// A session with `config`, the shared memory `pool` (`super::memory`), spill files under
/// `spill_dir`, the crossmatch operator ([`PlanCrossmatches`], aligning partitions as `crossmatch` says), the rules that keep every plan cancellable ([`YieldAfterJoins`],
/// [`BoundNestedLoopProbes`]) and, when a query's memory is bounded (`query_budget_bytes` > 0),
/// [`SpillableLargeSorts`].
pub(super) fn new_session(
    config: SessionConfig,
    pool: Arc<dyn MemoryPool>,
    spill_dir: &Path,
    query_budget_bytes: usize,
    crossmatch: AlignOptions,
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
    // Not `with_default_features()`: no table functions (generate_series, range), no file formats
    // or table factories (nothing reads a path a query names), no window functions (ADQL has
    // none). DataFusion's scalar and aggregate functions stay: the rewrite maps ADQL's onto them,
    // and the ADQL checker keeps every other name out of queries.
    let mut state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_expr_planners(SessionStateDefaults::default_expr_planners())
        .with_scalar_functions(SessionStateDefaults::default_scalar_functions())
        .with_aggregate_functions(SessionStateDefaults::default_aggregate_functions())
        // Crossmatches first: the nested-loop joins they replace need no probe slicing.
        .with_physical_optimizer_rule(Arc::new(PlanCrossmatches { align: crossmatch }))
        .with_physical_optimizer_rule(Arc::new(BoundNestedLoopProbes))
        .with_physical_optimizer_rule(Arc::new(YieldAfterJoins));
    if query_budget_bytes > 0 {
        // A TopK may take a quarter of what a query may hold; the rest is for everything else.
        state = state.with_physical_optimizer_rule(Arc::new(SpillableLargeSorts { max_topk_bytes: query_budget_bytes / 4 }));
    }
    let state = state.build();
    Ok(SessionContext::new_with_state(state))
}
