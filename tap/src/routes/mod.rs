//! HTTP routes of the TAP service, mounted under the configured base path.

mod body;
mod landing;
mod metadata;
pub(crate) mod peer;
mod sync;

use std::sync::Arc;
use std::time::SystemTime;

use actix_web::{web, HttpRequest};

use crate::config::TapConfig;
use crate::engine::QueryEngine;

pub use body::read_body;

/// Shared state of every route (also what the /async routes get).
#[derive(Debug)]
pub struct AppState {
    /// The configuration the service was built from.
    pub config: TapConfig,
    /// The query engine.
    pub engine: Arc<QueryEngine>,
    /// Start time, for VOSI availability `upSince`.
    pub started: SystemTime,
}

impl AppState {
    /// The examples this service can answer: those whose served tables it serves (`/examples`
    /// lists them, the landing page counts them).
    pub fn offered_examples(&self) -> Vec<&'static crate::examples::Example> {
        let metadata = self.engine.metadata();
        crate::examples::examples_for(&|t: &str| metadata.table(t).is_some())
    }

    /// The service's base URL as clients should see it: the configured public URL, or one derived
    /// from the request's Host header (so that it is right behind port 0 in tests).
    pub fn base_url(&self, req: &HttpRequest) -> String {
        if let Some(url) = &self.config.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let info = req.connection_info();
        format!("{}://{}{}", info.scheme(), info.host(), self.config.normalised_base_path())
    }
}

/// Registers every route of this module (the caller puts them in the base-path scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(landing::landing))
        .route("/", web::get().to(landing::landing))
        .route("/sync", web::get().to(sync::sync))
        .route("/sync", web::post().to(sync::sync))
        .route("/capabilities", web::get().to(metadata::capabilities))
        .route("/availability", web::get().to(metadata::availability))
        .route("/tables", web::get().to(metadata::tables))
        .route("/tables/{name}", web::get().to(metadata::table))
        .route("/examples", web::get().to(metadata::examples));
}
