//! ADQL 2.1 for astrotap: parse (sqlparser with [`AdqlDialect`]), check (ADQL only, errors with
//! line:column), rewrite (TOP, ADQL functions, identifiers, spatial predicates with HEALPix
//! pruning, output names) and plan (DataFusion `SqlToRel` over the session's catalog).
//!
//! ```text
//! text --parse--> sqlparser AST --check--> Ast --rewrite(catalog)--> AST --SqlToRel--> LogicalPlan
//! ```
#![deny(missing_docs)]

pub mod check;
pub mod crossmatch;
pub mod error;
pub mod geometry;
pub mod parse;
pub mod plan;
pub mod rewrite;
pub mod udf;

pub use check::{check_syntax, check_syntax_within, Ast};
pub use error::{AdqlError, ErrorKind};
pub use parse::{AdqlDialect, InputLimits};
pub use plan::{explain, plan, plan_with_names, plan_within, session_with_crossmatch, session_with_udfs, PlannedQuery};
pub use rewrite::PruningFilter;
