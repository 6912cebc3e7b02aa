//! Table uploads (TAP 1.1 §2.5.4): `UPLOAD=name,param:part` with the table in a multipart file
//! part, or `UPLOAD=name,http://...` from an allow-listed URL. Each table is read once per
//! request ([`read`]), under the byte, row and table-count limits of `[uploads]`, and is visible
//! as `TAP_UPLOAD.name` to that request's query only ([`session`]); it is dropped with the query
//! (sync) or with its job (async, whose files the job store keeps).

mod fetch;
mod read;
mod session;
mod spec;

use bytes::Bytes;

pub use read::{read_table, UploadTable};
pub use session::{session_with_uploads, UPLOAD_SCHEMA};
pub use spec::{parse_uploads, UploadSource, UploadSpec};

use crate::config::UploadConfig;
use crate::error::TapError;

/// Why an upload was refused. Every one is the client's to fix (HTTP 400, UWS fatal) except
/// [`UploadError::Internal`].
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The service does not accept uploads (`[uploads] enabled = false`).
    #[error("this service does not accept table uploads")]
    Disabled,
    /// `param:part` names no file part of the request.
    #[error("UPLOAD table '{table}' refers to param:{part}, but the request has no file part named '{part}'")]
    MissingPart {
        /// The upload table.
        table: String,
        /// The part it names.
        part: String,
    },
    /// A URL upload outside the allow-list.
    #[error(
        "UPLOAD table '{table}': this service does not fetch tables from URLs ({url}); send the \
         table itself in a multipart request and reference it as param:<part name>"
    )]
    UrlRefused {
        /// The upload table.
        table: String,
        /// The URL.
        url: String,
    },
    /// The upload's bytes are over `max_bytes`.
    #[error("the uploaded tables are larger than the {limit} bytes this service accepts per request")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The uploads' rows are over `max_rows`.
    #[error("UPLOAD table '{table}': the uploaded tables have more than the {limit} rows this service accepts per request")]
    TooManyRows {
        /// The table that went over.
        table: String,
        /// The limit.
        limit: usize,
    },
    /// More tables than `max_tables`.
    #[error("{given} upload tables given; this service accepts at most {limit} per request")]
    TooManyTables {
        /// Tables in the request.
        given: usize,
        /// The limit.
        limit: usize,
    },
    /// The table could not be read (format, values) or fetched.
    #[error("UPLOAD table '{table}': {message}")]
    Table {
        /// The upload table.
        table: String,
        /// What went wrong, with the reader's line/column where it has one.
        message: String,
    },
    /// Building the query's session failed: our bug.
    #[error("internal error while registering uploads: {0}")]
    Internal(String),
}

impl UploadError {
    pub(crate) fn table(table: &str, message: impl Into<String>) -> Self {
        UploadError::Table { table: table.to_string(), message: message.into() }
    }
}

/// Reads every table of `specs`, taking inline tables from `part(name)` (the request's file
/// parts, or the files an async job stored). Blocking: parsing a large table takes a while, so
/// callers run it off the async workers.
pub fn resolve(
    specs: &[UploadSpec],
    part: impl Fn(&str) -> Option<Bytes>,
    config: &UploadConfig,
) -> Result<Vec<UploadTable>, UploadError> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    if !config.enabled {
        return Err(UploadError::Disabled);
    }
    if specs.len() > config.max_tables {
        return Err(UploadError::TooManyTables { given: specs.len(), limit: config.max_tables });
    }
    let mut bytes_left = config.max_bytes;
    let mut rows_left = config.max_rows;
    let mut tables = Vec::with_capacity(specs.len());
    for spec in specs {
        let data = match &spec.source {
            UploadSource::Inline(name) => part(name)
                .ok_or_else(|| UploadError::MissingPart { table: spec.table.clone(), part: name.clone() })?,
            UploadSource::Url(url) => {
                if !config.allow_url_prefixes.iter().any(|p| !p.is_empty() && url.starts_with(p.as_str())) {
                    return Err(UploadError::UrlRefused { table: spec.table.clone(), url: url.clone() });
                }
                fetch::fetch(&spec.table, url, bytes_left, config.max_bytes)?
            }
        };
        bytes_left = bytes_left.checked_sub(data.len()).ok_or(UploadError::TooLarge { limit: config.max_bytes })?;
        tables.push(read_table(&spec.table, data, &mut rows_left, config.max_rows)?);
    }
    Ok(tables)
}

/// [`resolve`] on the blocking pool (parsing a 100k-row VOTable takes a while, and an async
/// worker must not), for `/sync` (file parts of the request) and async jobs (files stored with
/// the job) alike.
pub async fn resolve_off_thread(
    specs: &[UploadSpec],
    part: impl Fn(&str) -> Option<Bytes> + Send + 'static,
    config: &UploadConfig,
) -> Result<Vec<UploadTable>, TapError> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let (specs, config) = (specs.to_vec(), config.clone());
    match tokio::task::spawn_blocking(move || resolve(&specs, part, &config)).await {
        Ok(tables) => Ok(tables?),
        Err(e) => Err(TapError::Internal(format!("reading uploads: {e}"))),
    }
}
