//! TAP 1.1 HTTP service: DALI parameters, `/sync`, VOSI (`/capabilities`, `/availability`,
//! `/tables`), TAP_SCHEMA, DALI `/examples`, and the streaming output writers.
#![deny(missing_docs)]

mod app;
pub mod config;
pub mod engine;
pub mod error;
pub mod examples;
pub mod output;
pub mod params;
pub mod routes;
pub mod tap_schema;
mod time;
pub mod vosi;
mod xml;

pub use app::{App, ExtraRoutes};
pub use config::{CatalogueConfig, ForeignKeyConfig, TapConfig};
pub use engine::QueryEngine;
pub use error::TapError;
