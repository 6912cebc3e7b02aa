//! `astrotap demo`: build the embedded demo data set.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use astrotap_demo::demo::{build_demo, DemoOptions};

use crate::cli::DemoArgs;

pub fn run(data_dir: &Path, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let opts = DemoOptions { rows: args.rows, xp_rows: args.xp_rows, epoch_rows: args.epoch_rows, seed: args.seed, progress: !args.quiet };
    let t0 = std::time::Instant::now();
    let tables = build_demo(data_dir, &opts).with_context(|| format!("building the demo data set under {}", data_dir.display()))?;
    for t in &tables {
        match &t.built {
            Some(summary) => println!("built   {}.{}: {summary}", t.schema, t.table),
            None => println!("exists  {}.{}: {}", t.schema, t.table, t.path.display()),
        }
    }
    println!("demo data set ready in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
