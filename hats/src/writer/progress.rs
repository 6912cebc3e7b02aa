//! How far the writer has got, reported to whoever wants to show it. The storage crate draws
//! nothing itself: terminal progress bars live with the programs that own a terminal.

/// Receives the writer's progress through its passes, one pass at a time.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// A pass starts: `stage` names it (`counting`, `partitioning`, `writing`); `total` is its
    /// size in rows or partitions, when known.
    fn start(&self, stage: &'static str, total: Option<u64>);
    /// `n` more rows or partitions of the current pass are done.
    fn advance(&self, n: u64);
    /// The current pass is complete.
    fn finish(&self);
}

/// Reports nowhere: what the writer uses when no [`Progress`] is given.
#[derive(Debug)]
pub(super) struct Silent;

impl Progress for Silent {
    fn start(&self, _stage: &'static str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
