//! The DataFusion session behind the service: bounded memory, and plans that yield often enough
//! to be cancelled.

use std::sync::Arc;

use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionStateBuilder, SessionStateDefaults};
use datafusion::prelude::{SessionConfig, SessionContext};

use super::cooperative::{BoundNestedLoopProbes, YieldAfterJoins};

use crate::error::TapError;

/// A session with `config`, a memory pool of `memory_limit_bytes` (0 = unbounded) and the
/// rules that keep every plan cancellable ([`YieldAfterJoins`], [`BoundNestedLoopProbes`]).
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
        .with_physical_optimizer_rule(Arc::new(BoundNestedLoopProbes))
        .with_physical_optimizer_rule(Arc::new(YieldAfterJoins))
        .build();
    Ok(SessionContext::new_with_state(state))
}
