//! The one error type of the `uws` crate.

use crate::phase::ExecutionPhase;

/// Everything that can go wrong in the job model, store or runner.
///
/// The HTTP layer maps these onto status codes (UWS 1.1 §2.2: unknown job 404, request illegal for
/// the job's current state 403, bad client value 400, machinery failure 500).
#[derive(Debug, thiserror::Error)]
pub enum UwsError {
    /// No job with this id (or it was destroyed).
    #[error("no such job: {0}")]
    NotFound(String),
    /// The phase change is not allowed by the UWS 1.1 state diagram (§2.1.3).
    #[error("illegal phase transition {from} -> {to}")]
    IllegalTransition {
        /// The job's phase at the time of the request.
        from: ExecutionPhase,
        /// The phase that was asked for.
        to: ExecutionPhase,
    },
    /// The request is well formed but not allowed in the job's current phase
    /// (e.g. changing parameters after PENDING).
    #[error("{what} is not allowed while the job is {phase}")]
    NotAllowedInPhase {
        /// What was attempted.
        what: String,
        /// The job's phase.
        phase: ExecutionPhase,
    },
    /// A client-supplied value could not be understood (bad phase name, time, duration, id).
    #[error("{0}")]
    BadValue(String),
    /// The SQLite job store failed.
    #[error("job store: {0}")]
    Store(#[from] rusqlite::Error),
    /// A file under the results directory could not be read or written.
    #[error("result storage: {0}")]
    Io(#[from] std::io::Error),
    /// The stored data is inconsistent (e.g. an unknown phase string in a row).
    #[error("corrupt job store: {0}")]
    Corrupt(String),
    /// The operating system's random number generator failed (job ids could not be drawn).
    #[error("random number generator: {0}")]
    Random(String),
}

/// Shorthand for results in this crate.
pub type Result<T, E = UwsError> = std::result::Result<T, E>;
