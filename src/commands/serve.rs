//! `astrotap serve`: the TAP service.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use astrotap_demo::demo::{build_demo, DemoOptions};
use tap::{App, CatalogConfig, TapConfig};

use crate::cli::{ServeArgs, DEFAULT_DATA_DIR};

/// Loads the configuration, falling back to the embedded demo catalogs (built if missing).
/// `data_dir` (from the command line) overrides the file's `data_dir`.
pub fn load_config(data_dir: Option<&Path>, config: Option<&Path>) -> anyhow::Result<TapConfig> {
    let mut cfg: TapConfig = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        }
        None => TapConfig { data_dir: DEFAULT_DATA_DIR.into(), ..TapConfig::default() },
    };
    if let Some(dir) = data_dir {
        cfg.data_dir = dir.to_path_buf();
    }
    if cfg.catalogs.is_empty() {
        let data_dir = cfg.data_dir.clone();
        let tables = build_demo(&data_dir, &DemoOptions { progress: true, ..DemoOptions::default() })
            .with_context(|| format!("building the demo data set under {}", data_dir.display()))?;
        cfg.catalogs = tables
            .into_iter()
            .map(|t| CatalogConfig { schema: t.schema, table: t.table, path: t.path, description: Some(t.description), foreign_keys: Vec::new() })
            .collect();
    }
    Ok(cfg)
}

pub fn run(data_dir: Option<&Path>, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = load_config(data_dir, args.config.as_deref())?;
    if let Some(listen) = &args.listen {
        cfg.listen = listen.clone();
    }
    let base = cfg.base_path.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let app = App::build(cfg).await?;
        eprintln!("astrotap: TAP service at http://{}{base}", app.bind_addr());
        app.run_until(shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt => {}
                }
            }
            Err(e) => {
                eprintln!("astrotap: cannot listen for SIGTERM ({e}); only Ctrl-C stops the service");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped configuration files parse, and the default one really is the defaults.
    #[test]
    fn shipped_configs_parse() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let default: TapConfig = toml::from_str(&std::fs::read_to_string(root.join("astrotap.toml")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("config/astrotap.toml: {e}"));
        let builtin = TapConfig::default();
        assert_eq!(format!("{default:?}"), format!("{builtin:?}"), "config/astrotap.toml must list the built-in defaults");
        let example: TapConfig = toml::from_str(&std::fs::read_to_string(root.join("astrotap.example.toml")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("config/astrotap.example.toml: {e}"));
        assert_eq!(example.catalogs.len(), 3);
        assert_eq!(example.catalogs[1].foreign_keys.len(), 1);
        assert_eq!(example.jobs.max_concurrent, 4);
    }

    #[test]
    fn command_line_data_dir_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("c.toml");
        let text = "data_dir = \"/from/file\"\n[[catalogs]]\nschema = \"s\"\ntable = \"t\"\npath = \"x\"\n";
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let from_file = load_config(None, Some(&file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(from_file.data_dir, Path::new("/from/file"));
        let overridden = load_config(Some(Path::new("/cli")), Some(&file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(overridden.data_dir, Path::new("/cli"));
        assert_eq!(overridden.catalog_path(&overridden.catalogs[0]), Path::new("/cli/x"));
    }
}
