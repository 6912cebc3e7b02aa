//! CPU time of the query runtime's own threads, read from `/proc` (Linux), so an operator or a
//! test can see whether stopped queries really stopped computing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `sysconf(_SC_CLK_TCK)` on every Linux configuration we know of.
const TICKS_PER_SECOND: u64 = 100;

/// The threads a runtime started, by kernel thread id.
#[derive(Debug, Clone, Default)]
pub(super) struct ThreadSet(Arc<Mutex<Vec<u32>>>);

impl ThreadSet {
    /// Records the calling thread (call from `on_thread_start`).
    pub(super) fn register_current(&self) {
        if let Some(tid) = current_tid() {
            if let Ok(mut v) = self.0.lock() {
                v.push(tid);
            }
        }
    }

    /// User plus system CPU time of each recorded thread still alive.
    pub(super) fn cpu_times(&self) -> BTreeMap<u32, Duration> {
        let tids: Vec<u32> = match self.0.lock() {
            Ok(v) => v.clone(),
            Err(_) => return BTreeMap::new(),
        };
        tids.into_iter().filter_map(|tid| thread_cpu(tid).map(|t| (tid, t))).collect()
    }
}

/// This thread's kernel id: `/proc/thread-self` links to `<pid>/task/<tid>`.
fn current_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// utime + stime of thread `tid` of this process (fields 14 and 15 of `stat`, after the
/// parenthesised command name, which may itself contain spaces).
fn thread_cpu(tid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / TICKS_PER_SECOND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_thread_accumulates_cpu_time() {
        let set = ThreadSet::default();
        let worker = {
            let set = set.clone();
            std::thread::spawn(move || {
                set.register_current();
                let t0 = std::time::Instant::now();
                let mut x = 0u64;
                while t0.elapsed() < Duration::from_millis(300) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                }
                std::hint::black_box(x);
                // Still alive when measured.
                std::thread::sleep(Duration::from_millis(500));
            })
        };
        std::thread::sleep(Duration::from_millis(400));
        let times = set.cpu_times();
        assert_eq!(times.len(), 1, "{times:?}");
        assert!(times.values().all(|t| *t >= Duration::from_millis(100)), "{times:?}");
        let _ = worker.join();
    }
}
