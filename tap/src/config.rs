//! Service configuration, loadable from the `[tap]` part of `config/astrotap.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Everything the TAP service needs to know to start.
///
/// Every field has a default so a TOML file only needs to name what differs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TapConfig {
    /// `host:port` to listen on; port 0 picks a free port (tests).
    pub listen: String,
    /// URL path prefix under which every endpoint is mounted, e.g. `/tap`.
    pub base_path: String,
    /// Public base URL (scheme://host[:port]/path) advertised in VOSI capabilities; when absent it is
    /// derived from each request's `Host` header and the base path.
    pub public_url: Option<String>,
    /// Service title (landing page, capabilities).
    pub title: String,
    /// Service description (landing page).
    pub description: String,
    /// MAXREC applied when the client gives none (TAP 1.1 §2.7.4).
    pub maxrec_default: u64,
    /// Largest MAXREC honoured; larger requests are clamped to it (TAP 1.1 §2.7.4).
    pub maxrec_limit: u64,
    /// Wall-clock limit of a synchronous query, after which the client is told to use /async.
    pub sync_timeout_secs: u64,
    /// Execution-duration limit of async jobs in seconds, advertised in the capabilities.
    pub async_execution_secs: u64,
    /// How long async job results are kept, in seconds, advertised in the capabilities.
    pub retention_secs: u64,
    /// Largest accepted request body (form or multipart), in bytes.
    pub max_body_bytes: usize,
    /// Worker threads of the query runtime (0 = number of CPUs).
    pub query_threads: usize,
    /// Catalogues served, each one HATS catalogue.
    pub catalogues: Vec<CatalogueConfig>,
    /// Descriptions of schemas (TAP_SCHEMA.schemas, VOSI tables), by schema name.
    pub schema_descriptions: BTreeMap<String, String>,
    /// Data root (job store, results); catalogue paths that are relative are resolved against it.
    pub data_dir: PathBuf,
}

impl Default for TapConfig {
    fn default() -> Self {
        TapConfig {
            listen: "127.0.0.1:8080".to_string(),
            base_path: "/tap".to_string(),
            public_url: None,
            title: "astrotap TAP service".to_string(),
            description: "ADQL 2.1 over HEALPix-partitioned (HATS) Parquet catalogues".to_string(),
            maxrec_default: 100_000,
            maxrec_limit: 10_000_000,
            sync_timeout_secs: 60,
            async_execution_secs: 3600,
            retention_secs: 7 * 24 * 3600,
            max_body_bytes: 1 << 20,
            query_threads: 0,
            catalogues: Vec::new(),
            schema_descriptions: BTreeMap::new(),
            data_dir: PathBuf::from("data"),
        }
    }
}

/// One served table, backed by a HATS catalogue directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueConfig {
    /// ADQL schema name, e.g. `gaiadr3`.
    pub schema: String,
    /// ADQL table name inside the schema, e.g. `gaia_source`.
    pub table: String,
    /// HATS catalogue directory (absolute, or relative to `data_dir`).
    pub path: PathBuf,
    /// Table description for TAP_SCHEMA and VOSI; defaults to the catalogue's own.
    #[serde(default)]
    pub description: Option<String>,
    /// Foreign keys from this table to other served tables (TAP_SCHEMA.keys / key_columns).
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKeyConfig>,
}

/// A foreign key as listed in TAP_SCHEMA.keys (TAP 1.1 §4.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeyConfig {
    /// Target table, qualified (`gaiadr3.gaia_source`).
    pub target_table: String,
    /// Column pairs (from column in this table, target column).
    pub columns: Vec<(String, String)>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
}

impl TapConfig {
    /// The base path normalised to start with `/` and have no trailing `/` (`""` for the root).
    pub fn normalised_base_path(&self) -> String {
        let trimmed = self.base_path.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else if trimmed.starts_with('/') {
            trimmed.to_string()
        } else {
            format!("/{trimmed}")
        }
    }

    /// The directory of a catalogue, resolved against `data_dir`.
    pub fn catalogue_path(&self, cat: &CatalogueConfig) -> PathBuf {
        if cat.path.is_absolute() {
            cat.path.clone()
        } else {
            self.data_dir.join(&cat.path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_from_toml_with_defaults() {
        let text = r#"
            listen = "127.0.0.1:0"
            base_path = "tap/"
            [[catalogues]]
            schema = "gaiadr3"
            table = "gaia_source"
            path = "gaia"
        "#;
        let cfg: TapConfig = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => panic!("config did not parse: {e}"),
        };
        assert_eq!(cfg.normalised_base_path(), "/tap");
        assert_eq!(cfg.maxrec_default, 100_000);
        assert_eq!(cfg.catalogues[0].table, "gaia_source");
        assert_eq!(cfg.catalogue_path(&cfg.catalogues[0]), PathBuf::from("data/gaia"));
    }

    #[test]
    fn rejects_unknown_keys() {
        assert!(toml::from_str::<TapConfig>("lisen = \"x\"").is_err());
    }
}
