//! Rewrites of the checked ADQL AST into the SQL DataFusion plans, always on the AST (we never
//! print SQL and parse it again). Five passes, each a full traversal, in this order; each says
//! what it may assume about the AST it receives:
//!
//! 1. output names (`names.rs`) — receives the user's text as parsed: the names clients see are
//!    decided before anything changes (unnamed select items get aliases here);
//! 2. identifiers (`identifiers.rs`) — folds every regular identifier to lower case (a column
//!    that exists only with other case becomes that delimited name). Later passes see every
//!    name spelled as DataFusion resolves it;
//! 3. spatial predicates (`spatial/`) — receives folded names and the ADQL function spellings:
//!    point-in-region predicates become fused UDF calls, and top-level WHERE conjuncts on a HATS
//!    table's indexed position also get a typed `_healpix_29` range filter (its ranges are a
//!    value, registered with the query's planning state);
//! 4. functions (`functions.rs`, `cast.rs`) — ADQL function names to registered functions and
//!    geometry CASTs to UDFs, children first; leaves the spatial pass's calls alone;
//! 5. TOP → LIMIT (`top.rs`) — last, since it may wrap set-operation branches in subqueries.

pub mod ast;
pub mod cast;
pub mod functions;
pub mod identifiers;
pub mod names;
pub mod scope;
pub mod snapshot;
pub mod spatial;
pub mod top;

pub use names::OutputNames;
pub use snapshot::{PlanningSnapshot, TableInfo};
pub use spatial::PruningFilter;

use datafusion::sql::sqlparser::ast::Query;

use crate::check::Ast;
use crate::error::Result;

/// The result of rewriting: the AST to plan, how to name the output, and the range filters the
/// AST calls.
#[derive(Debug, Clone)]
pub struct Rewritten {
    /// The query DataFusion will plan.
    pub query: Query,
    /// Output column renaming (DataFusion name → user's spelling).
    pub names: OutputNames,
    /// The `_healpix_29` range filters added by the spatial pass: to be registered, under
    /// their names, in the state the query is planned with.
    pub pruning: Vec<PruningFilter>,
}

/// Applies the five passes in order.
pub fn rewrite(ast: &Ast, snapshot: &PlanningSnapshot) -> Result<Rewritten> {
    let mut query = ast.query.clone();
    let names = names::assign_output_names(&mut query);
    identifiers::fold_query(&mut query, snapshot);
    let pruning = spatial::rewrite_query(&mut query, snapshot);
    let synthesised: Vec<String> = pruning.iter().map(|p| p.name().to_string()).collect();
    functions::map_query(&mut query, snapshot, &synthesised)?;
    top::top_to_limit_everywhere(&mut query);
    Ok(Rewritten { query, names, pruning })
}
