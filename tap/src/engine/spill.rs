//! The spill directory: where sorts and aggregates over their memory share write their runs
//! (DataFusion's `DiskManager` makes one `datafusion-*` temporary directory in it per engine).

use std::path::Path;

use crate::error::TapError;

/// Prefix of the directories DataFusion creates in the spill directory.
const DATAFUSION_PREFIX: &str = "datafusion-";

/// Creates `dir` if needed. For the server's start-up, with `empty`, also removes what a previous
/// process left behind (a killed process never deletes its spill files). Only DataFusion's own
/// `datafusion-*` directories are removed, so a spill directory configured onto a directory
/// that holds anything else (the data root) loses nothing else.
pub(super) fn prepare_spill_dir(dir: &Path, empty: bool) -> Result<(), TapError> {
    let failed = |e: std::io::Error| TapError::Config(format!("spill directory {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    if !empty {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        if entry.file_name().to_string_lossy().starts_with(DATAFUSION_PREFIX) && entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).map_err(failed)?;
            tracing::info!(path = %entry.path().display(), "removed a stale spill directory");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emptying_removes_only_datafusion_directories() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("spill");
        std::fs::create_dir_all(dir.join("datafusion-abc")).expect("mkdir");
        std::fs::write(dir.join("datafusion-abc").join("run"), b"x").expect("write");
        std::fs::create_dir_all(dir.join("keep")).expect("mkdir");
        prepare_spill_dir(&dir, false).expect("prepare");
        assert!(dir.join("datafusion-abc").exists(), "not emptied unless asked");
        prepare_spill_dir(&dir, true).expect("prepare");
        assert!(!dir.join("datafusion-abc").exists());
        assert!(dir.join("keep").exists());
    }
}
