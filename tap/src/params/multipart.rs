//! A `multipart/form-data` reader (RFC 7578, on the RFC 2046 §5.1 framing) for bodies already read
//! into memory under the service's size limit. Only what DALI clients send is needed: parts with a
//! `Content-Disposition: form-data; name=...` header, optional filename and Content-Type.

use bytes::Bytes;

use crate::error::TapError;

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct MultipartPart {
    /// The form field name (as sent; callers lower-case it for DALI).
    pub name: String,
    /// The file name, present for file uploads.
    pub filename: Option<String>,
    /// The part's declared Content-Type, if any.
    pub content_type: Option<String>,
    /// The part's content.
    pub data: Bytes,
}

fn bad(msg: impl Into<String>) -> TapError {
    TapError::BadParameter(format!("malformed multipart/form-data body: {}", msg.into()))
}

/// Extracts a parameter (`boundary`, `name`, ...) from a header value such as
/// `multipart/form-data; boundary="abc"`.
fn header_param(value: &str, key: &str) -> Option<String> {
    for piece in value.split(';').skip(1) {
        let piece = piece.trim();
        let Some((k, v)) = piece.split_once('=') else { continue };
        if k.trim().eq_ignore_ascii_case(key) {
            let v = v.trim();
            let v = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(v);
            return Some(v.to_string());
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Splits a multipart body into its parts.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<MultipartPart>, TapError> {
    let boundary = header_param(content_type, "boundary").ok_or_else(|| bad("no boundary parameter"))?;
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(bad("boundary must have 1 to 70 characters (RFC 2046 §5.1.1)"));
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let body = Bytes::copy_from_slice(body);
    let mut pos = find(&body, &delimiter, 0).ok_or_else(|| bad("opening boundary not found"))?;
    let mut parts = Vec::new();
    loop {
        pos += delimiter.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        // Skip transport padding and the CRLF after the delimiter.
        let line_end = find(&body, b"\r\n", pos).ok_or_else(|| bad("boundary line not terminated"))?;
        let headers_start = line_end + 2;
        let headers_end =
            find(&body, b"\r\n\r\n", headers_start).ok_or_else(|| bad("part headers not terminated"))?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end])
            .map_err(|_| bad("part headers are not UTF-8"))?;
        let data_start = headers_end + 4;
        let mut close = delimiter.clone();
        close.splice(0..0, b"\r\n".iter().copied());
        let data_end = find(&body, &close, data_start).ok_or_else(|| bad("closing boundary not found"))?;

        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else { continue };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                name = header_param(value, "name");
                filename = header_param(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_string());
            }
        }
        let name = name.ok_or_else(|| bad("a part has no Content-Disposition name"))?;
        parts.push(MultipartPart { name, filename, content_type, data: body.slice(data_start..data_end) });
        pos = data_end + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"QUERY\"\r\n\r\nSELECT\r\n1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"t1\"; filename=\"t.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--XyZ--\r\n";
        let parts = match parse_multipart("multipart/form-data; boundary=\"XyZ\"", body) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "QUERY");
        assert_eq!(&parts[0].data[..], b"SELECT\r\n1");
        assert_eq!(parts[1].filename.as_deref(), Some("t.csv"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/csv"));
        assert_eq!(&parts[1].data[..], b"a,b\r\n1,2");
    }

    #[test]
    fn truncated_bodies_are_errors_not_panics() {
        let ct = "multipart/form-data; boundary=b";
        for body in [&b""[..], b"--b", b"--b\r\n", b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv"] {
            assert!(parse_multipart(ct, body).is_err());
        }
        assert!(parse_multipart("multipart/form-data", b"--b--").is_err());
    }
}
