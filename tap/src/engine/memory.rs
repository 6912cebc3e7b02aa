//! Query memory: one pool for the whole service that is fair between queries, and a per-query
//! cap in front of it.
//!
//! The shared pool is DataFusion's [`FairSpillPool`] (`query_memory_limit_mb`): operators that can
//! spill (sorts, aggregates) each get an equal share of what the non-spilling ones leave, so one
//! big sort cannot take everything and make a neighbour fail; past its share it spills to disk.
//! [`TrackConsumersPool`] around it names the largest consumers when the pool says no.
//!
//! DataFusion has no per-query pool, so each query gets a [`QueryMemoryPool`]: it counts that
//! query's reservations and refuses past `query_memory_per_query_mb` before asking the shared
//! pool. A sort refused there spills like at the shared limit; an operator that cannot spill
//! fails its query with a message naming the per-query key.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::memory_pool::{
    FairSpillPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, TrackConsumersPool,
    UnboundedMemoryPool,
};

use crate::error::PER_QUERY_MEMORY_KEY;

/// Consumers named in an out-of-memory message (for the log; the client sees the limit).
const TOP_CONSUMERS: usize = 5;

/// The pool every query draws from: fair and bounded at `total_bytes`, or unbounded at 0.
pub(super) fn shared_pool(total_bytes: usize) -> Arc<dyn MemoryPool> {
    match (total_bytes, NonZeroUsize::new(TOP_CONSUMERS)) {
        (0, _) => Arc::new(UnboundedMemoryPool::default()),
        (bytes, Some(top)) => Arc::new(TrackConsumersPool::new(FairSpillPool::new(bytes), top)),
        (bytes, None) => Arc::new(FairSpillPool::new(bytes)),
    }
}

/// The per-query limit in bytes that is worth enforcing: `None` when it is 0 or would never be
/// reached before the shared limit (so the shared limit's message is the right one).
pub(super) fn per_query_limit(per_query_bytes: usize, total_bytes: usize) -> Option<usize> {
    (per_query_bytes > 0 && (total_bytes == 0 || per_query_bytes < total_bytes)).then_some(per_query_bytes)
}

/// One query's view of the shared pool, refusing past `limit` bytes held by this query.
#[derive(Debug)]
pub(super) struct QueryMemoryPool {
    shared: Arc<dyn MemoryPool>,
    limit: usize,
    used: AtomicUsize,
}

impl QueryMemoryPool {
    pub(super) fn new(shared: Arc<dyn MemoryPool>, limit: usize) -> Self {
        QueryMemoryPool { shared, limit, used: AtomicUsize::new(0) }
    }
}

impl fmt::Display for QueryMemoryPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "per-query({} of {} bytes, in {})", self.used.load(Ordering::Relaxed), self.limit, self.shared)
    }
}

impl MemoryPool for QueryMemoryPool {
    fn name(&self) -> &str {
        "astrotap-per-query"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.shared.register(consumer);
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.shared.unregister(consumer);
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.shared.grow(reservation, additional);
        self.used.fetch_add(additional, Ordering::Relaxed);
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.shared.shrink(reservation, shrink);
        self.used.fetch_sub(shrink, Ordering::Relaxed);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> DfResult<()> {
        // Claim first, then check: two operators of the same query growing at once cannot both
        // slip under the limit.
        let before = self.used.fetch_add(additional, Ordering::Relaxed);
        if before.saturating_add(additional) > self.limit {
            self.used.fetch_sub(additional, Ordering::Relaxed);
            return Err(DataFusionError::ResourcesExhausted(format!(
                "per-query memory limit ({PER_QUERY_MEMORY_KEY} = {} bytes) reached: {} more for {} \
                 with {} already held by this query",
                self.limit,
                additional,
                reservation.consumer().name(),
                before
            )));
        }
        if let Err(e) = self.shared.try_grow(reservation, additional) {
            self.used.fetch_sub(additional, Ordering::Relaxed);
            return Err(e);
        }
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn memory_limit(&self) -> MemoryLimit {
        MemoryLimit::Finite(self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_refused_past_its_own_limit_and_the_refusal_names_the_key() {
        let shared = shared_pool(10 << 20);
        let query: Arc<dyn MemoryPool> = Arc::new(QueryMemoryPool::new(shared.clone(), 1 << 20));
        let r = MemoryConsumer::new("sort").with_can_spill(true).register(&query);
        assert!(r.try_grow(1 << 19).is_ok());
        let err = match r.try_grow(1 << 20) {
            Err(e) => e,
            Ok(()) => panic!("1.5 MiB passed a 1 MiB per-query limit"),
        };
        assert!(err.to_string().contains(PER_QUERY_MEMORY_KEY), "{err}");
        assert_eq!(query.reserved(), 1 << 19);
        assert_eq!(shared.reserved(), 1 << 19, "the shared pool holds what the query holds");
        drop(r);
        assert_eq!((query.reserved(), shared.reserved()), (0, 0));
    }

    #[test]
    fn the_per_query_limit_only_applies_below_the_total() {
        assert_eq!(per_query_limit(0, 100), None);
        assert_eq!(per_query_limit(100, 100), None);
        assert_eq!(per_query_limit(50, 100), Some(50));
        assert_eq!(per_query_limit(50, 0), Some(50));
    }
}
