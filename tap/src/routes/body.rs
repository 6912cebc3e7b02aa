//! Reading a request body under the configured size limit.

use actix_web::web;
use bytes::BytesMut;
use futures::StreamExt;

use crate::error::TapError;

/// Past the limit the rest of an oversize body is read and discarded up to this many bytes, so the
/// client (which is usually still sending) can read our 413 instead of seeing a reset connection.
const DRAIN_CAP: usize = 64 << 20;

/// Reads the whole body, or fails with 413 if it is larger than `limit`.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<BytesMut, TapError> {
    let mut body = BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| TapError::BadParameter(format!("cannot read request body: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_CAP {
            break;
        }
    }
    if seen > limit {
        return Err(TapError::PayloadTooLarge { limit });
    }
    Ok(body)
}
