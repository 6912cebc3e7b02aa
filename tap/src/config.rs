//! Service configuration, loadable from the `[tap]` part of `config/astrotap.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

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
    /// A synchronous query with no first row after this many seconds is answered with HTTP 400
    /// and a DALI error telling the client to use /async (T1).
    pub sync_timeout_secs: u64,
    /// A synchronous result still streaming this many seconds after the query started is ended
    /// with a trailing error (VOTable `QUERY_STATUS=ERROR`) naming the limit and /async (T2).
    pub sync_transfer_limit_secs: u64,
    /// executionDuration given to async jobs that do not ask for one, in seconds (TAPRegExt default).
    pub async_execution_secs: u64,
    /// Largest executionDuration a client may set, in seconds (TAPRegExt hard limit).
    pub async_execution_max_secs: u64,
    /// How long async jobs and their results are kept by default, in seconds (TAPRegExt default).
    pub retention_secs: u64,
    /// Furthest in the future a client may move a job's destruction time, in seconds (hard limit).
    pub retention_max_secs: u64,
    /// The `/async` job service (UWS 1.1).
    pub jobs: JobsConfig,
    /// Largest accepted request body without upload files (form, or the fields of a multipart
    /// body), in bytes.
    pub max_body_bytes: usize,
    /// Table uploads (`UPLOAD=`, TAP 1.1 §2.5.4).
    pub uploads: UploadConfig,
    /// Positional crossmatches of two catalogues.
    pub crossmatch: CrossmatchConfig,
    /// Longest ADQL text accepted, in bytes; checked before the query is tokenised.
    pub max_query_bytes: usize,
    /// Most tokens an ADQL query may have.
    pub max_query_tokens: usize,
    /// Deepest expression nesting accepted (operators, parentheses, set operations; see
    /// `adql::InputLimits`). Bounds every recursive pass after parsing.
    pub max_query_depth: usize,
    /// Worker threads of the query runtime (0 = number of CPUs).
    pub query_threads: usize,
    /// Memory all running queries may hold together, in MiB (0 = unbounded), shared fairly
    /// between them. Sorts and aggregates spill at their share; operators that cannot, fail their
    /// query with a clear message.
    pub query_memory_limit_mb: usize,
    /// Memory one query may hold, in MiB (0, or not below the total: no separate limit). Past
    /// it a sort or aggregate spills; other operators fail the query naming this key.
    pub query_memory_per_query_mb: usize,
    /// Where sorts and aggregates spill (absolute, or relative to `data_dir`). Emptied of
    /// DataFusion's `datafusion-*` directories when the server starts.
    pub spill_dir: PathBuf,
    /// `/sync` queries executing at once; async jobs are not counted (they have `[jobs]
    /// max_concurrent`), nor are VOSI and TAP_SCHEMA documents (/tables, /capabilities).
    pub max_sync_queries: usize,
    /// How long a `/sync` request over `max_sync_queries` waits for a slot, in milliseconds,
    /// before it is refused with HTTP 503 and `Retry-After`.
    pub sync_queue_wait_ms: u64,
    /// Catalogs served, each one HATS catalog. `[[catalogues]]`, the key before the spelling
    /// was unified, is still read.
    #[serde(alias = "catalogues")]
    pub catalogs: Vec<CatalogConfig>,
    /// Descriptions of schemas (TAP_SCHEMA.schemas, VOSI tables), by schema name.
    pub schema_descriptions: BTreeMap<String, String>,
    /// Data root (job store, results); catalog paths that are relative are resolved against it.
    pub data_dir: PathBuf,
}

impl Default for TapConfig {
    fn default() -> Self {
        TapConfig {
            listen: "127.0.0.1:8080".to_string(),
            base_path: "/tap".to_string(),
            public_url: None,
            title: "astrotap TAP service".to_string(),
            description: "ADQL 2.1 over HEALPix-partitioned (HATS) Parquet catalogs".to_string(),
            maxrec_default: 100_000,
            maxrec_limit: 10_000_000,
            sync_timeout_secs: 60,
            sync_transfer_limit_secs: 600,
            async_execution_secs: 3600,
            async_execution_max_secs: 4 * 3600,
            retention_secs: 7 * 24 * 3600,
            retention_max_secs: 30 * 24 * 3600,
            jobs: JobsConfig::default(),
            max_body_bytes: 1 << 20,
            uploads: UploadConfig::default(),
            crossmatch: CrossmatchConfig::default(),
            max_query_bytes: adql::InputLimits::default().max_bytes,
            max_query_tokens: adql::InputLimits::default().max_tokens,
            max_query_depth: adql::InputLimits::default().max_depth,
            query_threads: 0,
            query_memory_limit_mb: 4096,
            query_memory_per_query_mb: 1024,
            spill_dir: PathBuf::from("spill"),
            max_sync_queries: 8,
            sync_queue_wait_ms: 2000,
            catalogs: Vec::new(),
            schema_descriptions: BTreeMap::new(),
            data_dir: PathBuf::from("data"),
        }
    }
}

/// The asynchronous job service (`[jobs]` in the TOML file).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Mount `/async` at all.
    pub enabled: bool,
    /// Job store (SQLite) and result files; relative paths are resolved against `data_dir`.
    pub dir: PathBuf,
    /// Jobs executing at once; more wait in QUEUED, in creation order.
    pub max_concurrent: usize,
    /// Cap on a blocking `WAIT`, in seconds, so clients' socket timeouts are never hit.
    pub max_wait_secs: u64,
    /// How often jobs past their destruction time are looked for, in seconds.
    pub reaper_interval_secs: u64,
    /// After a crash, put jobs that were QUEUED or EXECUTING back in the queue instead of ERROR.
    pub requeue_on_restart: bool,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            dir: PathBuf::from("uws"),
            max_concurrent: 2,
            max_wait_secs: 60,
            reaper_interval_secs: 60,
            requeue_on_restart: false,
        }
    }
}

/// Table uploads (`[uploads]` in the TOML file): tables a client sends with its query, visible
/// as `TAP_UPLOAD.name` to that query (or job) only.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadConfig {
    /// Accept uploads at all (advertised in /capabilities).
    pub enabled: bool,
    /// Largest total size of the upload files of one request, in bytes (TAPRegExt uploadLimit).
    pub max_bytes: usize,
    /// Most rows of all upload tables of one request together.
    pub max_rows: usize,
    /// Most upload tables in one request.
    pub max_tables: usize,
    /// URL prefixes (`http://host/path/`) the service may fetch `UPLOAD=name,http://...` tables
    /// from. Empty (the default): URLs are refused, since fetching whatever a client names would
    /// let anyone make the server send requests inside its own network.
    pub allow_url_prefixes: Vec<String>,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            enabled: true,
            max_bytes: 64 << 20,
            max_rows: 1_000_000,
            max_tables: 8,
            allow_url_prefixes: Vec::new(),
        }
    }
}

/// Positional crossmatches (`[crossmatch]` in the TOML file): a join on `CONTAINS`/`DISTANCE`
/// between two tables' positions. It holds the smaller side in memory, bucketed by HEALPix cell;
/// between two HATS catalogues whose smaller side is large, it joins a sky patch at a time
/// instead (partition-aligned, with margins), so memory is bounded by a patch.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrossmatchConfig {
    /// Align partitions when the smaller catalogue's files add up to at least this many MiB
    /// (0: always, between two HATS catalogues).
    pub align_above_mb: u64,
    /// Build-side files (MiB on disk) one sky patch gathers.
    pub patch_mb: u64,
}

impl Default for CrossmatchConfig {
    fn default() -> Self {
        let d = adql::crossmatch::AlignOptions::default();
        CrossmatchConfig { align_above_mb: d.above_bytes >> 20, patch_mb: d.unit_bytes >> 20 }
    }
}

impl CrossmatchConfig {
    /// The operator's options.
    pub fn align_options(&self) -> adql::crossmatch::AlignOptions {
        adql::crossmatch::AlignOptions {
            above_bytes: self.align_above_mb.saturating_mul(1 << 20),
            unit_bytes: self.patch_mb.max(1).saturating_mul(1 << 20),
        }
    }
}

/// One served table, backed by a HATS catalog directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// ADQL schema name, e.g. `gaiadr3`.
    pub schema: String,
    /// ADQL table name inside the schema, e.g. `gaia_source`.
    pub table: String,
    /// HATS catalog directory (absolute, or relative to `data_dir`).
    pub path: PathBuf,
    /// Table description for TAP_SCHEMA and VOSI; defaults to the catalog's own.
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

    /// The MAXREC default and limit, as `/sync`, `/async` and `adql check --explain` apply them.
    pub fn maxrec_policy(&self) -> crate::params::MaxrecPolicy {
        crate::params::MaxrecPolicy { default: self.maxrec_default, limit: self.maxrec_limit }
    }

    /// The job service's settings in the `uws` crate's terms.
    pub fn uws_config(&self) -> uws::UwsConfig {
        let root = if self.jobs.dir.is_absolute() { self.jobs.dir.clone() } else { self.data_dir.join(&self.jobs.dir) };
        let mut c = uws::UwsConfig::new(root);
        c.max_concurrent_jobs = self.jobs.max_concurrent.max(1);
        c.max_wait = Duration::from_secs(self.jobs.max_wait_secs);
        c.default_execution_duration = self.async_execution_secs;
        c.max_execution_duration = self.async_execution_max_secs;
        c.default_destruction = Duration::from_secs(self.retention_secs);
        c.max_destruction = Duration::from_secs(self.retention_max_secs.max(self.retention_secs));
        c.reaper_interval = Duration::from_secs(self.jobs.reaper_interval_secs.max(1));
        c.requeue_on_restart = self.jobs.requeue_on_restart;
        c
    }

    /// The largest request body read at all: the form fields plus, when uploads are accepted,
    /// the upload files (each part then checked against its own limit).
    pub fn max_request_bytes(&self) -> usize {
        let uploads = if self.uploads.enabled { self.uploads.max_bytes } else { 0 };
        self.max_body_bytes.saturating_add(uploads)
    }

    /// The limits on ADQL text, as the ADQL front end takes them.
    pub fn input_limits(&self) -> adql::InputLimits {
        adql::InputLimits {
            max_bytes: self.max_query_bytes,
            max_tokens: self.max_query_tokens,
            max_depth: self.max_query_depth,
        }
    }

    /// The spill directory, resolved against `data_dir`.
    pub fn spill_path(&self) -> PathBuf {
        if self.spill_dir.is_absolute() {
            self.spill_dir.clone()
        } else {
            self.data_dir.join(&self.spill_dir)
        }
    }

    /// The directory of a catalog, resolved against `data_dir`.
    pub fn catalog_path(&self, cat: &CatalogConfig) -> PathBuf {
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
            [[catalogs]]
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
        assert_eq!(cfg.catalogs[0].table, "gaia_source");
        assert_eq!(cfg.catalog_path(&cfg.catalogs[0]), PathBuf::from("data/gaia"));
    }

    #[test]
    fn the_earlier_catalogues_key_is_still_read() {
        let text = "[[catalogues]]\nschema = \"s\"\ntable = \"t\"\npath = \"p\"\n";
        let cfg: TapConfig = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => panic!("config did not parse: {e}"),
        };
        assert_eq!(cfg.catalogs.len(), 1);
        assert_eq!(cfg.catalogs[0].table, "t");
    }

    #[test]
    fn rejects_unknown_keys() {
        assert!(toml::from_str::<TapConfig>("lisen = \"x\"").is_err());
    }
}
