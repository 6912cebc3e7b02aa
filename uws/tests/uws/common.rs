//! A scriptable executor and helpers shared by the test modules.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uws::{async_trait, CancellationToken, ErrorSummary, ExecutionPhase, Job, JobExecutor, JobId, JobService, NewJob, Parameters, ResultInfo, ResultSink, UwsConfig};

/// Behaviour is chosen per job by its `mode` parameter:
/// `ok` writes `payload` as result `result`; `fail` returns a fatal error, `retry` a transient one;
/// `sleep:MS` sleeps (honouring cancellation); `stubborn:MS` sleeps ignoring cancellation; `gate` waits for [`TestExecutor::open_gate`];
/// `partial` writes half a result then hangs.
pub struct TestExecutor {
    pub started: Mutex<Vec<String>>,
    pub running: AtomicUsize,
    pub max_running: AtomicUsize,
    pub finished_at: Mutex<HashMap<String, Instant>>,
    pub cancelled: Mutex<Vec<String>>,
    pub ignore_mode: AtomicBool,
    gate: tokio::sync::Semaphore,
}

impl TestExecutor {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Mutex::default(),
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
            finished_at: Mutex::default(),
            cancelled: Mutex::default(),
            ignore_mode: AtomicBool::new(false),
            gate: tokio::sync::Semaphore::new(0),
        })
    }

    /// Lets one `gate` job through (now or whenever it gets there).
    pub fn open_gate(&self) {
        self.gate.add_permits(1);
    }

    pub fn finished_at(&self, id: &JobId) -> Option<Instant> {
        self.finished_at.lock().unwrap().get(id.as_str()).copied()
    }
}

struct RunningGuard<'a>(&'a AtomicUsize);
impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl JobExecutor for TestExecutor {
    async fn execute(&self, job: &Job, out: ResultSink, cancel: CancellationToken) -> Result<ResultInfo, ErrorSummary> {
        let label = job.run_id.clone().unwrap_or_else(|| job.id.to_string());
        self.started.lock().unwrap().push(label.clone());
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        let _guard = RunningGuard(&self.running);
        let mode = match self.ignore_mode.load(Ordering::SeqCst) {
            true => "ok".to_owned(),
            false => job.parameters.get("mode").unwrap_or("ok").to_owned(),
        };
        let (kind, ms) = match mode.split_once(':') {
            Some((k, v)) => (k.to_owned(), v.parse::<u64>().unwrap_or(0)),
            None => (mode.clone(), 0),
        };
        match kind.as_str() {
            "fail" => return Err(ErrorSummary::fatal(format!("boom in {label}"))),
            "retry" => return Err(ErrorSummary::transient(format!("short of memory in {label}"))),
            "sleep" => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                    _ = cancel.cancelled() => {
                        self.cancelled.lock().unwrap().push(label);
                        return Err(ErrorSummary::fatal("cancelled"));
                    }
                }
            }
            // Ignores `cancel`: the runner must stop it anyway.
            "stubborn" => tokio::time::sleep(Duration::from_millis(ms)).await,
            "gate" => self.gate.acquire().await.map_err(ErrorSummary::fatal)?.forget(),
            "partial" => {
                let mut f = out.create("result", "text/plain").map_err(ErrorSummary::fatal)?;
                f.write_all(b"half a result").map_err(ErrorSummary::fatal)?;
                f.flush().map_err(ErrorSummary::fatal)?;
                std::future::pending::<()>().await;
            }
            _ => {}
        }
        let mut f = out.create("result", "text/plain").map_err(ErrorSummary::fatal)?;
        // `payload-from=<name>`: the result is the job's uploaded file of that name.
        let payload = match job.parameters.get("payload-from") {
            Some(name) => match out.upload(name) {
                Some(path) => std::fs::read_to_string(path).map_err(ErrorSummary::fatal)?,
                None => return Err(ErrorSummary::fatal(format!("no upload named {name}"))),
            },
            None => job.parameters.get("payload").unwrap_or("").to_owned(),
        };
        f.write_all(payload.as_bytes()).map_err(ErrorSummary::fatal)?;
        let info = f.finish().map_err(ErrorSummary::fatal)?;
        self.finished_at.lock().unwrap().insert(job.id.to_string(), Instant::now());
        Ok(info)
    }
}

pub fn config(root: &Path) -> UwsConfig {
    let mut c = UwsConfig::new(root);
    c.max_concurrent_jobs = 2;
    c.max_wait = Duration::from_secs(30);
    c.reaper_interval = Duration::from_millis(100);
    c
}

pub fn open(cfg: UwsConfig, exec: &Arc<TestExecutor>) -> Arc<JobService> {
    JobService::open(cfg, exec.clone() as Arc<dyn JobExecutor>).unwrap()
}

pub fn new_job(run_id: &str, mode: &str) -> NewJob {
    NewJob {
        run_id: Some(run_id.into()),
        parameters: Parameters::from_pairs([("MODE", mode.to_owned()), ("Payload", format!("hello from {run_id}"))]),
        ..Default::default()
    }
}

/// Blocks (through WAIT itself) until the job is no longer active or `limit` passes.
pub async fn settle(svc: &JobService, id: &JobId, limit: Duration) -> Job {
    let deadline = Instant::now() + limit;
    loop {
        let job = svc.wait(id, Some(deadline.saturating_duration_since(Instant::now())), None).await.unwrap();
        if !job.phase.is_active() || Instant::now() >= deadline {
            return job;
        }
    }
}

/// Blocks until the job reaches `phase` (or `limit` passes); returns the job.
pub async fn reach(svc: &JobService, id: &JobId, phase: ExecutionPhase, limit: Duration) -> Job {
    let deadline = Instant::now() + limit;
    loop {
        let job = svc.get(id).unwrap();
        if job.phase == phase || !job.phase.is_active() || Instant::now() >= deadline {
            return job;
        }
        svc.wait(id, Some(deadline.saturating_duration_since(Instant::now())), Some(job.phase)).await.unwrap();
    }
}
