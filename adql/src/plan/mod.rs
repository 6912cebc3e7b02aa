//! ADQL text → DataFusion `LogicalPlan` over a session's catalog, one job per file:
//!
//! - this file: the steps in order — check, snapshot the tables (`tables.rs`), rewrite
//!   (`crate::rewrite`), register the query's range filters in its own copy of the session
//!   state, plan with DataFusion's `SqlToRel` (through `SessionState::statement_to_plan`, whose
//!   context provider serves the session's catalogs, e.g. `datafusion.gaiadr3.gaia_source`),
//!   rename the output (`output.rs`);
//! - `errors.rs`: DataFusion errors back to line:column;
//! - `explain.rs`: the human-readable EXPLAIN.

mod errors;
mod explain;
mod output;
mod tables;

use std::collections::HashSet;

use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::{FunctionRegistry, SessionState};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::Statement;

pub use explain::explain;

use crate::check::check_syntax_within;
use crate::error::{AdqlError, ErrorKind, Result};
use crate::parse::InputLimits;
use crate::rewrite::{self, PlanningSnapshot, PruningFilter};

/// A planned query with what EXPLAIN shows about it.
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// The logical plan (output columns named as the user spelled them).
    pub plan: LogicalPlan,
    /// The rewritten AST, displayed as SQL (for humans only: it is never parsed again).
    pub rewritten_sql: String,
    /// The `_healpix_29` range filters the spatial rule added (their ranges are held by the
    /// plan's expressions; these are for EXPLAIN).
    pub pruning: Vec<PruningFilter>,
}

/// A `SessionContext` with every ADQL/IVOA/Gaia UDF and the crossmatch operator: for this
/// crate's tests and tools. The server builds its own (memory pool, yield rule, catalogs) in
/// `tap::engine`, and `astrotap adql check --explain` uses that one.
pub fn session_with_udfs() -> SessionContext {
    session_with_crossmatch(crate::crossmatch::AlignOptions::default())
}

/// [`session_with_udfs`], with the crossmatch aligning HATS partitions as `align` says.
pub fn session_with_crossmatch(align: crate::crossmatch::AlignOptions) -> SessionContext {
    let state = datafusion::execution::SessionStateBuilder::new_with_default_features()
        .with_physical_optimizer_rule(std::sync::Arc::new(crate::crossmatch::PlanCrossmatches { align }))
        .build();
    let ctx = SessionContext::new_with_state(state);
    crate::udf::register_all(&ctx);
    ctx
}

/// Plans ADQL text against the session's catalog.
pub async fn plan(text: &str, ctx: &SessionContext) -> Result<LogicalPlan> {
    Ok(plan_with_names(text, ctx).await?.plan)
}

/// Plans ADQL text and keeps the rewrite details, within the default [`InputLimits`].
pub async fn plan_with_names(text: &str, ctx: &SessionContext) -> Result<PlannedQuery> {
    plan_within(text, ctx, &InputLimits::default()).await
}

/// Plans ADQL text, refusing text over `limits` before it is parsed.
pub async fn plan_within(text: &str, ctx: &SessionContext, limits: &InputLimits) -> Result<PlannedQuery> {
    let state = ctx.state();
    let mut registered: HashSet<String> = HashSet::new();
    registered.extend(state.scalar_functions().keys().map(|k| k.to_ascii_lowercase()));
    registered.extend(state.aggregate_functions().keys().map(|k| k.to_ascii_lowercase()));
    let ast = check_syntax_within(text, limits)?;

    let options = state.config().options();
    let default_catalog = options.catalog.default_catalog.clone();
    let default_schema = options.catalog.default_schema.clone();
    let mut snapshot = PlanningSnapshot::new(&default_catalog, &default_schema);
    for name in &registered {
        snapshot.add_function(name);
    }
    tables::load_tables(&ast, ctx, &mut snapshot, &default_catalog, &default_schema).await?;

    let rewritten = rewrite::rewrite(&ast, &snapshot)?;
    let rewritten_sql = rewritten.query.to_string();
    tracing::debug!(adql = %text, sql = %rewritten_sql, "ADQL rewritten");

    let state = planning_state(state, &rewritten.pruning)?;
    let statement = DfStatement::Statement(Box::new(Statement::Query(Box::new(rewritten.query.clone()))));
    let map = |e: DataFusionError| errors::map_datafusion_error(&e, &ast, &rewritten.query);
    let plan = state.statement_to_plan(statement).await.map_err(map)?;
    // A second layer behind the checker: whatever the rewrite produced must be a plain query.
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
        .verify_plan(&plan)
        .map_err(|e| AdqlError::new(ErrorKind::NotAdql, 1, 1, errors::clean(&e)))?;
    let plan = output::rename_output(plan, &rewritten.names).map_err(map)?;
    Ok(PlannedQuery { plan, rewritten_sql, pruning: rewritten.pruning })
}

/// This query's own copy of the session state: spans collected (for error positions) and the
/// range filters of the rewrite registered under the names the AST calls them by. The shared
/// session never sees them.
fn planning_state(mut state: SessionState, pruning: &[PruningFilter]) -> Result<SessionState> {
    state.config_mut().options_mut().sql_parser.collect_spans = true;
    for p in pruning {
        state
            .register_udf(p.udf.clone())
            .map_err(|e| AdqlError::new(ErrorKind::Planning, 1, 1, errors::clean(&e)))?;
    }
    Ok(state)
}
