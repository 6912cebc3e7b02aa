//! The `UPLOAD` parameter (TAP 1.1 §2.5.4, DALI 1.1 §3.4.5): `name,URI` pairs separated by `;`,
//! in one or several `UPLOAD` values. The URI is `param:part` for a file sent in the same
//! multipart request (inline upload), or an `http(s)://` URL the service would have to fetch.

use crate::error::TapError;

/// Where an upload table's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadSource {
    /// The multipart file part of this name (`param:name`).
    Inline(String),
    /// A URL to fetch (only from the configured allow-list).
    Url(String),
}

/// One `name,URI` pair of `UPLOAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSpec {
    /// The table name, lower-cased: the query names it `TAP_UPLOAD.name`, and ADQL regular
    /// identifiers are case-insensitive.
    pub table: String,
    /// Its source.
    pub source: UploadSource,
}

fn bad(msg: String) -> TapError {
    TapError::BadParameter(format!("UPLOAD: {msg}"))
}

/// An ADQL regular identifier (ADQL 2.1 §2.1.3): a letter, then letters, digits or `_`.
fn is_regular_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses every `UPLOAD` value. Table names must be regular identifiers and distinct.
pub fn parse_uploads<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<UploadSpec>, TapError> {
    let mut specs: Vec<UploadSpec> = Vec::new();
    for value in values {
        for item in value.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((name, uri)) = item.split_once(',') else {
                return Err(bad(format!("'{item}' is not of the form name,URI (e.g. UPLOAD=mylist,param:mylist)")));
            };
            let (name, uri) = (name.trim(), uri.trim());
            if !is_regular_identifier(name) {
                return Err(bad(format!(
                    "table name '{name}' must start with a letter and have only letters, digits and _"
                )));
            }
            let table = name.to_ascii_lowercase();
            if specs.iter().any(|s| s.table == table) {
                return Err(bad(format!("table name '{name}' is given twice")));
            }
            let source = if let Some(part) = uri.strip_prefix("param:") {
                if part.is_empty() {
                    return Err(bad(format!("'{uri}' names no multipart part")));
                }
                UploadSource::Inline(part.to_string())
            } else if uri.starts_with("http://") || uri.starts_with("https://") {
                UploadSource::Url(uri.to_string())
            } else {
                return Err(bad(format!(
                    "'{uri}' is not a supported URI; send the table in the same multipart request and \
                     reference it as param:<part name>"
                )));
            };
            specs.push(UploadSpec { table, source });
        }
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_in_one_or_several_values() {
        let specs = parse_uploads(["Mine,param:t1;b,http://h/x.vot", " c , param:c ;"]).unwrap_or_default();
        assert_eq!(
            specs,
            vec![
                UploadSpec { table: "mine".into(), source: UploadSource::Inline("t1".into()) },
                UploadSpec { table: "b".into(), source: UploadSource::Url("http://h/x.vot".into()) },
                UploadSpec { table: "c".into(), source: UploadSource::Inline("c".into()) },
            ]
        );
    }

    #[test]
    fn malformed_values_are_errors_that_say_why() {
        for (value, expect) in [
            ("t", "name,URI"),
            ("1t,param:x", "start with a letter"),
            ("t.x,param:x", "start with a letter"),
            ("t,param:", "no multipart part"),
            ("t,file:///etc/passwd", "not a supported URI"),
            ("t,param:a;T,param:b", "given twice"),
        ] {
            match parse_uploads([value]) {
                Err(TapError::BadParameter(m)) => assert!(m.contains(expect), "{value}: {m}"),
                other => panic!("{value}: {other:?}"),
            }
        }
    }
}
