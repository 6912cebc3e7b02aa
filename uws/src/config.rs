//! Limits and locations of the UWS service.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Configuration of a [`crate::JobService`].
#[derive(Debug, Clone)]
pub struct UwsConfig {
    /// Directory holding `jobs.sqlite` and `results/` (e.g. `<data dir>/uws`).
    pub root: PathBuf,
    /// Jobs executing at once; further jobs wait in QUEUED, in creation order.
    pub max_concurrent_jobs: usize,
    /// Longest a blocking `WAIT` may block, whatever the client asks (UWS 1.1 §2.2.1.2 lets the
    /// server cap it; an uncapped `WAIT=-1` outlives client socket timeouts).
    pub max_wait: Duration,
    /// executionDuration (s) given to jobs that do not ask; 0 = unlimited.
    pub default_execution_duration: u64,
    /// Largest executionDuration (s) a client may set; 0 = no cap (then 0 = unlimited is allowed).
    pub max_execution_duration: u64,
    /// Time from creation to destruction for jobs that do not ask.
    pub default_destruction: Duration,
    /// Furthest in the future a client may push destruction (from now).
    pub max_destruction: Duration,
    /// How often the reaper looks for jobs past their destruction time.
    pub reaper_interval: Duration,
    /// On restart, put jobs that were QUEUED or EXECUTING back in the queue instead of ERROR.
    pub requeue_on_restart: bool,
}

impl UwsConfig {
    /// Defaults: 2 concurrent jobs, WAIT capped at 60 s, 1 h execution (max 4 h), destruction after
    /// 7 days (max 30), reaper every 60 s, interrupted jobs become ERROR on restart.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            max_concurrent_jobs: 2,
            max_wait: Duration::from_secs(60),
            default_execution_duration: 3600,
            max_execution_duration: 4 * 3600,
            default_destruction: Duration::from_secs(7 * 86400),
            max_destruction: Duration::from_secs(30 * 86400),
            reaper_interval: Duration::from_secs(60),
            requeue_on_restart: false,
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.root.join("jobs.sqlite")
    }

    /// The directory holding one sub-directory of result files per job.
    pub fn results_dir(&self) -> PathBuf {
        self.root.join("results")
    }

    /// The result directory of one job.
    pub fn job_results_dir(&self, job_id: &str) -> PathBuf {
        self.results_dir().join(job_id)
    }

    /// The directory holding one sub-directory of uploaded files per job. Apart from the
    /// results, which a restart clears for a job it runs again; its uploads must survive that.
    pub fn uploads_dir(&self) -> PathBuf {
        self.root.join("uploads")
    }

    /// The uploaded files of one job.
    pub fn job_uploads_dir(&self, job_id: &str) -> PathBuf {
        self.uploads_dir().join(job_id)
    }

    /// Applies the execution-duration policy to a requested value.
    pub fn clamp_execution_duration(&self, requested: Option<u64>) -> u64 {
        let d = requested.unwrap_or(self.default_execution_duration);
        match self.max_execution_duration {
            0 => d,
            max if d == 0 || d > max => max,
            _ => d,
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_duration_policy() {
        let mut c = UwsConfig::new("/x");
        c.default_execution_duration = 600;
        c.max_execution_duration = 3600;
        assert_eq!(c.clamp_execution_duration(None), 600);
        assert_eq!(c.clamp_execution_duration(Some(10)), 10);
        assert_eq!(c.clamp_execution_duration(Some(7200)), 3600);
        assert_eq!(c.clamp_execution_duration(Some(0)), 3600, "unlimited is not allowed under a cap");
        c.max_execution_duration = 0;
        assert_eq!(c.clamp_execution_duration(Some(0)), 0);
        assert_eq!(c.clamp_execution_duration(Some(99999)), 99999);
    }
}
