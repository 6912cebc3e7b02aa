//! UWS 1.1 asynchronous jobs (IVOA Recommendation 2016-10-24): the job model and its legal phase
//! transitions, the job XML documents, a persistent SQLite store with result files, and a runner
//! with a concurrency limit, cancellation, execution-duration and destruction enforcement, and
//! notification-based blocking WAIT.
//!
//! This crate knows nothing of HTTP or of what a job runs (its only SQL is its own SQLite job
//! store): the TAP service supplies a [`JobExecutor`] and maps [`UwsError`] onto HTTP statuses.
#![deny(missing_docs)]

mod config;
mod error;
mod executor;
mod id;
mod job;
mod phase;
mod reaper;
mod recovery;
mod service;
mod sink;
pub mod store;
pub mod time;
pub mod xml;

pub use config::UwsConfig;
pub use error::{Result, UwsError};
pub use executor::JobExecutor;
pub use id::{JobId, JOB_ID_BITS, JOB_ID_LEN};
pub use job::{ErrorSummary, ErrorType, Job, JobFilter, JobRef, JobUpload, NewJob, Parameter, Parameters, ResultInfo};
pub use phase::ExecutionPhase;
pub use service::JobService;
pub use sink::{ResultFile, ResultSink};
pub use store::JobStore;

/// Re-exported so executors need no direct dependency on these crates.
pub use async_trait::async_trait;
/// Re-exported so executors need no direct dependency on `tokio-util`.
pub use tokio_util::sync::CancellationToken;
