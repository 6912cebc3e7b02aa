//! The writer's progress as terminal progress bars on stderr, one bar per pass.

use std::sync::{Arc, Mutex, PoisonError};

use hats::writer::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Draws each writer pass as a progress bar (a bar without a length when the pass size is unknown).
#[derive(Debug, Default)]
pub struct ProgressBars {
    current: Mutex<Option<ProgressBar>>,
}

impl ProgressBars {
    /// A fresh set of bars, ready for `WriteOptions::progress`.
    pub fn shared() -> Arc<dyn Progress> {
        Arc::new(ProgressBars::default())
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // A panic elsewhere while the lock was held leaves nothing inconsistent in a progress bar.
        f(&mut self.current.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

impl Progress for ProgressBars {
    fn start(&self, stage: &'static str, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        if let Ok(style) = ProgressStyle::with_template("{prefix:>12} [{bar:40}] {human_pos}/{human_len} {per_sec} eta {eta}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(stage);
        self.with_bar(|current| *current = Some(bar));
    }

    fn advance(&self, n: u64) {
        self.with_bar(|current| current.iter().for_each(|bar| bar.inc(n)));
    }

    fn finish(&self) {
        self.with_bar(|current| current.take().iter().for_each(ProgressBar::finish_and_clear));
    }
}
