//! `EXPLAIN` for humans (`astrotap adql check --explain`): the rewritten SQL, the HEALPix range
//! filters, and the logical, optimized and physical plans, all from the session it is given —
//! the server's own, so the plan shown is the plan run.

use datafusion::error::DataFusionError;
use datafusion::physical_plan::displayable;
use datafusion::prelude::SessionContext;

use super::errors::clean;
use super::plan_with_names;
use crate::error::{AdqlError, ErrorKind, Result};

/// A human-readable account of how the query runs.
pub async fn explain(text: &str, ctx: &SessionContext) -> Result<String> {
    let planned = plan_with_names(text, ctx).await?;
    let failed = |e: DataFusionError| AdqlError::new(ErrorKind::Planning, 1, 1, clean(&e));
    let state = ctx.state();
    let optimized = state.optimize(&planned.plan).map_err(failed)?;
    let physical = match state.create_physical_plan(&planned.plan).await {
        Ok(p) => displayable(p.as_ref()).indent(true).to_string(),
        Err(e) => format!("(physical planning failed: {})", clean(&e)),
    };
    let mut out = String::new();
    out.push_str("== ADQL ==\n");
    out.push_str(text.trim());
    out.push_str("\n\n== Rewritten (shown as SQL, never re-parsed) ==\n");
    out.push_str(&planned.rewritten_sql);
    out.push_str("\n\n== HEALPix pruning ==\n");
    if planned.pruning.is_empty() {
        out.push_str("none\n");
    } else {
        for p in &planned.pruning {
            out.push_str("- ");
            out.push_str(&p.description);
            out.push('\n');
        }
    }
    out.push_str("\n== Logical plan ==\n");
    out.push_str(&planned.plan.display_indent().to_string());
    out.push_str("\n\n== Optimized logical plan ==\n");
    out.push_str(&optimized.display_indent().to_string());
    out.push_str("\n\n== Physical plan ==\n");
    out.push_str(&physical);
    Ok(out)
}
