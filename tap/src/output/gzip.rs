//! Streaming gzip (RFC 1952) of any encoded body, for `Accept-Encoding: gzip`.

use std::io::Write as _;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use futures::{Stream, StreamExt};

use super::driver::CHUNK_BYTES;
use super::OutputError;

/// Compresses `body` as it streams. An error from `body` is passed on without writing the gzip
/// trailer, so the client sees a failed transfer rather than a valid, shorter document.
/// Level 1: the result stream is usually network-bound and CPU is better spent on the query.
pub fn encode_gzip<S>(body: S) -> impl Stream<Item = Result<Bytes, OutputError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, OutputError>> + Send + 'static,
{
    async_stream::try_stream! {
        let mut body = Box::pin(body);
        let mut gz = GzEncoder::new(Vec::with_capacity(CHUNK_BYTES), Compression::fast());
        while let Some(chunk) = body.next().await {
            gz.write_all(&chunk?)?;
            if gz.get_ref().len() >= CHUNK_BYTES / 4 {
                let compressed = std::mem::replace(gz.get_mut(), Vec::with_capacity(CHUNK_BYTES));
                yield Bytes::from(compressed);
            }
        }
        let rest = gz.finish()?;
        if !rest.is_empty() {
            yield Bytes::from(rest);
        }
    }
}
