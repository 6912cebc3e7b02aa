//! Admission control for `/sync`: at most `max_sync_queries` synchronous queries execute at once.
//!
//! A request over the limit waits up to `sync_queue_wait_ms` for a slot, then is refused with
//! [`TapError::Busy`] (HTTP 503 + `Retry-After`): a burst of expensive queries then slows the
//! service down for a moment instead of starving every query of CPU and memory. The slot is an
//! owned permit that the query task holds until it ends (finished, failed, cut, or its client
//! gone), so it is released exactly when the query stops using the engine. Async jobs have their
//! own queue (`[jobs] max_concurrent`) and never take a slot.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::TapError;

/// The slots of running synchronous queries.
#[derive(Debug)]
pub(super) struct SyncAdmission {
    slots: Arc<Semaphore>,
    limit: usize,
    wait: Duration,
}

/// One admitted query's slot; dropping it lets the next one in.
#[derive(Debug)]
pub(super) struct SyncSlot {
    _permit: OwnedSemaphorePermit,
}

impl SyncAdmission {
    /// `limit` slots (at least one) and how long a request may wait for one.
    pub(super) fn new(limit: usize, wait: Duration) -> Self {
        let limit = limit.max(1);
        SyncAdmission { slots: Arc::new(Semaphore::new(limit)), limit, wait }
    }

    /// A slot, or [`TapError::Busy`] when none frees up within the wait.
    pub(super) async fn admit(&self) -> Result<SyncSlot, TapError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(SyncSlot { _permit: permit }),
            // The semaphore is never closed; if it were, the engine is going away.
            Ok(Err(_closed)) => Err(TapError::Cancelled),
            Err(_elapsed) => {
                tracing::info!(limit = self.limit, "sync query refused: every slot busy");
                Err(TapError::Busy { limit: self.limit, retry_after_secs: self.retry_after_secs() })
            }
        }
    }

    /// Slots free right now.
    pub(super) fn available(&self) -> usize {
        self.slots.available_permits()
    }

    /// What `Retry-After` suggests: the wait itself (at least a second), the time scale on which
    /// slots were seen not to free up.
    fn retry_after_secs(&self) -> u64 {
        self.wait.as_millis().div_ceil(1000).max(1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_admission_refuses_then_admits_once_a_slot_is_freed() {
        let admission = SyncAdmission::new(1, Duration::from_millis(10));
        let first = admission.admit().await.expect("first slot");
        match admission.admit().await {
            Err(TapError::Busy { limit: 1, retry_after_secs: 1 }) => {}
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        assert!(admission.admit().await.is_ok(), "the freed slot is given out again");
    }
}
