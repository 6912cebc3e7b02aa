//! `astrotap adql check`: validate ADQL text, optionally explain its plan.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::AdqlCheckArgs;

pub fn run(data_dir: &Path, args: &AdqlCheckArgs) -> anyhow::Result<ExitCode> {
    let text = if args.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    if let Err(e) = adql::check_syntax(&text) {
        println!("{e}");
        return Ok(ExitCode::from(1));
    }
    if !args.explain {
        println!("valid ADQL 2.1");
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = super::serve::load_config(Some(data_dir), None)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let ctx = adql::session_with_udfs();
        let catalog_name = ctx.copied_config().options().catalog.default_catalog.clone();
        let catalog = ctx.catalog(&catalog_name).context("default catalog")?;
        for c in &cfg.catalogues {
            if catalog.schema(&c.schema).is_none() {
                catalog.register_schema(&c.schema, std::sync::Arc::new(datafusion::catalog::MemorySchemaProvider::new()))?;
            }
            let table = hats::HatsTable::new(std::sync::Arc::new(hats::HatsCatalog::open(&c.path)?));
            ctx.register_table(format!("{}.{}", c.schema, c.table).as_str(), std::sync::Arc::new(table))?;
        }
        match adql::explain(&text, &ctx).await {
            Ok(plan) => {
                println!("{plan}");
                anyhow::Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("{e}");
                anyhow::Ok(ExitCode::from(1))
            }
        }
    })
}
