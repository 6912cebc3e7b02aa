//! Output column names. TAP clients show them to astronomers, so they must be stable and
//! readable (DaCHS's random names for `COUNT(*)` are a known trap): unnamed expressions get
//! `count`, `avg_phot_g_mean_mag`, `expr_3`; columns and aliases keep the user's spelling
//! (`SELECT Ra AS "RA_deg"` gives `RA_deg`), even though regular identifiers are matched
//! case-insensitively.

use std::collections::HashMap;

use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Query, SelectItem, SetExpr,
};

use crate::check::expr::{plain_args, simple_name};
use super::snapshot::normalize_ident;

/// The leftmost SELECT of a query body: it names the output columns (also for set operations).
pub fn leftmost_select_mut(body: &mut SetExpr) -> Option<&mut datafusion::sql::sqlparser::ast::Select> {
    match body {
        SetExpr::Select(s) => Some(s),
        SetExpr::Query(q) => leftmost_select_mut(q.body.as_mut()),
        SetExpr::SetOperation { left, .. } => leftmost_select_mut(left.as_mut()),
        _ => None,
    }
}

fn arg_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(normalize_ident(id).to_ascii_lowercase()),
        Expr::CompoundIdentifier(ids) => ids.last().map(|id| normalize_ident(id).to_ascii_lowercase()),
        Expr::Nested(inner) => arg_name(inner),
        _ => None,
    }
}

/// A stable, readable name for an unnamed select expression at 1-based `position`.
pub fn stable_name(e: &Expr, position: usize) -> String {
    match e {
        Expr::Nested(inner) => stable_name(inner, position),
        Expr::Function(f) => {
            let fname = simple_name(f).map(|s| s.to_ascii_lowercase()).unwrap_or_else(|| "expr".into());
            let is_star = matches!(&f.args, FunctionArguments::List(l)
                if matches!(l.args.as_slice(), [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]));
            if is_star {
                return fname;
            }
            let parts: Vec<String> = plain_args(f).unwrap_or_default().iter().filter_map(|a| arg_name(a)).collect();
            if parts.is_empty() {
                fname
            } else {
                format!("{fname}_{}", parts.join("_"))
            }
        }
        Expr::Floor { expr, .. } => match arg_name(expr) {
            Some(a) => format!("floor_{a}"),
            None => "floor".into(),
        },
        Expr::Cast { expr, .. } => match arg_name(expr) {
            Some(a) => a,
            None => format!("expr_{position}"),
        },
        _ => format!("expr_{position}"),
    }
}

/// Output naming decided before the rewrite: aliases to add to unnamed expressions, and the
/// final renaming from DataFusion's (lower-case) field names to the user's spelling.
#[derive(Debug, Clone, Default)]
pub struct OutputNames {
    /// DataFusion field name → name to present.
    pub rename: HashMap<String, String>,
}

/// Assigns aliases to unnamed non-column items of the leftmost top-level SELECT (in place) and
/// records the user's spelling of columns and aliases.
pub fn assign_output_names(q: &mut Query) -> OutputNames {
    let mut out = OutputNames::default();
    let Some(select) = leftmost_select_mut(q.body.as_mut()) else { return out };
    let mut used: Vec<String> = vec![];
    for (i, item) in select.projection.iter_mut().enumerate() {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let user_col = match e {
                    Expr::Identifier(id) => Some(id.clone()),
                    Expr::CompoundIdentifier(ids) => ids.last().cloned(),
                    _ => None,
                };
                match user_col {
                    // DataFusion refuses the same column twice in one projection, ADQL does
                    // not: repeats get an alias (`ra_2`).
                    Some(id) if used.contains(&id.value.to_ascii_lowercase()) => {
                        let base = id.value.clone();
                        let mut k = 2;
                        let mut name = format!("{base}_{k}");
                        while used.contains(&name.to_ascii_lowercase()) {
                            k += 1;
                            name = format!("{base}_{k}");
                        }
                        used.push(name.to_ascii_lowercase());
                        let expr = std::mem::replace(e, Expr::Identifier(Ident::new("")));
                        *item = SelectItem::ExprWithAlias { expr, alias: Ident::with_quote('"', name) };
                    }
                    Some(id) => {
                        used.push(id.value.to_ascii_lowercase());
                        out.rename.entry(normalize_ident(&id)).or_insert(id.value.clone());
                    }
                    None => {
                        let mut name = stable_name(e, i + 1);
                        let base = name.clone();
                        let mut k = 2;
                        while used.contains(&name.to_ascii_lowercase()) {
                            name = format!("{base}_{k}");
                            k += 1;
                        }
                        used.push(name.to_ascii_lowercase());
                        let expr = std::mem::replace(e, Expr::Identifier(Ident::new("")));
                        *item = SelectItem::ExprWithAlias { expr, alias: Ident::with_quote('"', name) };
                    }
                }
            }
            SelectItem::ExprWithAlias { alias, .. } => {
                out.rename.entry(normalize_ident(alias)).or_insert(alias.value.clone());
                used.push(alias.value.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    out
}
