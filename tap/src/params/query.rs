//! The TAP 1.1 §2.3 query parameters of a /sync (or /async) request, validated.

use super::DaliParams;
use crate::error::TapError;
use crate::output::OutputFormat;
use crate::upload::{parse_uploads, UploadSpec};

/// The query language asked for with LANG (TAP 1.1 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLang {
    /// `ADQL-2.0`.
    Adql20,
    /// `ADQL-2.1`, also what a bare `ADQL` means (TAP 1.1 §2.3.1: the latest version).
    Adql21,
}

impl QueryLang {
    /// Parses a LANG value. The values are case-sensitive per DALI, but matching them
    /// case-insensitively costs nothing and rejects nothing a standard client sends.
    pub fn parse(value: &str) -> Result<Self, TapError> {
        match value.trim().to_ascii_uppercase().as_str() {
            "ADQL" | "ADQL-2.1" => Ok(QueryLang::Adql21),
            "ADQL-2.0" => Ok(QueryLang::Adql20),
            _ => Err(TapError::BadParameter(format!(
                "LANG={value} is not supported; use ADQL, ADQL-2.0 or ADQL-2.1"
            ))),
        }
    }
}

/// A validated query request: what /sync executes and what an async job stores.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    /// The query language.
    pub lang: QueryLang,
    /// The ADQL text.
    pub query: String,
    /// Output format (RESPONSEFORMAT, or the legacy FORMAT).
    pub format: OutputFormat,
    /// Effective row limit after applying the service default and hard limit.
    pub maxrec: u64,
    /// RUNID, echoed back in the results (DALI 1.1 §3.3.4).
    pub runid: Option<String>,
    /// The `UPLOAD` tables (TAP 1.1 §2.5.4), not yet read.
    pub uploads: Vec<UploadSpec>,
}

/// Service limits that turn a requested MAXREC into the effective one.
#[derive(Debug, Clone, Copy)]
pub struct MaxrecPolicy {
    /// Used when the request has no MAXREC.
    pub default: u64,
    /// Requests above it are clamped to it (TAP 1.1 §2.7.4 lets a service impose a limit).
    pub limit: u64,
}

impl QueryRequest {
    /// Validates the DALI parameters of a query request.
    pub fn from_params(params: &DaliParams, policy: MaxrecPolicy) -> Result<Self, TapError> {
        if let Some(request) = params.single("REQUEST")? {
            // TAP 1.1 §2.3.2 made REQUEST optional; if present it must still be doQuery.
            if request != "doQuery" {
                return Err(TapError::BadParameter(format!(
                    "REQUEST={request} is not supported; the only value is doQuery"
                )));
            }
        }
        let lang = match params.single("LANG")? {
            Some(v) => QueryLang::parse(v)?,
            None => {
                return Err(TapError::BadParameter(
                    "LANG is missing; use LANG=ADQL (TAP 1.1 §2.3.1)".to_string(),
                ))
            }
        };
        let query = match params.single("QUERY")? {
            Some(q) if !q.trim().is_empty() => q.to_string(),
            Some(_) => return Err(TapError::BadParameter("QUERY is empty".to_string())),
            None => return Err(TapError::BadParameter("QUERY is missing".to_string())),
        };
        let responseformat = params.single("RESPONSEFORMAT")?;
        let legacy = params.single("FORMAT")?;
        let format_value = match (responseformat, legacy) {
            (Some(a), Some(b)) if a != b => {
                return Err(TapError::BadParameter(format!(
                    "RESPONSEFORMAT={a} and FORMAT={b} disagree; give only one"
                )))
            }
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
        let format = match format_value {
            Some(v) if !v.trim().is_empty() => {
                OutputFormat::parse(v).map_err(|e| TapError::BadParameter(e.to_string()))?
            }
            _ => OutputFormat::default(),
        };
        let maxrec = match params.single("MAXREC")? {
            None => policy.default.min(policy.limit),
            Some(v) => {
                let n: u64 = v.trim().parse().map_err(|_| {
                    TapError::BadParameter(format!("MAXREC={v} is not a non-negative integer"))
                })?;
                n.min(policy.limit)
            }
        };
        let runid = params.single("RUNID")?.map(str::to_string);
        let uploads = parse_uploads(params.all("UPLOAD"))?;
        Ok(QueryRequest { lang, query, format, maxrec, runid, uploads })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: MaxrecPolicy = MaxrecPolicy { default: 100, limit: 1000 };

    fn req(qs: &str) -> Result<QueryRequest, TapError> {
        QueryRequest::from_params(&DaliParams::parse(qs, None, b"")?, POLICY)
    }

    #[test]
    fn maxrec_default_and_clamp() {
        assert_eq!(req("LANG=ADQL&QUERY=x").map(|r| r.maxrec).ok(), Some(100));
        assert_eq!(req("LANG=ADQL&QUERY=x&MAXREC=0").map(|r| r.maxrec).ok(), Some(0));
        assert_eq!(req("LANG=ADQL&QUERY=x&MAXREC=5000").map(|r| r.maxrec).ok(), Some(1000));
        assert!(matches!(req("LANG=ADQL&QUERY=x&MAXREC=-1"), Err(TapError::BadParameter(_))));
        assert!(matches!(req("LANG=ADQL&QUERY=x&MAXREC=abc"), Err(TapError::BadParameter(_))));
    }

    #[test]
    fn lang_request_and_query_are_checked() {
        assert!(matches!(req("QUERY=x"), Err(TapError::BadParameter(m)) if m.contains("LANG")));
        assert!(matches!(req("LANG=SQL&QUERY=x"), Err(TapError::BadParameter(m)) if m.contains("SQL")));
        assert!(matches!(req("LANG=ADQL"), Err(TapError::BadParameter(m)) if m.contains("QUERY")));
        assert!(matches!(req("REQUEST=getCapabilities&LANG=ADQL&QUERY=x"), Err(TapError::BadParameter(m)) if m.contains("doQuery")));
        assert_eq!(req("REQUEST=doQuery&LANG=ADQL-2.0&QUERY=x").map(|r| r.lang).ok(), Some(QueryLang::Adql20));
        assert!(matches!(req("LANG=ADQL&LANG=ADQL&QUERY=x"), Err(TapError::RepeatedParameter(_))));
        assert_eq!(req("LANG=ADQL&QUERY=x&RUNID=r1").ok().and_then(|r| r.runid), Some("r1".into()));
    }

    #[test]
    fn upload_is_multi_valued_and_checked_up_front() {
        let r = req("LANG=ADQL&QUERY=x&UPLOAD=a,param:a&upload=b,param:c");
        assert_eq!(r.map(|r| r.uploads.len()).ok(), Some(2));
        assert!(matches!(req("LANG=ADQL&QUERY=x&UPLOAD=a"), Err(TapError::BadParameter(m)) if m.contains("UPLOAD")));
    }
}
