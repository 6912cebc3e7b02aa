//! Resident set sizes from Linux `/proc`, for the benchmarks' memory figures.

/// A memory field of `/proc/<who>/status` (`who` is a pid or `self`) in MB, e.g. `VmRSS` or
/// `VmHWM` (peak); NaN where `/proc` is unavailable.
pub fn status_mb(who: &str, field: &str) -> f64 {
    let prefix = format!("{field}:");
    std::fs::read_to_string(format!("/proc/{who}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(&prefix)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Peak RSS of this process in MB.
#[allow(dead_code)] // not every benchmark binary that includes this module reports its own peak
pub fn peak_rss_mb() -> f64 {
    status_mb("self", "VmHWM")
}
