//! `astrotap serve`: the TAP service.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use hats::demo::{build_demo, DemoOptions};
use tap::{App, CatalogueConfig, TapConfig};

use crate::cli::ServeArgs;

/// Loads the configuration, falling back to the embedded demo catalogues (built if missing).
pub fn load_config(data_dir: &Path, config: Option<&Path>) -> anyhow::Result<TapConfig> {
    let mut cfg: TapConfig = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        }
        None => TapConfig::default(),
    };
    cfg.data_dir = data_dir.to_path_buf();
    if cfg.catalogues.is_empty() {
        let tables = build_demo(data_dir, &DemoOptions { progress: true, ..DemoOptions::default() })
            .with_context(|| format!("building the demo data set under {}", data_dir.display()))?;
        cfg.catalogues = tables
            .into_iter()
            .map(|t| CatalogueConfig { schema: t.schema, table: t.table, path: t.path, description: Some(t.description), foreign_keys: Vec::new() })
            .collect();
    }
    Ok(cfg)
}

pub fn run(data_dir: &Path, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = load_config(data_dir, args.config.as_deref())?;
    if let Some(listen) = &args.listen {
        cfg.listen = listen.clone();
    }
    let base = cfg.base_path.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let app = App::build(cfg).await?;
        eprintln!("astrotap: TAP service at http://{}{base}", app.bind_addr());
        app.run().await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
