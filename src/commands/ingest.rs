//! `astrotap ingest`: catalog files into a HATS catalog.

use std::path::Path;
use std::process::ExitCode;

use astrotap_demo::progress::ProgressBars;
use hats::ingest::input::InputOptions;
use hats::writer::WriteOptions;

use crate::cli::IngestArgs;

pub fn run(data_dir: &Path, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let name = match &args.name {
        Some(n) => n.clone(),
        None => table_name_from(&args.inputs[0]),
    };
    let out = args.output.clone().unwrap_or_else(|| data_dir.join("catalogs").join(&args.schema).join(&name));
    let input_opts = InputOptions { ra_column: args.ra.clone(), dec_column: args.dec.clone(), ..InputOptions::default() };
    let source = hats::ingest::FileInput::new(args.inputs.clone(), input_opts)?;
    let (ra, dec) = source.position_columns()?;
    let write = WriteOptions {
        name: name.clone(),
        ra_column: ra,
        dec_column: dec,
        max_rows: args.max_rows,
        row_group_rows: args.row_group_rows,
        progress: (!args.quiet).then(ProgressBars::shared),
        overwrite: args.overwrite,
        ..WriteOptions::default()
    };
    let summary = hats::writer::write_catalog(&source, &out, &write)?;
    println!("ingested {}.{name}: {summary}", args.schema);
    Ok(ExitCode::SUCCESS)
}

/// `gaia_source.csv.gz` -> `gaia_source`.
fn table_name_from(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "table".into());
    let stem = file.split('.').next().unwrap_or("table");
    let cleaned: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' }).collect();
    if cleaned.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) { cleaned } else { format!("t_{cleaned}") }
}
