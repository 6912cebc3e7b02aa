//! The query engine behind the HTTP layer: a DataFusion `SessionContext` with the HATS catalogs,
//! TAP_SCHEMA and every ADQL/Gaia UDF, on its own runtime.
//!
//! [`QueryEngine::build`] is the only way the service, its async jobs, `astrotap adql check
//! --explain` and the tests get a session, and [`QueryEngine::prepare`] the only way they plan a
//! query, so a plan shown is the plan run.

mod admission;
mod catalogs;
mod cooperative;
mod job;
mod large_sorts;
mod memory;
mod planner;
mod runtime;
mod session;
mod slice_batches;
mod spill;
mod stream;
mod thread_cpu;

use std::sync::Arc;
use std::time::Duration;

use datafusion::prelude::{SessionConfig, SessionContext};

pub use job::WrittenResult;
pub use planner::PreparedQuery;

pub use runtime::{QueryRuntime, QUERY_THREAD_STACK_BYTES};
pub use stream::{ResultBody, SyncLimits};

use admission::SyncAdmission;
use planner::Planner;

use tokio_util::sync::CancellationToken;

use crate::config::TapConfig;
use crate::error::{MemoryLimits, TapError};
use crate::tap_schema::{self, TapMetadata};

/// DataFusion's default merge reservation of a sort, kept as the cap.
const SORT_MERGE_RESERVE_MAX: usize = 10 << 20;

/// Everything needed to run ADQL against the served catalogs.
pub struct QueryEngine {
    planner: Planner,
    admission: SyncAdmission,
    /// Cancelled once the service shuts down: running sync queries end with a trailing error.
    shutdown: CancellationToken,
    runtime: QueryRuntime,
    metadata: Arc<TapMetadata>,
}

impl QueryEngine {
    /// Opens every configured catalog, builds TAP_SCHEMA and registers the UDFs.
    pub fn build(config: &TapConfig) -> Result<Self, TapError> {
        let runtime = QueryRuntime::new(config.query_threads)?;
        let total_bytes = config.query_memory_limit_mb.saturating_mul(1 << 20);
        let per_query_bytes =
            memory::per_query_limit(config.query_memory_per_query_mb.saturating_mul(1 << 20), total_bytes);
        let mut session = SessionConfig::new()
            .with_information_schema(false)
            .with_target_partitions(runtime.threads());
        // A sort sets this much aside up front for merging its spilled runs; DataFusion's 10 MiB
        // would make every sort fail under a smaller per-query limit instead of spilling.
        let budget = per_query_bytes.unwrap_or(total_bytes);
        if budget > 0 {
            session = session.with_sort_spill_reservation_bytes((budget / 4).min(SORT_MERGE_RESERVE_MAX));
        }
        let spill_dir = config.spill_path();
        spill::prepare_spill_dir(&spill_dir, false)?;
        let ctx = session::new_session(session, memory::shared_pool(total_bytes), &spill_dir, budget, config.crossmatch.align_options())?;
        adql::udf::register_all(&ctx);
        let served = catalogs::register_catalogs(&ctx, config)?;
        let metadata = tap_schema::build_metadata(&served, &config.schema_descriptions);
        tap_schema::register(&ctx, &metadata).map_err(|e| TapError::Internal(e.to_string()))?;
        tracing::info!(tables = served.len(), "query engine ready");
        let limits = MemoryLimits {
            total_mb: config.query_memory_limit_mb,
            per_query_mb: per_query_bytes.map(|_| config.query_memory_per_query_mb),
        };
        let planner = Planner::new(ctx, limits, per_query_bytes, config.input_limits());
        let admission =
            SyncAdmission::new(config.max_sync_queries, Duration::from_millis(config.sync_queue_wait_ms));
        Ok(QueryEngine { planner, admission, runtime, metadata: Arc::new(metadata), shutdown: CancellationToken::new() })
    }

    /// For the server's start-up, before [`QueryEngine::build`]: creates the spill directory and
    /// removes spill files a previous process left. Not part of `build`, which `astrotap adql
    /// check` also calls while a server may be spilling into the same directory.
    pub fn clean_spill_dir(config: &TapConfig) -> Result<(), TapError> {
        spill::prepare_spill_dir(&config.spill_path(), true)
    }

    /// Sync query slots free right now (`max_sync_queries` minus the queries executing).
    pub fn free_sync_slots(&self) -> usize {
        self.admission.available()
    }

    /// The DataFusion session (catalogs, TAP_SCHEMA, UDFs).
    pub fn context(&self) -> &SessionContext {
        self.planner.context()
    }

    /// Plans `query` as `/sync` and async jobs run it, with at most `maxrec` rows of output. Like
    /// theirs, the planning runs on a query thread (whose stack the depth limit is sized for).
    pub async fn prepare(&self, query: &str, maxrec: u64) -> Result<PreparedQuery, TapError> {
        let (planner, query) = (self.planner.clone(), query.to_string());
        self.on_query_thread(async move { planner.prepare(&query, maxrec).await }).await
    }

    /// EXPLAIN of `query` with `maxrec`: the ADQL rewrite and the plans of [`QueryEngine::prepare`].
    pub async fn explain(&self, query: &str, maxrec: u64) -> Result<String, TapError> {
        let (planner, query) = (self.planner.clone(), query.to_string());
        self.on_query_thread(async move { planner.explain(&query, maxrec).await }).await
    }

    async fn on_query_thread<T: Send + 'static>(
        &self,
        task: impl std::future::Future<Output = Result<T, TapError>> + Send + 'static,
    ) -> Result<T, TapError> {
        match self.runtime.spawn(task).await {
            Ok(result) => result,
            Err(e) => Err(TapError::Internal(format!("planning task failed: {e}"))),
        }
    }

    /// Cancels every running sync query (their documents end with a "shutting down" error) and
    /// refuses new ones; async jobs are stopped by the job service's own shutdown.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
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
            .field("session", &self.context().session_id())
            .field("tables", &self.metadata.tables().count())
            .field("active_queries", &self.active_queries())
            .finish()
    }
}
