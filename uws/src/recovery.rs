//! What happens to jobs a previous process left behind (a crash or a shutdown).
//!
//! A job that was QUEUED or EXECUTING cannot simply continue: its executor is gone and any
//! partial output is untrustworthy. It becomes ERROR with a message saying so (never silently
//! lost, never shown as COMPLETED), or goes back to the queue if configured. COMPLETED jobs keep
//! their results; half-written `.part` files and directories of forgotten jobs are removed.

use chrono::Utc;

use crate::config::UwsConfig;
use crate::error::Result;
use crate::id::JobId;
use crate::job::{ErrorSummary, Job};
use crate::phase::ExecutionPhase;
use crate::service::remove_dir;
use crate::sink::PART_SUFFIX;
use crate::store::{JobStore, PhaseUpdate};

/// Recovers interrupted jobs; returns those put back in the queue (oldest first).
pub(crate) fn recover(store: &JobStore, config: &UwsConfig) -> Result<Vec<Job>> {
    let interrupted =
        store.ids_in_phases(&[ExecutionPhase::Queued, ExecutionPhase::Executing, ExecutionPhase::Suspended])?;
    let mut requeued = Vec::new();
    for id in interrupted {
        let job = store.get(&id)?;
        remove_dir(&config.job_results_dir(id.as_str()));
        if config.requeue_on_restart {
            store.requeue_after_restart(&id)?;
            requeued.push(store.get(&id)?);
            tracing::info!(job = %id, was = %job.phase, "uws job re-queued after restart");
        } else {
            let message = format!(
                "The service restarted while this job was {}; it did not complete and produced no \
                 results. Please submit it again.",
                job.phase
            );
            store.transition(
                &id,
                ExecutionPhase::Error,
                PhaseUpdate {
                    end_time: Some(Utc::now()),
                    error: Some(ErrorSummary::transient(message)),
                    ..Default::default()
                },
            )?;
            tracing::warn!(job = %id, was = %job.phase, "uws job interrupted by restart set to ERROR");
        }
    }
    sweep_results(store, config)?;
    sweep_uploads(store, config)?;
    Ok(requeued)
}

/// Uploads of jobs the store no longer knows (destroyed while the process was stopping).
fn sweep_uploads(store: &JobStore, config: &UwsConfig) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(config.uploads_dir()) else { return Ok(()) };
    for entry in entries.flatten() {
        let known = match entry.file_name().to_str().map(JobId::parse) {
            Some(Ok(id)) => store.exists(&id)?,
            _ => false,
        };
        if !known {
            remove_dir(&entry.path());
        }
    }
    Ok(())
}

fn sweep_results(store: &JobStore, config: &UwsConfig) -> Result<()> {
    let dir = config.results_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let known = match name.to_str().map(JobId::parse) {
            Some(Ok(id)) => store.exists(&id)?,
            _ => false,
        };
        if !known {
            if path.is_dir() {
                remove_dir(&path);
            } else {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        if let Ok(files) = std::fs::read_dir(&path) {
            for f in files.flatten() {
                if f.file_name().to_str().is_some_and(|n| n.ends_with(PART_SUFFIX)) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
    Ok(())
}
