//! UWS 1.1 REST binding (§2.2) of the TAP `/async` endpoint (TAP 1.1 §2.2.2) over the `uws`
//! crate's [`JobService`].
//!
//! Mount with [`UwsRoutes::configure`] inside the TAP base scope (or hand
//! [`UwsRoutes::into_extra_routes`] to `tap::App::build_with`). The module only uses the `uws`
//! crate and actix-web, so it can be compiled and tested on its own.

mod handlers;
mod params;
mod response;

use std::sync::Arc;

use actix_web::web;
use uws::JobService;

pub use params::{BodyParser, ParsedBody};
pub use response::RouteError;

/// The authenticated identity of a request, if the service's auth middleware inserted one as a
/// request extension; jobs record it as ownerId and the job list is filtered to it (UWS 1.1 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOwner(pub String);

/// The `/async` routes and what they need.
pub struct UwsRoutes {
    jobs: Arc<JobService>,
    body_parser: BodyParser,
    /// `LAST` used in the 303 after a DELETE, so the redirect never lists a whole archive.
    delete_redirect_last: u64,
}

impl UwsRoutes {
    /// Routes over `jobs`, accepting query-string and `application/x-www-form-urlencoded`
    /// parameters.
    pub fn new(jobs: Arc<JobService>) -> Self {
        Self { jobs, body_parser: params::urlencoded_parser(), delete_redirect_last: 100 }
    }

    /// Replaces the parameter parser (e.g. with one that also understands `multipart/form-data`,
    /// such as `tap::params::DaliParams`). It gets the query string, the Content-Type and the body.
    pub fn with_body_parser(mut self, parser: BodyParser) -> Self {
        self.body_parser = parser;
        self
    }

    /// The job service behind the routes.
    pub fn jobs(&self) -> &Arc<JobService> {
        &self.jobs
    }

    /// Registers the routes and their state in `cfg`.
    pub fn configure(self: &Arc<Self>, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::from(Arc::clone(self)));
        handlers::register(cfg);
    }

    /// The routes as a closure for `tap::App::build_with(config, Some(extra))`.
    pub fn into_extra_routes(self) -> Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync> {
        let me = Arc::new(self);
        Arc::new(move |cfg: &mut web::ServiceConfig| me.configure(cfg))
    }
}
