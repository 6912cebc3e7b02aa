//! The one error type of the ADQL front-end: every failure carries the 1-based line and column of
//! the token it is about, because TAP clients show `line:col: message` to the astronomer
//! (TAP 1.1 §2.9 leaves the text free; DaCHS and VOLLT both point at the token).

use datafusion::sql::sqlparser::tokenizer::{Location, Span};

/// What went wrong, coarsely: lets callers (TAP, the conformance runner) tell a syntax problem
/// from a catalog problem without parsing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text does not follow the ADQL 2.1 grammar (or could not be tokenized).
    Syntax,
    /// Valid SQL of some dialect, but not ADQL (DDL, DML, LIMIT, `::`, vendor functions, ...).
    NotAdql,
    /// A table named in FROM does not exist in the catalog.
    UnknownTable,
    /// A column reference does not resolve.
    UnknownColumn,
    /// A function is neither an ADQL function nor a registered user-defined function.
    UnknownFunction,
    /// Wrong number or kind of arguments, or an operand of the wrong type.
    Type,
    /// ADQL that this service does not (yet) execute.
    Unsupported,
    /// Any other planning failure reported by DataFusion.
    Planning,
    /// The query is longer, has more tokens or nests deeper than the service accepts
    /// ([`crate::InputLimits`]).
    Limit,
}

/// An ADQL error at a position in the query text. `Display` renders `line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct AdqlError {
    /// 1-based line of the offending token.
    pub line: u64,
    /// 1-based column of the offending token.
    pub column: u64,
    /// Human-readable explanation, naming the offending token and, where possible, a fix.
    pub message: String,
    /// Coarse classification.
    pub kind: ErrorKind,
}

impl AdqlError {
    /// An error at an explicit position (positions below 1 are clamped to 1).
    pub fn new(kind: ErrorKind, line: u64, column: u64, message: impl Into<String>) -> Self {
        AdqlError { line: line.max(1), column: column.max(1), message: message.into(), kind }
    }

    /// An error at the start of a sqlparser span; an empty span (synthesised node) maps to 1:1.
    pub fn at_span(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        Self::at_location(kind, span.start, message)
    }

    /// An error at a sqlparser location.
    pub fn at_location(kind: ErrorKind, loc: Location, message: impl Into<String>) -> Self {
        Self::new(kind, loc.line, loc.column, message)
    }

    /// True when the position is known (not the 1:1 fallback of a synthesised node).
    pub fn has_position(&self) -> bool {
        !(self.line == 1 && self.column == 1)
    }
}

/// Convenience alias used throughout the crate.
pub type Result<T, E = AdqlError> = std::result::Result<T, E>;
