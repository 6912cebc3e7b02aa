//! `App::build(config)` then `app.run().await` (the roapi shape): tests build the same application
//! bound to port 0 and talk HTTP to it.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpServer};
use tracing::Instrument;

use crate::config::TapConfig;
use crate::engine::QueryEngine;
use crate::error::TapError;
use crate::jobs;
use crate::routes::{self, AppState};
use uws::JobService;

/// Extra routes mounted in the base-path scope next to ours.
pub type ExtraRoutes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// A built, bound, not yet running TAP service.
pub struct App {
    server: Server,
    addr: SocketAddr,
    state: web::Data<AppState>,
    jobs: Option<Arc<JobService>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("addr", &self.addr).finish_non_exhaustive()
    }
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// How long responses in flight may take to finish once shutdown began (their queries are
/// already cancelled, so they only need to write their trailing error).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl App {
    /// Opens the catalogs, builds the engine and binds the listening socket.
    pub async fn build(config: TapConfig) -> Result<App, TapError> {
        Self::build_with(config, None).await
    }

    /// As [`App::build`], with extra routes in the base-path scope.
    pub async fn build_with(config: TapConfig, extra: Option<ExtraRoutes>) -> Result<App, TapError> {
        QueryEngine::clean_spill_dir(&config)?;
        let engine = Arc::new(QueryEngine::build(&config)?);
        let jobs = if config.jobs.enabled { Some(jobs::open_job_service(&config, engine.clone())?) } else { None };
        let async_routes: Option<ExtraRoutes> = jobs.clone().map(|j| {
            jobs::async_routes(j, config.max_body_bytes, config.uploads.clone()).into_extra_routes()
        });
        let max_body = config.max_request_bytes();
        let listen = config.listen.clone();
        let base = config.normalised_base_path();
        let state = web::Data::new(AppState { config, engine, started: SystemTime::now() });
        let addrs: Vec<SocketAddr> = listen
            .to_socket_addrs()
            .map_err(|e| TapError::Config(format!("listen address {listen}: {e}")))?
            .collect();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            let extra = extra.clone();
            let async_routes = async_routes.clone();
            actix_web::App::new()
                .app_data(app_state.clone())
                // The /async handlers take their bodies as `web::Bytes`: same limit as /sync.
                .app_data(web::PayloadConfig::new(max_body))
                .wrap_fn(|req, srv| {
                    // Every log line of a request, including those of its query task on the query
                    // runtime, carries this id; clients see it as X-Request-Id.
                    let id = REQUEST_IDS.fetch_add(1, Ordering::Relaxed);
                    let span = tracing::info_span!("request", id, method = %req.method(), path = %req.path());
                    let fut = {
                        let _entered = span.enter();
                        srv.call(req)
                    };
                    async move {
                        let mut res = fut.await?;
                        tracing::info!(status = res.status().as_u16(), "responded");
                        res.headers_mut()
                            .insert(HeaderName::from_static("x-request-id"), HeaderValue::from(id));
                        res.headers_mut().insert(
                            actix_web::http::header::SERVER,
                            HeaderValue::from_static(concat!("astrotap/", env!("CARGO_PKG_VERSION"))),
                        );
                        Ok::<_, actix_web::Error>(res)
                    }
                    .instrument(span)
                })
                .service(web::scope(&base).configure(routes::configure).configure(move |cfg| {
                    if let Some(routes) = &async_routes {
                        routes(cfg);
                    }
                    if let Some(extra) = &extra {
                        extra(cfg);
                    }
                }))
        })
        .on_connect(routes::peer::remember_socket)
        // Signals are the binary's business (`App::run_until`); actix's own handlers would stop
        // the server without cancelling the queries behind its open responses.
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .bind(&addrs[..])?;
        let addr = server
            .addrs()
            .first()
            .copied()
            .ok_or_else(|| TapError::Config(format!("listen address {listen} resolved to nothing")))?;
        let server = server.run();
        tracing::info!(%addr, "TAP service bound");
        Ok(App { server, addr, state, jobs })
    }

    /// The bound address (the real port when configured with port 0).
    pub fn bind_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The query engine (for the async job executor, and for tests that watch active queries).
    pub fn engine(&self) -> Arc<QueryEngine> {
        self.state.engine.clone()
    }

    /// The async job service, when `/async` is enabled.
    pub fn jobs(&self) -> Option<Arc<JobService>> {
        self.jobs.clone()
    }

    /// Serves until [`ServerHandle::stop`] (no signal handling: `serve` passes its signals to
    /// [`App::run_until`]).
    pub async fn run(self) -> Result<(), TapError> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `stop` resolves (for `serve`: SIGTERM or Ctrl-C), then shuts down within a
    /// bounded time: no new connections; running sync queries are cancelled, so their clients
    /// get the trailing error of a well-formed document; executing jobs are stopped and stay
    /// EXECUTING in the store for the restart logic (UWS recovery), as after a crash; responses
    /// still in flight get [`SHUTDOWN_GRACE`] to finish.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) -> Result<(), TapError> {
        let handle = self.server.handle();
        let mut server = self.server;
        let outcome = tokio::select! {
            outcome = &mut server => outcome,
            () = stop => {
                tracing::info!("shutting down: no new requests; cancelling running queries and jobs");
                self.state.engine.shutdown();
                if let Some(jobs) = &self.jobs {
                    jobs.shutdown();
                }
                // The server future handles the stop command: poll both.
                let ((), outcome) = tokio::join!(handle.stop(true), server);
                outcome
            }
        };
        if let Some(jobs) = &self.jobs {
            jobs.shutdown();
        }
        outcome?;
        Ok(())
    }
}
