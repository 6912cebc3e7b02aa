//! TAP 1.1 HTTP service: DALI parameters, `/sync`, VOSI (`/capabilities`, `/availability`,
//! `/tables`), TAP_SCHEMA, DALI `/examples`, the streaming output writers and `/async` (UWS 1.1).
#![deny(missing_docs)]

mod app;
pub mod config;
pub mod engine;
pub mod error;
pub mod examples;
pub mod jobs;
pub mod output;
pub mod params;
pub mod routes;
pub mod tap_schema;
pub mod upload;
pub mod uws_routes;
pub mod vosi;

pub use app::{App, ExtraRoutes};
pub use config::{CatalogConfig, ForeignKeyConfig, JobsConfig, TapConfig, UploadConfig};
pub use engine::QueryEngine;
pub use error::TapError;
