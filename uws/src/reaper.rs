//! Destruction-time enforcement (UWS 1.1 §2.1.5): jobs past their destruction time are stopped,
//! forgotten and their results deleted.

use std::sync::Arc;

use chrono::Utc;

use crate::error::{Result, UwsError};
use crate::service::JobService;

/// Starts the periodic reaper. It holds only a weak reference, so dropping the service ends it.
pub(crate) fn spawn(svc: &Arc<JobService>) {
    let weak = Arc::downgrade(svc);
    let stop = svc.shutdown_token().clone();
    let every = svc.config.reaper_interval;
    svc.runtime().spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
            let Some(svc) = weak.upgrade() else { break };
            if let Err(e) = svc.reap_now() {
                tracing::warn!(error = %e, "uws reaper failed");
            }
        }
    });
}

impl JobService {
    /// Destroys every job whose destruction time has passed; returns how many.
    pub fn reap_now(&self) -> Result<usize> {
        let due = self.store.due_for_destruction(&Utc::now())?;
        let mut n = 0;
        for id in due {
            match self.delete(&id) {
                Ok(()) => n += 1,
                // Deleted by a client in the meantime.
                Err(UwsError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if n > 0 {
            tracing::info!(destroyed = n, "uws reaper");
        }
        Ok(n)
    }
}
