//! The embedded demo data set: synthetic Gaia DR3-like `gaiadr3.gaia_source`,
//! `gaiadr3.xp_continuous_mean_spectrum` and `gaiadr3.epoch_photometry` as HATS catalogs under
//! `<data dir>/catalogs/gaiadr3/`, built on first use and skipped when already there.

use std::path::{Path, PathBuf};

use hats::error::Result;
use hats::writer::{write_catalog, WriteOptions, WriteSummary};

use crate::generator::{Synthetic, SyntheticTable};
use crate::progress::ProgressBars;

/// Schema name of the demo tables (as in the ESA Gaia archive).
pub const DEMO_SCHEMA: &str = "gaiadr3";

/// Sizes and seed of the demo set.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// gaia_source rows.
    pub rows: u64,
    /// XP spectra rows.
    pub xp_rows: u64,
    /// Epoch photometry rows.
    pub epoch_rows: u64,
    /// Seed of the synthetic sky.
    pub seed: u64,
    /// Show progress bars.
    pub progress: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { rows: 1_000_000, xp_rows: 20_000, epoch_rows: 20_000, seed: 2016, progress: false }
    }
}

/// One demo table.
#[derive(Debug, Clone)]
pub struct DemoTable {
    /// Schema name (`gaiadr3`).
    pub schema: String,
    /// Table name.
    pub table: String,
    /// HATS catalog directory, absolute.
    pub path: PathBuf,
    /// One-line description for TAP_SCHEMA.
    pub description: String,
    /// Set when this call built the table; `None` when it already existed.
    pub built: Option<WriteSummary>,
}

struct Spec {
    table: &'static str,
    description: &'static str,
    source: Synthetic,
    max_rows: u64,
}

fn specs(opts: &DemoOptions) -> Vec<Spec> {
    let step = |n: u64| (opts.rows / n.max(1)).max(1);
    let xp_rows = opts.xp_rows.min(opts.rows);
    let epoch_rows = opts.epoch_rows.min(opts.rows);
    vec![
        Spec {
            table: "gaia_source",
            description: "Synthetic Gaia DR3-like source catalog (astrometry and photometry)",
            source: Synthetic { table: SyntheticTable::GaiaSource, seed: opts.seed, rows: opts.rows },
            // Small partitions so that even the demo shows spatial pruning at work.
            max_rows: 50_000,
        },
        Spec {
            table: "xp_continuous_mean_spectrum",
            description: "Synthetic Gaia DR3-like BP/RP (XP) continuous mean spectra: coefficients, errors, correlations",
            source: Synthetic { table: SyntheticTable::XpSpectra { step: step(xp_rows) }, seed: opts.seed, rows: xp_rows },
            // ~13 kB per row: keep files around 25 MB.
            max_rows: 2_000,
        },
        Spec {
            table: "epoch_photometry",
            description: "Synthetic Gaia DR3-like epoch photometry: G, BP, RP time series",
            source: Synthetic { table: SyntheticTable::EpochPhotometry { step: step(epoch_rows) }, seed: opts.seed, rows: epoch_rows },
            max_rows: 10_000,
        },
    ]
}

/// Where the demo catalogs live under a data directory.
pub fn demo_root(data_dir: &Path) -> PathBuf {
    data_dir.join("catalogs").join(DEMO_SCHEMA)
}

/// Builds whatever part of the demo set is missing under `data_dir` and lists all its tables.
///
/// The table paths are absolute: a caller that resolves catalog paths against the data
/// directory (as the server configuration does) would otherwise prefix a relative `data_dir`
/// twice (`./data/./data/catalogs/...`).
pub fn build_demo(data_dir: &Path, opts: &DemoOptions) -> Result<Vec<DemoTable>> {
    let root = demo_root(data_dir);
    let root = std::path::absolute(&root).map_err(|e| hats::HatsError::io(&root, e))?;
    let mut out = Vec::new();
    for spec in specs(opts) {
        let path = root.join(spec.table);
        let built = if path.join(hats::properties::FILE_NAME).is_file() {
            None
        } else {
            if opts.progress {
                eprintln!("building demo table {DEMO_SCHEMA}.{} ({} rows) ...", spec.table, spec.source.rows);
            }
            let wo = WriteOptions {
                name: spec.table.to_string(),
                max_rows: spec.max_rows,
                progress: opts.progress.then(ProgressBars::shared),
                overwrite: true,
                ..WriteOptions::default()
            };
            Some(write_catalog(&spec.source, &path, &wo)?)
        };
        out.push(DemoTable {
            schema: DEMO_SCHEMA.to_string(),
            table: spec.table.to_string(),
            path,
            description: spec.description.to_string(),
            built,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_paths_are_absolute_for_a_relative_data_dir() {
        // A data directory given relative to the working directory, as `./data` is by default.
        let dir = tempfile::tempdir_in(".").unwrap_or_else(|e| panic!("tempdir: {e}"));
        let cwd = std::env::current_dir().unwrap_or_else(|e| panic!("cwd: {e}"));
        let relative = dir.path().strip_prefix(&cwd).unwrap_or(dir.path()).to_path_buf();
        assert!(relative.is_relative(), "{}", relative.display());
        let opts = DemoOptions { rows: 200, xp_rows: 4, epoch_rows: 4, ..DemoOptions::default() };
        let tables = build_demo(&relative, &opts).unwrap_or_else(|e| panic!("build_demo: {e}"));
        assert_eq!(tables.len(), 3);
        for t in &tables {
            assert!(t.path.is_absolute(), "{}", t.path.display());
            assert!(t.path.join(hats::properties::FILE_NAME).is_file(), "{}", t.path.display());
            // Joining an absolute path onto the data directory leaves it as it is.
            assert_eq!(relative.join(&t.path), t.path);
        }
    }
}
