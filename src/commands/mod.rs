//! One module per subcommand.

mod demo;
mod ingest;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(&cli.data_dir, &args),
        Command::Ingest(args) => ingest::run(&cli.data_dir, &args),
    }
}
