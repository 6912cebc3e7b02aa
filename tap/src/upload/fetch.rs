//! Fetching an allow-listed `UPLOAD=name,http://...` table. Plain HTTP only: the service links
//! no TLS stack, and the allow-list is meant for servers next to it (a VOSpace, a web server on
//! the same host), not the open internet. Bounded in time and in bytes.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;

use super::UploadError;

/// A slow or silent server must not hold a query (and its slot) for long.
const TIMEOUT: Duration = Duration::from_secs(30);

/// GETs `url`, refusing more than `bytes_left` bytes (`limit` is the per-request limit, for the
/// message).
pub(super) fn fetch(table: &str, url: &str, bytes_left: usize, limit: usize) -> Result<Bytes, UploadError> {
    if !url.starts_with("http://") {
        return Err(UploadError::table(table, format!("{url}: only http:// URLs can be fetched by this service")));
    }
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).build();
    let response = agent.get(url).call().map_err(|e| UploadError::table(table, format!("fetching {url}: {e}")))?;
    let mut data = Vec::new();
    let cap = u64::try_from(bytes_left).unwrap_or(u64::MAX).saturating_add(1);
    response
        .into_reader()
        .take(cap)
        .read_to_end(&mut data)
        .map_err(|e| UploadError::table(table, format!("reading {url}: {e}")))?;
    if data.len() > bytes_left {
        return Err(UploadError::TooLarge { limit });
    }
    Ok(Bytes::from(data))
}
