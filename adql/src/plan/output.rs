//! Output column names as the user spelled them (decided by the rewrite's first pass, applied
//! here to DataFusion's lower-case field names), with duplicates made unique.

use std::collections::HashSet;

use datafusion::common::Column;
use datafusion::logical_expr::{Expr as DfExpr, LogicalPlan, LogicalPlanBuilder};

use crate::rewrite::OutputNames;

/// Wraps the plan in a projection renaming DataFusion's field names to the user's spelling
/// (and making duplicate names unique), only when something changes.
pub(super) fn rename_output(plan: LogicalPlan, names: &OutputNames) -> datafusion::error::Result<LogicalPlan> {
    let schema = plan.schema().clone();
    let mut used: HashSet<String> = HashSet::new();
    let mut exprs: Vec<DfExpr> = vec![];
    let mut changed = false;
    for (qualifier, field) in schema.iter() {
        let want = names.rename.get(field.name()).cloned().unwrap_or_else(|| field.name().clone());
        let mut name = want.clone();
        let mut k = 2;
        while used.contains(&name) {
            name = format!("{want}_{k}");
            k += 1;
        }
        used.insert(name.clone());
        let col = DfExpr::Column(Column::new(qualifier.cloned(), field.name()));
        if name != *field.name() {
            changed = true;
            exprs.push(col.alias(name));
        } else {
            exprs.push(col);
        }
    }
    if !changed {
        return Ok(plan);
    }
    LogicalPlanBuilder::from(plan).project(exprs)?.build()
}
