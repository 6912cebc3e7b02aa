//! The query runtime: DataFusion runs on its own multi-threaded tokio runtime so that a heavy scan
//! never stalls the actix workers that serve /availability and friends (the feldera adhoc pattern).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

use super::thread_cpu::ThreadSet;
use crate::error::TapError;

/// Stack of every query thread. Planning recurses over the AST, at most `max_query_depth`
/// levels deep (checked before parsing); the service test runs a query at the default limit
/// through the whole pipeline in a debug build, whose frames are several times larger than a
/// release build's. Untouched stack pages cost no memory.
pub const QUERY_THREAD_STACK_BYTES: usize = 64 << 20;

/// Owns the tokio runtime queries run on.
#[derive(Debug)]
pub struct QueryRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
    active: Arc<AtomicUsize>,
    threads: usize,
    started: ThreadSet,
}

impl QueryRuntime {
    /// Starts a runtime with `threads` workers (0 = available parallelism).
    pub fn new(threads: usize) -> Result<Self, TapError> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        } else {
            threads
        };
        let started = ThreadSet::default();
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("astrotap-query")
            .thread_stack_size(QUERY_THREAD_STACK_BYTES)
            .on_thread_start({
                let started = started.clone();
                move || started.register_current()
            })
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        Ok(QueryRuntime { runtime: Some(runtime), handle, active: Arc::new(AtomicUsize::new(0)), threads, started })
    }

    /// Number of worker threads (what DataFusion should partition a query into).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs a query task; it counts as active until it ends (or is dropped by cancellation).
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let guard = ActiveGuard::new(self.active.clone());
        self.handle.spawn(async move {
            let _guard = guard;
            task.await
        })
    }

    /// Number of query tasks currently running. A cancelled query (client gone) stops counting
    /// once DataFusion's stream has been dropped, which is what tests check.
    pub fn active_tasks(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// CPU time used so far by each live thread of this runtime, by thread id (Linux; empty
    /// elsewhere). Differences between two readings show whether queries are still computing.
    pub fn thread_cpu_times(&self) -> BTreeMap<u32, Duration> {
        self.started.cpu_times()
    }

    /// Handle to the runtime (e.g. for the async job executor).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for QueryRuntime {
    fn drop(&mut self) {
        // Dropping a Runtime from inside another runtime's async context panics; shutting it down
        // in the background is always allowed and lets running tasks be dropped (cancelled).
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

struct ActiveGuard(Arc<AtomicUsize>);

impl ActiveGuard {
    fn new(counter: Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        ActiveGuard(counter)
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
