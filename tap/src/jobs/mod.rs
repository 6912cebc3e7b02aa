//! TAP async jobs (TAP 1.1 §2.2.2): the executor that turns a UWS job's DALI parameters into a
//! query run whose document is written as the job's `result`, and the wiring of the `uws` job
//! service into the HTTP application.

mod executor;

use std::sync::Arc;

use uws::{JobService, JobUpload};

pub use executor::QueryJobExecutor;

use crate::config::{TapConfig, UploadConfig};
use crate::engine::QueryEngine;
use crate::error::TapError;
use crate::params::DaliParams;
use crate::uws_routes::{BodyParser, ParsedBody, UwsRoutes};

/// Opens the job store under the configured directory (recovering jobs a previous process left
/// behind) with a query executor over `engine`. Must run inside a Tokio runtime: jobs run there.
pub fn open_job_service(config: &TapConfig, engine: Arc<QueryEngine>) -> Result<Arc<JobService>, TapError> {
    let executor = Arc::new(QueryJobExecutor::new(engine, config.maxrec_policy(), config.uploads.clone()));
    let uws = config.uws_config();
    let root = uws.root.clone();
    JobService::open(uws, executor).map_err(|e| TapError::Config(format!("job store under {}: {e}", root.display())))
}

/// The `/async` routes over `jobs`, reading parameters exactly as `/sync` does (query string,
/// urlencoded or multipart body, case-insensitive names).
/// File parts become the job's uploads under their part names, for `UPLOAD=t,param:<part>`;
/// the size limits are `/sync`'s.
pub fn async_routes(jobs: Arc<JobService>, max_field_bytes: usize, uploads: UploadConfig) -> UwsRoutes {
    let parser: BodyParser = Arc::new(move |query: &str, content_type: Option<&str>, body: &[u8]| {
        let params = DaliParams::parse(query, content_type, body).map_err(|e| e.to_string())?;
        params.check_sizes(max_field_bytes, &uploads).map_err(|e| e.to_string())?;
        let files = params.files().iter().map(|f| JobUpload { name: f.name.clone(), data: f.data.to_vec() });
        Ok(ParsedBody { pairs: params.entries().to_vec(), uploads: files.collect() })
    });
    UwsRoutes::new(jobs).with_body_parser(parser)
}
