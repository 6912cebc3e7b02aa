//! DALI 1.1 §3 request parameters: names are case-insensitive, values case-sensitive; they may come
//! in the query string, an `application/x-www-form-urlencoded` body or a `multipart/form-data` body,
//! in any mix.

mod multipart;
mod query;

pub use multipart::{parse_multipart, MultipartPart};
pub use query::{MaxrecPolicy, QueryLang, QueryRequest};

use crate::config::UploadConfig;
use crate::error::TapError;
use crate::upload::UploadError;

/// The parameters of one request, in arrival order, names lower-cased.
#[derive(Debug, Default, Clone)]
pub struct DaliParams {
    entries: Vec<(String, String)>,
    files: Vec<MultipartPart>,
}

impl DaliParams {
    /// Collects parameters from the URL query string and the body according to its content type.
    /// Bodies of other types are ignored (a GET has none; DALI defines no other encoding).
    pub fn parse(query_string: &str, content_type: Option<&str>, body: &[u8]) -> Result<Self, TapError> {
        let mut params = DaliParams::default();
        params.add_urlencoded(query_string.as_bytes())?;
        let Some(content_type) = content_type else {
            return Ok(params);
        };
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => params.add_urlencoded(body)?,
            "multipart/form-data" => {
                for part in parse_multipart(content_type, body)? {
                    if part.filename.is_some() {
                        // File parts are inline uploads (TAP 1.1 §2.5.2), referenced via UPLOAD=name,param:part.
                        params.files.push(part);
                    } else {
                        let value = String::from_utf8(part.data.to_vec()).map_err(|_| {
                            TapError::BadParameter(format!("parameter {} is not valid UTF-8", part.name))
                        })?;
                        params.entries.push((part.name.to_ascii_lowercase(), value));
                    }
                }
            }
            _ => {}
        }
        Ok(params)
    }

    /// Parameters already decoded elsewhere (e.g. the stored parameters of an async job).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let entries = pairs.into_iter().map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into())).collect();
        DaliParams { entries, files: Vec::new() }
    }

    fn add_urlencoded(&mut self, bytes: &[u8]) -> Result<(), TapError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
            .map_err(|e| TapError::BadParameter(format!("malformed form/query-string encoding: {e}")))?;
        self.entries.extend(pairs.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)));
        Ok(())
    }

    /// The value of a single-valued parameter; a repeat is an error (DALI 1.1 §3.1), even with the
    /// same value, because a client that sends two values has a bug we should not paper over.
    pub fn single(&self, name: &str) -> Result<Option<&str>, TapError> {
        let mut found = self.all(name);
        let first = found.next();
        if found.next().is_some() {
            return Err(TapError::RepeatedParameter(name.to_ascii_uppercase()));
        }
        Ok(first)
    }

    /// Every value of a (multi-valued) parameter, in order.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_ascii_lowercase();
        self.entries.iter().filter(move |(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// All (lower-cased name, value) pairs, e.g. to store as UWS job parameters.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// File parts of a multipart body (inline uploads).
    pub fn files(&self) -> &[MultipartPart] {
        &self.files
    }

    /// The content of file part `name` (`UPLOAD=t,param:name`); part names are matched as
    /// sent, then case-insensitively.
    pub fn file(&self, name: &str) -> Option<bytes::Bytes> {
        let exact = self.files.iter().find(|f| f.name == name);
        exact.or_else(|| self.files.iter().find(|f| f.name.eq_ignore_ascii_case(name))).map(|f| f.data.clone())
    }

    /// The two body limits: the fields against `max_field_bytes`, the files against the upload
    /// limit (a request may carry a large table, but not a large form).
    pub fn check_sizes(&self, max_field_bytes: usize, uploads: &UploadConfig) -> Result<(), TapError> {
        let fields: usize = self.entries.iter().map(|(k, v)| k.len() + v.len()).sum();
        if fields > max_field_bytes {
            return Err(TapError::PayloadTooLarge { limit: max_field_bytes });
        }
        let files: usize = self.files.iter().map(|f| f.data.len()).sum();
        if files > 0 && !uploads.enabled {
            return Err(UploadError::Disabled.into());
        }
        if files > uploads.max_bytes {
            return Err(UploadError::TooLarge { limit: uploads.max_bytes }.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_values_are_not() {
        let p = DaliParams::parse("LaNg=ADQL&query=SELECT%201", None, b"").unwrap_or_default();
        assert_eq!(p.single("LANG").ok().flatten(), Some("ADQL"));
        assert_eq!(p.single("QUERY").ok().flatten(), Some("SELECT 1"));
    }

    #[test]
    fn query_string_and_form_body_merge_and_repeats_are_caught() {
        let p = DaliParams::parse(
            "MAXREC=5",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"maxrec=6&RUNID=x+y",
        )
        .unwrap_or_default();
        assert!(matches!(p.single("maxrec"), Err(TapError::RepeatedParameter(n)) if n == "MAXREC"));
        assert_eq!(p.single("runid").ok().flatten(), Some("x y"));
        assert_eq!(p.all("MAXREC").collect::<Vec<_>>(), vec!["5", "6"]);
    }

    #[test]
    fn unknown_body_types_are_ignored() {
        let p = DaliParams::parse("", Some("text/plain"), b"QUERY=x").unwrap_or_default();
        assert_eq!(p.single("query").ok().flatten(), None);
    }
}
