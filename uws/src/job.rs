//! The UWS job object (UWS 1.1 §2.1) and its parts.

use crate::id::JobId;
use crate::phase::ExecutionPhase;
use crate::time::Timestamp;

/// One job parameter (UWS 1.1 §2.1.11; `uws:Parameter` in the schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The name, lowercased: DALI 1.1 §3 makes parameter names case-insensitive, so `QUERY`,
    /// `Query` and `query` are one parameter.
    pub name: String,
    /// The value, exactly as sent (DALI values are case-sensitive).
    pub value: String,
    /// True when `value` is a URL pointing at the value (e.g. an inline upload, UWS 1.1 §2.2.3.1.1).
    pub by_reference: bool,
}

/// The parameter list of a job, in the order received. Names may repeat (e.g. `UPLOAD`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters(Vec<Parameter>);

impl Parameters {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a list from (name, value) pairs, as decoded from a form or query string.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut p = Self::new();
        for (k, v) in pairs {
            p.push(k.as_ref(), v);
        }
        p
    }

    /// Appends a value (keeps earlier values of the same name).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push(Parameter { name: normalise(name), value: value.into(), by_reference: false });
    }

    /// Appends a by-reference value.
    pub fn push_reference(&mut self, name: &str, url: impl Into<String>) {
        self.0.push(Parameter { name: normalise(name), value: url.into(), by_reference: true });
    }

    /// Replaces all values of `name` by one value (a parameter update, UWS 1.1 §2.1.11).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let name = normalise(name);
        let value = value.into();
        match self.0.iter().position(|p| p.name == name) {
            Some(first) => {
                self.0[first] = Parameter { name: name.clone(), value, by_reference: false };
                let mut i = 0;
                self.0.retain(|p| {
                    let keep = i <= first || p.name != name;
                    i += 1;
                    keep
                });
            }
            None => self.0.push(Parameter { name, value, by_reference: false }),
        }
    }

    /// The first value of `name`, matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = normalise(name);
        self.0.iter().find(|p| p.name == name).map(|p| p.value.as_str())
    }

    /// All values of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = normalise(name);
        self.0.iter().filter(move |p| p.name == name).map(|p| p.value.as_str())
    }

    /// Removes every value of `name`; returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let name = normalise(name);
        let before = self.0.len();
        self.0.retain(|p| p.name != name);
        before - self.0.len()
    }

    /// Iterates over all parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Parameter> {
        self.0.iter()
    }

    /// Number of parameter values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push_raw(&mut self, p: Parameter) {
        self.0.push(p);
    }
}

fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A result of a job (UWS 1.1 §2.1.10; `uws:ResultReference`). The file lives in the job's
/// results directory under the name `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultInfo {
    /// Unique within the job; TAP fixes the main one as `result` (TAP 1.1 §2.2.3).
    pub id: String,
    /// Media type of the file, served as Content-Type.
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// `uws:ErrorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// Retrying may succeed (e.g. execution duration exceeded, server restarted).
    Transient,
    /// Retrying the same job will fail again (e.g. an ADQL syntax error).
    Fatal,
}

impl ErrorType {
    /// Schema spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Transient => "transient",
            ErrorType::Fatal => "fatal",
        }
    }
}

/// Why a job failed (UWS 1.1 §2.1.7; `uws:ErrorSummary`). The message is also the detailed text
/// served at `/{jobs}/{job-id}/error`.
///
/// It is also the error a [`crate::JobExecutor`] returns: the executor knows whether running the
/// same job again can succeed, the runner does not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ErrorSummary {
    /// Human-readable message.
    pub message: String,
    /// Transient or fatal.
    pub error_type: ErrorType,
}

impl ErrorSummary {
    /// A failure that will recur if the same job is run again (bad query, bad parameter).
    pub fn fatal(message: impl std::fmt::Display) -> Self {
        ErrorSummary { message: message.to_string(), error_type: ErrorType::Fatal }
    }

    /// A failure that a later run of the same job may not meet (resources, restart, timeout).
    pub fn transient(message: impl std::fmt::Display) -> Self {
        ErrorSummary { message: message.to_string(), error_type: ErrorType::Transient }
    }
}

/// A job (UWS 1.1 §2.1) as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Server-assigned, unguessable identifier.
    pub id: JobId,
    /// Client-supplied label, returned verbatim (§2.1.9).
    pub run_id: Option<String>,
    /// Creator's identity when authenticated (§2.1.8).
    pub owner_id: Option<String>,
    /// Current phase.
    pub phase: ExecutionPhase,
    /// Predicted completion; we never guess, so usually `None` (xsi:nil, §2.1.6).
    pub quote: Option<Timestamp>,
    /// When the job was created; strictly increasing within a store, so it orders jobs exactly.
    pub creation_time: Timestamp,
    /// When execution started.
    pub start_time: Option<Timestamp>,
    /// When the job reached a final phase.
    pub end_time: Option<Timestamp>,
    /// Wall-clock seconds the job may run; 0 means unlimited (§2.1.4).
    pub execution_duration: u64,
    /// When the job and its results are destroyed (§2.1.5).
    pub destruction: Option<Timestamp>,
    /// The job parameters.
    pub parameters: Parameters,
    /// Results available (only after COMPLETED).
    pub results: Vec<ResultInfo>,
    /// Set when the phase is ERROR (and for ABORTED by timeout).
    pub error_summary: Option<ErrorSummary>,
}

/// What a client provides when creating a job.
#[derive(Debug, Clone, Default)]
pub struct NewJob {
    /// RUNID, if given.
    pub run_id: Option<String>,
    /// The authenticated creator, if any.
    pub owner_id: Option<String>,
    /// Protocol parameters (for TAP: LANG, QUERY, RESPONSEFORMAT, MAXREC, UPLOAD ...).
    pub parameters: Parameters,
    /// Requested execution duration in seconds (clamped by the service).
    pub execution_duration: Option<u64>,
    /// Requested destruction time (clamped by the service).
    pub destruction: Option<Timestamp>,
    /// Files sent with the request (for TAP: inline upload tables), kept with the job.
    pub uploads: Vec<JobUpload>,
}

/// A file a client sent with a job (a TAP inline upload, UWS 1.1 §2.2.3.1.1), stored beside the
/// job until it is destroyed. Its name must be a valid result id (a file name in the store).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobUpload {
    /// The name the job's parameters refer to it by (for TAP: the multipart part name).
    pub name: String,
    /// The content.
    pub data: Vec<u8>,
}

/// One row of the job list (`uws:ShortJobDescription`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRef {
    /// Job id.
    pub id: JobId,
    /// Phase.
    pub phase: ExecutionPhase,
    /// RUNID.
    pub run_id: Option<String>,
    /// Owner.
    pub owner_id: Option<String>,
    /// Creation time.
    pub creation_time: Timestamp,
}

/// Job list filters (UWS 1.1 §2.2.2.1); different filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Union of these phases; empty means every phase except ARCHIVED.
    pub phases: Vec<ExecutionPhase>,
    /// Only jobs created strictly after this instant.
    pub after: Option<Timestamp>,
    /// Only the `n` most recently created jobs (listed newest first).
    pub last: Option<u64>,
    /// Only jobs of this owner (the security context of the request, UWS 1.1 §3).
    pub owner_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_values_are_not() {
        let mut p = Parameters::from_pairs([("QUERY", "SELECT 1"), ("Lang", "ADQL"), ("upload", "a,param:a")]);
        p.push("UPLOAD", "b,param:b");
        assert_eq!(p.get("query"), Some("SELECT 1"));
        assert_eq!(p.get("LANG"), Some("ADQL"));
        assert_eq!(p.get_all("Upload").collect::<Vec<_>>(), vec!["a,param:a", "b,param:b"]);
        p.set("uPlOaD", "c,param:c");
        assert_eq!(p.get_all("upload").collect::<Vec<_>>(), vec!["c,param:c"]);
        assert_eq!(p.len(), 3);
        assert_eq!(p.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), vec!["query", "lang", "upload"]);
        p.set("maxrec", "10");
        assert_eq!(p.get("MAXREC"), Some("10"));
        assert_eq!(p.remove("QUERY"), 1);
        assert_eq!(p.get("query"), None);
    }
}
