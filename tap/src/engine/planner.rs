//! From ADQL text to the physical plan that runs, in one function used by `/sync`, async jobs and
//! `astrotap adql check --explain`: whatever EXPLAIN shows is what the service executes.

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::{displayable, ExecutionPlan};
use datafusion::prelude::SessionContext;

use super::memory::QueryMemoryPool;
use crate::error::{MemoryLimits, TapError};
use crate::upload::{session_with_uploads, UploadTable};

/// The session queries are planned in, and what its errors need to be explained.
/// Cheap to clone: query tasks take their own copy onto the query runtime.
#[derive(Clone)]
pub(super) struct Planner {
    ctx: SessionContext,
    memory: MemoryLimits,
    /// `memory.per_query_mb` in bytes, when enforced.
    per_query_bytes: Option<usize>,
    limits: adql::InputLimits,
}

/// A query planned exactly as the service runs it.
#[derive(Debug)]
pub struct PreparedQuery {
    /// The ADQL front-end's plan, with the rewritten SQL and HEALPix pruning it applied.
    pub adql: adql::PlannedQuery,
    /// `adql.plan` with the MAXREC limit on top.
    pub logical: LogicalPlan,
    /// The physical plan of `logical`, after every optimizer rule of the session.
    pub physical: Arc<dyn ExecutionPlan>,
}

impl PreparedQuery {
    /// The physical plan as indented text (the EXPLAIN form).
    pub fn physical_text(&self) -> String {
        displayable(self.physical.as_ref()).indent(true).to_string()
    }
}

impl Planner {
    pub(super) fn new(
        ctx: SessionContext,
        memory: MemoryLimits,
        per_query_bytes: Option<usize>,
        limits: adql::InputLimits,
    ) -> Self {
        Planner { ctx, memory, per_query_bytes, limits }
    }

    /// The context one query executes in: the session's, with the query's own memory pool in
    /// front of the shared one when a per-query limit is enforced (`super::memory`).
    pub(super) fn task_ctx(&self) -> Result<Arc<TaskContext>, TapError> {
        let Some(limit) = self.per_query_bytes else {
            return Ok(self.ctx.task_ctx());
        };
        let shared = self.ctx.runtime_env();
        let pool = Arc::new(QueryMemoryPool::new(shared.memory_pool.clone(), limit));
        // Same disk manager, object stores and caches: only the pool differs.
        let runtime = RuntimeEnvBuilder::from_runtime_env(&shared)
            .with_memory_pool(pool)
            .build_arc()
            .map_err(|e| self.error(&e))?;
        Ok(Arc::new(TaskContext::from(&self.ctx).with_runtime(runtime)))
    }

    pub(super) fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// This planner over the session of one query with `uploads` as `TAP_UPLOAD` tables; the
    /// same planner when there are none.
    pub(super) fn with_uploads(&self, uploads: Vec<UploadTable>) -> Result<Planner, TapError> {
        if uploads.is_empty() {
            return Ok(self.clone());
        }
        let ctx = session_with_uploads(&self.ctx, uploads)?;
        Ok(Planner { ctx, ..self.clone() })
    }

    /// Plans `query` with at most `maxrec` rows of output.
    pub(super) async fn prepare(&self, query: &str, maxrec: u64) -> Result<PreparedQuery, TapError> {
        let planned = adql::plan_within(query, &self.ctx, &self.limits).await?;
        // One row more than MAXREC lets the writer tell OVERFLOW from an exact fit (DALI 1.1
        // §4.4.1) while DataFusion stops scanning as soon as it has them.
        let fetch = usize::try_from(maxrec.saturating_add(1)).unwrap_or(usize::MAX);
        let logical = LogicalPlanBuilder::from(planned.plan.clone())
            .limit(0, Some(fetch))
            .and_then(LogicalPlanBuilder::build)
            .map_err(|e| self.error(&e))?;
        let physical = self.ctx.state().create_physical_plan(&logical).await.map_err(|e| self.error(&e))?;
        Ok(PreparedQuery { adql: planned, logical, physical })
    }

    /// A human-readable account of how `query` runs with `maxrec`: the ADQL, its rewrite and
    /// HEALPix pruning, then the logical, optimized and physical plans of [`Planner::prepare`].
    pub(super) async fn explain(&self, query: &str, maxrec: u64) -> Result<String, TapError> {
        let prepared = self.prepare(query, maxrec).await?;
        let optimized = self.ctx.state().optimize(&prepared.logical).map_err(|e| self.error(&e))?;
        let pruning = match prepared.adql.pruning.as_slice() {
            [] => "none".to_string(),
            lines => lines.iter().map(|p| format!("- {}", p.description)).collect::<Vec<_>>().join("\n"),
        };
        let sections = [
            ("ADQL".to_string(), query.trim().to_string()),
            ("Rewritten (shown as SQL, never re-parsed)".to_string(), prepared.adql.rewritten_sql.clone()),
            ("HEALPix pruning".to_string(), pruning),
            (format!("Logical plan (MAXREC {maxrec})"), prepared.logical.display_indent().to_string()),
            ("Optimized logical plan".to_string(), optimized.display_indent().to_string()),
            ("Physical plan".to_string(), prepared.physical_text()),
        ];
        let text: Vec<String> = sections.iter().map(|(title, body)| format!("== {title} ==\n{}", body.trim_end())).collect();
        Ok(text.join("\n\n"))
    }

    /// A DataFusion error of this session, classified.
    pub(super) fn error(&self, err: &DataFusionError) -> TapError {
        TapError::from_datafusion(err, self.memory)
    }
}
