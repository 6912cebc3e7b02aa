//! [`ArgumentError`]: a plan-time type error of one of our functions, typed so that the planner
//! can point at the offending argument in the query text (see `plan::errors`) instead of
//! guessing from the message.

use datafusion::error::DataFusionError;

/// A function was given an argument it cannot take.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ArgumentError {
    /// The registered function name (as the rewritten query calls it).
    pub function: String,
    /// 0-based index of the offending argument, if one argument is to blame.
    pub argument: Option<usize>,
    /// The explanation shown to the user.
    pub message: String,
}

impl ArgumentError {
    /// As the DataFusion error a UDF's type check returns.
    pub fn into_datafusion(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }
}

/// `Err` of an [`ArgumentError`] for `function`'s argument `argument`.
pub fn argument_error<T>(function: &str, argument: usize, message: impl Into<String>) -> datafusion::error::Result<T> {
    Err(ArgumentError { function: function.to_string(), argument: Some(argument), message: message.into() }.into_datafusion())
}
