//! One module per subcommand.

mod adql_check;
mod demo;
mod ingest;
mod serve;

use std::process::ExitCode;

use crate::cli::{AdqlCommand, Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(&cli.data_dir, &args),
        Command::Ingest(args) => ingest::run(&cli.data_dir, &args),
        Command::Serve(args) => serve::run(&cli.data_dir, &args),
        Command::Adql { command: AdqlCommand::Check(args) } => adql_check::run(&cli.data_dir, &args),
    }
}
