//! The query engine behind the HTTP layer: a DataFusion `SessionContext` with the HATS catalogues,
//! TAP_SCHEMA and every ADQL/Gaia UDF, on its own runtime.

mod catalogues;
mod job;
mod runtime;
mod session;
mod stream;

use std::sync::Arc;

use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

pub use job::WrittenResult;

pub use runtime::QueryRuntime;
pub use stream::{ResultBody, SyncLimits};

use crate::config::TapConfig;
use crate::error::TapError;
use crate::tap_schema::{self, TapMetadata};

/// Everything needed to run ADQL against the served catalogues.
pub struct QueryEngine {
    ctx: SessionContext,
    runtime: QueryRuntime,
    metadata: Arc<TapMetadata>,
}

impl QueryEngine {
    /// Opens every configured catalogue, builds TAP_SCHEMA and registers the UDFs.
    pub fn build(config: &TapConfig) -> Result<Self, TapError> {
        let runtime = QueryRuntime::new(config.query_threads)?;
        let session = SessionConfig::new()
            .with_information_schema(false)
            .with_target_partitions(runtime_threads(config.query_threads));
        let ctx = session::new_session(session, config.query_memory_limit_mb.saturating_mul(1 << 20))?;
        adql::udf::register_all(&ctx);
        let served = catalogues::register_catalogues(&ctx, config)?;
        let metadata = tap_schema::build_metadata(&served, &config.schema_descriptions);
        tap_schema::register(&ctx, &metadata).map_err(|e| TapError::Internal(e.to_string()))?;
        tracing::info!(tables = served.len(), "query engine ready");
        Ok(QueryEngine { ctx, runtime, metadata: Arc::new(metadata) })
    }

    /// The DataFusion session (catalogues, TAP_SCHEMA, UDFs).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The runtime queries execute on.
    pub fn runtime(&self) -> &QueryRuntime {
        &self.runtime
    }

    /// TAP_SCHEMA / VOSI metadata.
    pub fn metadata(&self) -> &Arc<TapMetadata> {
        &self.metadata
    }

    /// Number of queries currently executing (a query whose client went away stops counting when
    /// its DataFusion stream has been dropped).
    pub fn active_queries(&self) -> usize {
        self.runtime.active_tasks()
    }
}

impl std::fmt::Debug for QueryEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryEngine")
            .field("session", &self.ctx.session_id())
            .field("tables", &self.metadata.tables().count())
            .field("active_queries", &self.active_queries())
            .finish()
    }
}

fn runtime_threads(configured: usize) -> usize {
    if configured == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    } else {
        configured
    }
}

/// Plans ADQL text against the session: the one place the HTTP layer calls the ADQL front-end.
pub async fn plan_adql(query: &str, ctx: &SessionContext) -> Result<LogicalPlan, TapError> {
    adql::plan(query, ctx).await.map_err(|e| TapError::Query(e.to_string()))
}
