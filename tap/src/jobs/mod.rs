//! TAP async jobs (TAP 1.1 §2.2.2): the executor that turns a UWS job's DALI parameters into a
//! query run whose document is written as the job's `result`, and the wiring of the `uws` job
//! service into the HTTP application.

mod executor;

use std::sync::Arc;

use uws::JobService;

pub use executor::QueryJobExecutor;

use crate::config::TapConfig;
use crate::engine::QueryEngine;
use crate::error::TapError;
use crate::params::DaliParams;
use crate::uws_routes::{BodyParser, UwsRoutes};

/// Opens the job store under the configured directory (recovering jobs a previous process left
/// behind) with a query executor over `engine`. Must run inside a Tokio runtime: jobs run there.
pub fn open_job_service(config: &TapConfig, engine: Arc<QueryEngine>) -> Result<Arc<JobService>, TapError> {
    let executor = Arc::new(QueryJobExecutor::new(engine, config.maxrec_policy()));
    let uws = config.uws_config();
    let root = uws.root.clone();
    JobService::open(uws, executor).map_err(|e| TapError::Config(format!("job store under {}: {e}", root.display())))
}

/// The `/async` routes over `jobs`, reading parameters exactly as `/sync` does (query string,
/// urlencoded or multipart body, case-insensitive names).
pub fn async_routes(jobs: Arc<JobService>) -> UwsRoutes {
    let parser: BodyParser = Arc::new(|query: &str, content_type: Option<&str>, body: &[u8]| {
        DaliParams::parse(query, content_type, body).map(|p| p.entries().to_vec()).map_err(|e| e.to_string())
    });
    UwsRoutes::new(jobs).with_body_parser(parser)
}
