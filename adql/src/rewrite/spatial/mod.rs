//! Pass 3 (see the module list in `rewrite`): spatial predicates with constant regions.
//!
//! - [`matcher`] recognises `1=CONTAINS(POINT(..), region)`, `DISTANCE(..) < r` and their
//!   variants, and gives the fused, vectorised UDF call each one becomes;
//! - [`crossmatch`] recognises the same predicates against a circle centred on columns (a
//!   positional crossmatch) and gives the per-row fused cone test, which the physical crossmatch
//!   rule finds in join conditions;
//! - [`pruning`] adds, for a top-level WHERE conjunct whose point is a HATS table's indexed
//!   position, a typed `_healpix_29` range filter beside the fused call.
//!
//! It receives folded names (pass 2) and ADQL function spellings (pass 4 has not run: it would
//! rename the CONTAINS/POINT/CIRCLE calls this pass matches).

pub mod crossmatch;
pub mod matcher;
pub mod pruning;

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Query, Select, SetExpr, VisitMut, VisitorMut};

pub use crossmatch::match_crossmatch;
pub use matcher::{const_value, match_predicate, Region, SpatialPredicate, IN_BOX, IN_CONE, IN_POLYGON};
pub use pruning::{PruningFilter, MAX_RANGES};

use super::ast;
use super::scope::Scope;
use super::snapshot::PlanningSnapshot;

/// Applies the spatial rule to every SELECT at every query level; returns the range filters
/// added, in order.
pub fn rewrite_query(query: &mut Query, snapshot: &PlanningSnapshot) -> Vec<PruningFilter> {
    let mut pass = Spatial { snapshot, filters: vec![] };
    let _ = query.visit(&mut pass);
    pass.filters
}

struct Spatial<'a> {
    snapshot: &'a PlanningSnapshot,
    filters: Vec<PruningFilter>,
}

impl VisitorMut for Spatial<'_> {
    type Break = ();

    /// Per query level, first the WHERE conjuncts of its SELECTs, which know their FROM scope
    /// and so can also prune. The visitor then descends into them and finds nothing left.
    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        let mut selects: Vec<&mut Select> = vec![];
        collect_selects(q.body.as_mut(), &mut selects);
        for s in selects {
            self.where_conjuncts(s);
        }
        ControlFlow::Continue(())
    }

    /// Parent first: `1 = CONTAINS(...)` anywhere else (under OR/NOT, in ON, in the select
    /// list), and every crossmatch predicate, becomes the fused call before its
    /// CONTAINS/POINT/CIRCLE children are visited.
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Some(p) = match_predicate(e).or_else(|| match_crossmatch(e)) {
            if self.snapshot.has_function(p.udf_name()) {
                *e = ast::nested(p.fused());
            }
        }
        ControlFlow::Continue(())
    }
}

impl Spatial<'_> {
    fn where_conjuncts(&mut self, s: &mut Select) {
        let Some(mut w) = s.selection.take() else { return };
        let scope = Scope::of_select(s, self.snapshot);
        self.conjuncts(&mut w, &scope);
        s.selection = Some(w);
    }

    fn conjuncts(&mut self, e: &mut Expr, scope: &Scope) {
        match e {
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
                self.conjuncts(left, scope);
                self.conjuncts(right, scope);
            }
            Expr::Nested(inner) if matches!(inner.as_ref(), Expr::BinaryOp { op: BinaryOperator::And, .. }) => {
                self.conjuncts(inner, scope)
            }
            _ => {
                let Some(p) = match_predicate(e) else { return };
                if !self.snapshot.has_function(p.udf_name()) {
                    return;
                }
                match pruning::pruning_for(&p, scope, self.filters.len() + 1) {
                    Some((filter, added)) => {
                        *e = ast::nested(ast::binary(filter, BinaryOperator::And, p.fused()));
                        self.filters.push(added);
                    }
                    None => *e = ast::nested(p.fused()),
                }
            }
        }
    }
}

fn collect_selects<'a>(body: &'a mut SetExpr, out: &mut Vec<&'a mut Select>) {
    match body {
        SetExpr::Select(s) => out.push(s),
        SetExpr::SetOperation { left, right, .. } => {
            collect_selects(left, out);
            collect_selects(right, out);
        }
        _ => {}
    }
}
