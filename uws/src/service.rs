//! The job service: creates jobs, runs them on a bounded pool, aborts, destroys, and lets
//! clients block until a job changes phase.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::UwsConfig;
use crate::error::{Result, UwsError};
use crate::executor::JobExecutor;
use crate::id::JobId;
use crate::job::{ErrorSummary, Job, JobFilter, JobRef, JobUpload, NewJob, Parameters, ResultInfo};
use crate::phase::ExecutionPhase;
use crate::sink::{valid_result_id, ResultSink};
use crate::store::{JobStore, PhaseUpdate};
use crate::time::{to_micros, Timestamp};

/// Jobs waiting for a slot and jobs holding one.
#[derive(Default)]
struct Scheduler {
    /// QUEUED jobs keyed by creation time (µs, unique): "first created, first run".
    queue: BTreeMap<i64, JobId>,
    /// EXECUTING jobs and the token that stops them.
    running: HashMap<JobId, CancellationToken>,
}

/// The UWS job service. Create with [`JobService::open`] inside a Tokio runtime.
pub struct JobService {
    pub(crate) store: JobStore,
    pub(crate) config: UwsConfig,
    executor: Arc<dyn JobExecutor>,
    sched: Mutex<Scheduler>,
    /// One watch channel per job somebody is WAITing on, carrying its current phase.
    watchers: Mutex<HashMap<JobId, watch::Sender<ExecutionPhase>>>,
    shutdown: CancellationToken,
    /// The runtime `open` was called on: jobs run there, not on whatever runtime (e.g. an HTTP
    /// worker's single-threaded one) happened to call `run`.
    runtime: tokio::runtime::Handle,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

enum Outcome {
    /// The executor returned; on success, every result it finished (the returned one first).
    Finished(std::result::Result<Vec<ResultInfo>, ErrorSummary>),
    Cancelled,
    TimedOut,
}

impl JobService {
    /// Opens the store under `config.root`, recovers jobs interrupted by a previous shutdown or
    /// crash, starts the destruction reaper and any re-queued jobs.
    ///
    /// Must be called from within a Tokio runtime; jobs and the reaper run on that runtime.
    pub fn open(config: UwsConfig, executor: Arc<dyn JobExecutor>) -> Result<Arc<Self>> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| UwsError::Io(std::io::Error::other(format!("JobService::open needs a Tokio runtime: {e}"))))?;
        std::fs::create_dir_all(config.results_dir())?;
        let store = JobStore::open(&config.database_path())?;
        let requeued = crate::recovery::recover(&store, &config)?;
        let svc = Arc::new(Self {
            store,
            config,
            executor,
            sched: Mutex::default(),
            watchers: Mutex::default(),
            shutdown: CancellationToken::new(),
            runtime,
        });
        {
            let mut s = lock(&svc.sched);
            for job in &requeued {
                s.queue.insert(to_micros(&job.creation_time), job.id.clone());
            }
        }
        crate::reaper::spawn(&svc);
        svc.dispatch();
        tracing::info!(root = %svc.config.root().display(), requeued = requeued.len(), "uws job service open");
        Ok(svc)
    }

    /// The configuration in force.
    pub fn config(&self) -> &UwsConfig {
        &self.config
    }

    /// Creates a PENDING job.
    pub fn create(&self, new: NewJob) -> Result<Job> {
        let now = self.store.next_creation_time()?;
        let job = Job {
            id: JobId::random()?,
            run_id: new.run_id,
            owner_id: new.owner_id,
            phase: ExecutionPhase::Pending,
            quote: None,
            creation_time: now,
            start_time: None,
            end_time: None,
            execution_duration: self.config.clamp_execution_duration(new.execution_duration),
            destruction: Some(self.clamp_destruction(new.destruction.unwrap_or(now + self.config.default_destruction))),
            parameters: new.parameters,
            results: Vec::new(),
            error_summary: None,
        };
        check_upload_names(&new.uploads)?;
        self.store.insert(&job)?;
        if let Err(e) = self.store_uploads(&job.id, &new.uploads) {
            // A job without the files its parameters name would only fail later, and obscurely.
            let _ = self.delete(&job.id);
            return Err(e);
        }
        tracing::debug!(job = %job.id, "uws job created");
        Ok(job)
    }

    /// The job, as stored.
    pub fn get(&self, id: &JobId) -> Result<Job> {
        self.store.get(id)
    }

    /// The job list after filters, newest first.
    pub fn list(&self, filter: &JobFilter) -> Result<Vec<JobRef>> {
        self.store.list(filter)
    }

    /// PHASE=RUN (UWS 1.1 §2.2.3.5): PENDING/HELD -> QUEUED, then EXECUTING when a slot frees.
    /// Running a job that is already queued or executing changes nothing.
    pub fn run(self: &Arc<Self>, id: &JobId) -> Result<ExecutionPhase> {
        let job = self.store.get(id)?;
        match job.phase {
            ExecutionPhase::Queued | ExecutionPhase::Executing | ExecutionPhase::Suspended => return Ok(job.phase),
            _ => {}
        }
        let update = PhaseUpdate {
            only_from: Some(vec![ExecutionPhase::Pending, ExecutionPhase::Held]),
            ..Default::default()
        };
        if let Err(e) = self.set_phase(id, ExecutionPhase::Queued, update) {
            // Another RUN may have won the race: that is the same outcome.
            let now = self.store.get(id)?.phase;
            return match now {
                ExecutionPhase::Queued | ExecutionPhase::Executing => Ok(now),
                _ => Err(e),
            };
        }
        lock(&self.sched).queue.insert(to_micros(&job.creation_time), id.clone());
        self.dispatch();
        Ok(self.store.get(id)?.phase)
    }

    /// PHASE=ABORT (UWS 1.1 §2.2.3.6). Aborting an ABORTED job changes nothing; aborting a
    /// COMPLETED or ERROR job is an illegal transition.
    pub fn abort(&self, id: &JobId) -> Result<()> {
        let job = self.store.get(id)?;
        if job.phase == ExecutionPhase::Aborted {
            return Ok(());
        }
        let token = {
            let mut s = lock(&self.sched);
            s.queue.retain(|_, q| q != id);
            s.running.get(id).cloned()
        };
        // The phase is written before the executor is told, so its completion (if it races us)
        // finds ABORTED and cannot overwrite it.
        self.set_phase(id, ExecutionPhase::Aborted, PhaseUpdate { end_time: Some(Utc::now()), ..Default::default() })?;
        if let Some(t) = token {
            t.cancel();
        }
        tracing::info!(job = %id, "uws job aborted");
        Ok(())
    }

    /// Destroys a job (DELETE, ACTION=DELETE, or destruction time reached; UWS 1.1 §2.1.5):
    /// stops it, forgets it and deletes its results.
    pub fn delete(&self, id: &JobId) -> Result<()> {
        let token = {
            let mut s = lock(&self.sched);
            s.queue.retain(|_, q| q != id);
            s.running.get(id).cloned()
        };
        if !self.store.delete(id)? {
            return Err(UwsError::NotFound(id.to_string()));
        }
        if let Some(t) = token {
            t.cancel();
        }
        // Dropping the sender wakes every WAIT on this job; they then find it gone.
        lock(&self.watchers).remove(id);
        self.remove_files(id);
        tracing::info!(job = %id, "uws job destroyed");
        Ok(())
    }

    /// Adds (or replaces) uploaded files of a PENDING job, as a parameter update may bring them.
    pub fn attach_uploads(&self, id: &JobId, uploads: &[JobUpload]) -> Result<()> {
        let job = self.store.get(id)?;
        if job.phase != ExecutionPhase::Pending {
            return Err(UwsError::NotAllowedInPhase { what: "uploading files".into(), phase: job.phase });
        }
        check_upload_names(uploads)?;
        self.store_uploads(id, uploads)
    }

    /// A destroyed job's results and uploads.
    fn remove_files(&self, id: &JobId) {
        remove_dir(&self.config.job_results_dir(id.as_str()));
        remove_dir(&self.config.job_uploads_dir(id.as_str()));
    }

    fn store_uploads(&self, id: &JobId, uploads: &[JobUpload]) -> Result<()> {
        if uploads.is_empty() {
            return Ok(());
        }
        let dir = self.config.job_uploads_dir(id.as_str());
        std::fs::create_dir_all(&dir)?;
        for upload in uploads {
            std::fs::write(dir.join(&upload.name), &upload.data)?;
        }
        Ok(())
    }

    /// Replaces the named parameters (only while PENDING). Names are case-insensitive.
    pub fn update_parameters(&self, id: &JobId, changes: &Parameters) -> Result<Job> {
        let mut job = self.store.get(id)?;
        if job.phase != ExecutionPhase::Pending {
            return Err(UwsError::NotAllowedInPhase { what: "changing parameters".into(), phase: job.phase });
        }
        for p in changes.iter() {
            job.parameters.set(&p.name, p.value.clone());
        }
        // RUNID is both a parameter and the job's runId (UWS 1.1 §2.1.2): keep them in step.
        if let Some(run_id) = changes.get("runid") {
            job.run_id = Some(run_id.to_owned());
        }
        self.store.set_parameters(id, &job.parameters, job.run_id.as_deref())?;
        Ok(job)
    }

    /// Sets executionDuration (seconds, 0 = unlimited) subject to the configured cap; returns
    /// the value actually set (UWS 1.1 §2.2.3.4 lets the service substitute its own).
    pub fn set_execution_duration(&self, id: &JobId, seconds: u64) -> Result<u64> {
        let d = self.config.clamp_execution_duration(Some(seconds));
        self.store.set_execution_duration(id, d)?;
        Ok(d)
    }

    /// Sets the destruction time, no later than now + the configured maximum; returns the value
    /// actually set (UWS 1.1 §2.2.3.3).
    pub fn set_destruction(&self, id: &JobId, at: Timestamp) -> Result<Timestamp> {
        let t = self.clamp_destruction(at);
        self.store.set_destruction(id, Some(t))?;
        Ok(t)
    }

    fn clamp_destruction(&self, at: Timestamp) -> Timestamp {
        // The store keeps microseconds: truncate here so the value returned is the value kept.
        at.min(Utc::now() + self.config.max_destruction).trunc_subsecs(6)
    }

    /// The file and description of result `result_id` of a COMPLETED job.
    pub fn result_file(&self, id: &JobId, result_id: &str) -> Result<(PathBuf, ResultInfo)> {
        let job = self.store.get(id)?;
        let info = job
            .results
            .into_iter()
            .find(|r| r.id == result_id)
            .ok_or_else(|| UwsError::NotFound(format!("{id}/results/{result_id}")))?;
        Ok((self.config.job_results_dir(id.as_str()).join(&info.id), info))
    }

    /// Blocks until the job leaves its current phase, at most `timeout` (`None` = as long as
    /// allowed), never more than the configured `max_wait` (UWS 1.1 §2.2.1.2). Returns at once
    /// if the job is not in an active phase, or if `phase_guard` is given and differs from the
    /// job's phase. Woken by the phase change itself (watch channel), not by polling.
    pub async fn wait(&self, id: &JobId, timeout: Option<Duration>, phase_guard: Option<ExecutionPhase>) -> Result<Job> {
        let limit = timeout.map_or(self.config.max_wait, |t| t.min(self.config.max_wait));
        let mut rx = {
            let mut w = lock(&self.watchers);
            // Read under the watchers lock: a phase change writes the store first and then
            // takes this lock to publish, so the channel can never start out stale.
            let job = self.store.get(id)?;
            if !job.phase.is_active() || phase_guard.is_some_and(|g| g != job.phase) || limit.is_zero() {
                return Ok(job);
            }
            match w.get(id) {
                Some(tx) => tx.subscribe(),
                None => {
                    let (tx, rx) = watch::channel(job.phase);
                    w.insert(id.clone(), tx);
                    rx
                }
            }
        };
        let start_phase = *rx.borrow_and_update();
        let _ = tokio::time::timeout(limit, rx.wait_for(|p| *p != start_phase)).await;
        self.store.get(id)
    }

    /// Stops the reaper and every executing job (they stay EXECUTING in the store and are
    /// recovered on next open, exactly as after a crash).
    pub fn shutdown(&self) {
        self.shutdown.cancel();
        let s = lock(&self.sched);
        for t in s.running.values() {
            t.cancel();
        }
    }

    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// Number of jobs executing now.
    pub fn executing_count(&self) -> usize {
        lock(&self.sched).running.len()
    }

    /// Writes a phase change and publishes it to waiters.
    fn set_phase(&self, id: &JobId, to: ExecutionPhase, update: PhaseUpdate) -> Result<ExecutionPhase> {
        let from = self.store.transition(id, to, update)?;
        let mut w = lock(&self.watchers);
        if let Some(tx) = w.get(id) {
            tx.send_replace(to);
            if !to.is_active() {
                // Nobody can block on a non-active job any more; waiters already hold the value.
                w.remove(id);
            }
        }
        tracing::debug!(job = %id, %from, %to, "uws phase change");
        Ok(from)
    }

    /// Starts queued jobs while slots are free.
    fn dispatch(self: &Arc<Self>) {
        if self.shutdown.is_cancelled() {
            return;
        }
        loop {
            let (id, token) = {
                let mut s = lock(&self.sched);
                if s.running.len() >= self.config.max_concurrent_jobs.max(1) {
                    return;
                }
                let Some((_, id)) = s.queue.pop_first() else { return };
                let token = self.shutdown.child_token();
                s.running.insert(id.clone(), token.clone());
                (id, token)
            };
            let update = PhaseUpdate {
                start_time: Some(Utc::now()),
                only_from: Some(vec![ExecutionPhase::Queued]),
                ..Default::default()
            };
            match self.set_phase(&id, ExecutionPhase::Executing, update) {
                Ok(_) => {
                    let svc = Arc::clone(self);
                    self.runtime.spawn(async move { svc.execute(id, token).await });
                }
                Err(e) => {
                    tracing::debug!(job = %id, error = %e, "queued job no longer runnable");
                    lock(&self.sched).running.remove(&id);
                }
            }
        }
    }

    async fn execute(self: Arc<Self>, id: JobId, token: CancellationToken) {
        let outcome = match self.store.get(&id) {
            Ok(job) => self.run_executor(job, token.clone()).await,
            // The store failing is the service's trouble, not the job's.
            Err(e) => Outcome::Finished(Err(ErrorSummary::transient(format!("job could not be loaded: {e}")))),
        };
        let now = Utc::now();
        let result = match outcome {
            Outcome::Finished(Ok(results)) => {
                self.set_phase(
                    &id,
                    ExecutionPhase::Completed,
                    PhaseUpdate { end_time: Some(now), results: Some(results), only_from: Some(vec![ExecutionPhase::Executing]), ..Default::default() },
                )
            }
            Outcome::Finished(Err(summary)) => self.set_phase(
                &id,
                ExecutionPhase::Error,
                PhaseUpdate { end_time: Some(now), error: Some(summary), ..Default::default() },
            ),
            Outcome::TimedOut => {
                let d = self.store.get(&id).map(|j| j.execution_duration).unwrap_or_default();
                let message = format!(
                    "Job stopped: its execution duration of {d} s was exceeded (UWS executionDuration). \
                     Resubmit with a larger EXECUTIONDURATION (at most {} s) or a more selective query.",
                    self.config.max_execution_duration
                );
                self.set_phase(
                    &id,
                    ExecutionPhase::Error,
                    PhaseUpdate { end_time: Some(now), error: Some(ErrorSummary::transient(message)), ..Default::default() },
                )
            }
            // Whoever cancelled (abort, delete, shutdown) has already decided the phase.
            Outcome::Cancelled => Ok(ExecutionPhase::Executing),
        };
        if let Err(e) = result {
            tracing::debug!(job = %id, error = %e, "job finished after it was aborted or destroyed");
        }
        lock(&self.sched).running.remove(&id);
        if !self.store.exists(&id).unwrap_or(true) {
            // Destroyed while executing: files written after the delete must go too.
            self.remove_files(&id);
        }
        self.dispatch();
    }

    async fn run_executor(&self, job: Job, token: CancellationToken) -> Outcome {
        let sink = ResultSink::new(
            self.config.job_results_dir(job.id.as_str()),
            self.config.job_uploads_dir(job.id.as_str()),
        );
        let finished = sink.clone();
        let duration = job.execution_duration;
        let executor = Arc::clone(&self.executor);
        let exec_token = token.clone();
        // A separate task, so a panicking executor becomes a job ERROR instead of a lost slot.
        let mut handle = self.runtime.spawn(async move { executor.execute(&job, sink, exec_token).await });
        let deadline = async {
            if duration == 0 {
                std::future::pending::<()>().await
            } else {
                tokio::time::sleep(Duration::from_secs(duration)).await
            }
        };
        tokio::select! {
            joined = &mut handle => match joined {
                Ok(Ok(main)) => {
                    let others = finished.finished().into_iter().filter(|r| r.id != main.id);
                    let results = std::iter::once(main.clone()).chain(others).collect();
                    Outcome::Finished(Ok(results))
                }
                Ok(Err(summary)) => Outcome::Finished(Err(summary)),
                // A panic is a bug: running the job again would hit it again.
                Err(e) => Outcome::Finished(Err(ErrorSummary::fatal(format!("internal error: the job executor failed ({e})")))),
            },
            _ = token.cancelled() => {
                handle.abort();
                Outcome::Cancelled
            }
            _ = deadline => {
                token.cancel();
                handle.abort();
                Outcome::TimedOut
            }
        }
    }
}

impl Drop for JobService {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Upload names become file names: the rule of result ids keeps them inside the job's folder.
fn check_upload_names(uploads: &[JobUpload]) -> Result<()> {
    match uploads.iter().find(|u| !valid_result_id(&u.name)) {
        Some(bad) => Err(UwsError::BadValue(format!(
            "uploaded file name '{}' must have 1 to 64 letters, digits, '.', '_' or '-' and not start with '.'",
            bad.name
        ))),
        None => Ok(()),
    }
}

pub(crate) fn remove_dir(dir: &std::path::Path) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not remove job results"),
    }
}
