//! One module per subcommand.

mod adql_check;
mod demo;
mod ingest;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{AdqlCommand, Cli, Command, DEFAULT_DATA_DIR};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = || cli.data_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    match &cli.command {
        Command::Demo(args) => demo::run(&data_dir(), args),
        Command::Ingest(args) => ingest::run(&data_dir(), args),
        // The config file may name the data directory; the command line wins.
        Command::Serve(args) => serve::run(cli.data_dir.as_deref(), args),
        Command::Adql { command: AdqlCommand::Check(args) } => adql_check::run(cli.data_dir.as_deref(), args),
    }
}
