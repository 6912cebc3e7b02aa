//! Command-line interface. `--data-dir` (or `ASTROTAP_DATA_DIR`) means the same in every
//! subcommand: the root under which catalogs, jobs and results live.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A Virtual-Observatory TAP/ADQL server over HEALPix-partitioned (HATS) Parquet catalogs.
/// Where data lives when neither `--data-dir` nor a config file says.
pub const DEFAULT_DATA_DIR: &str = "./data";

#[derive(Debug, Parser)]
#[command(name = "astrotap", version, about, propagate_version = true)]
pub struct Cli {
    /// Data directory (catalogs under `catalogs/`, job store, results) [default: the config
    /// file's `data_dir`, else ./data].
    #[arg(long, global = true, env = "ASTROTAP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output (-v debug, -vv trace); `ASTROTAP_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the embedded demo data set (synthetic Gaia DR3-like tables), skipping what exists.
    Demo(DemoArgs),
    /// Ingest catalog files (CSV, ECSV, .csv.gz, Parquet, VOTable) into a HATS catalog.
    Ingest(IngestArgs),
    /// Serve the configured catalogs over TAP 1.1 (the demo set when no config names any).
    Serve(ServeArgs),
    /// ADQL tools.
    Adql {
        #[command(subcommand)]
        command: AdqlCommand,
    },
}

/// `astrotap serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML; see config/astrotap.example.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
}

/// `astrotap adql ...`.
#[derive(Debug, Subcommand)]
pub enum AdqlCommand {
    /// Check ADQL 2.1 text: exit 0 if valid, 1 with `line:col: message` if not.
    Check(AdqlCheckArgs),
}

/// `astrotap adql check`.
#[derive(Debug, Args)]
pub struct AdqlCheckArgs {
    /// File with the query, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
    /// Also plan the query exactly as `serve` would run it (same configuration, catalogs and
    /// engine; the demo set when the configuration names none) and print the plans.
    #[arg(long)]
    pub explain: bool,
    /// Configuration file, as for `serve`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// MAXREC to plan with, as a client would send it [default: the configuration's maxrec_default].
    #[arg(long)]
    pub maxrec: Option<u64>,
}

/// `astrotap demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Rows of gaiadr3.gaia_source.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Rows of gaiadr3.xp_continuous_mean_spectrum.
    #[arg(long, default_value_t = 20_000)]
    pub xp_rows: u64,
    /// Rows of gaiadr3.epoch_photometry.
    #[arg(long, default_value_t = 20_000)]
    pub epoch_rows: u64,
    /// Seed of the synthetic sky.
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// `astrotap ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Input files (all with the same columns).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Table name (default: the first input's file name without extensions).
    #[arg(long)]
    pub name: Option<String>,
    /// Schema the table is served under.
    #[arg(long, default_value = "user")]
    pub schema: String,
    /// Output catalog directory (default: <data-dir>/catalogs/<schema>/<name>).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Right-ascension column in degrees (default: detected: ra, RA_ICRS, RAJ2000, ...).
    #[arg(long)]
    pub ra: Option<String>,
    /// Declination column in degrees (default: detected).
    #[arg(long)]
    pub dec: Option<String>,
    /// Maximum rows per partition (smaller for wide rows).
    #[arg(long, default_value_t = 1_000_000)]
    pub max_rows: u64,
    /// Rows per Parquet row group.
    #[arg(long, default_value_t = 20_000)]
    pub row_group_rows: usize,
    /// Replace an existing catalog.
    #[arg(long)]
    pub overwrite: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}
