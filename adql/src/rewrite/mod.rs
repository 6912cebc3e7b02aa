//! Rewrites of the checked ADQL AST into the SQL DataFusion plans, always on the AST (we never
//! print SQL and parse it again):
//!
//! 1. output names (`names.rs`) — decided on the user's text, before anything changes;
//! 2. identifiers (`identifiers.rs`) — regular ones folded to lower case;
//! 3. spatial predicates (`spatial.rs`) — fused UDFs and `_healpix_29` pruning ranges;
//! 4. functions (`functions.rs`) — ADQL names to registered functions, geometry CASTs to
//!    their UDFs (`cast.rs`);
//! 5. TOP → LIMIT (`top.rs`).

pub mod ast;
pub mod cast;
pub mod catalogue;
pub mod functions;
pub mod identifiers;
pub mod names;
pub mod scope;
pub mod spatial;
pub mod top;

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, Query, Select, SelectItem, SelectItemQualifiedWildcardKind,
    SetExpr, TableFactor, TableWithJoins, VisitMut, VisitorMut,
};

pub use catalogue::{Catalogue, TableInfo};
pub use names::OutputNames;

use crate::check::Ast;
use crate::error::{AdqlError, Result};
use scope::Scope;

/// The result of rewriting: the AST to plan, how to name the output, and what pruning was added.
#[derive(Debug, Clone)]
pub struct Rewritten {
    /// The query DataFusion will plan.
    pub query: Query,
    /// Output column renaming (DataFusion name → user's spelling).
    pub names: OutputNames,
    /// One line per `_healpix_29` pruning predicate added (for EXPLAIN).
    pub pruning: Vec<String>,
}

/// Applies all rewrites.
pub fn rewrite(ast: &Ast, cat: &Catalogue) -> Result<Rewritten> {
    let mut query = ast.query.clone();
    let names = names::assign_output_names(&mut query);
    let mut pass = Pass { cat, pruning: vec![] };
    if let ControlFlow::Break(e) = query.visit(&mut pass) {
        return Err(e);
    }
    Ok(Rewritten { query, names, pruning: pass.pruning })
}

struct Pass<'a> {
    cat: &'a Catalogue,
    pruning: Vec<String>,
}

impl VisitorMut for Pass<'_> {
    type Break = AdqlError;

    /// Per query: fold names held outside expressions, then the spatial rule on each SELECT of
    /// this query level (its WHERE conjuncts know their FROM scope).
    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<AdqlError> {
        if let Some(with) = q.with.as_mut() {
            for cte in with.cte_tables.iter_mut() {
                identifiers::fold(&mut cte.alias.name);
            }
        }
        let mut selects: Vec<&mut Select> = vec![];
        collect_selects(q.body.as_mut(), &mut selects);
        for s in selects {
            fold_select_names(s);
            self.spatial_where(s);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<AdqlError> {
        top::top_to_limit(q);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<AdqlError> {
        if let TableFactor::Table { name, .. } = tf {
            identifiers::fold_name(name);
        }
        ControlFlow::Continue(())
    }

    /// Parent first: `1 = CONTAINS(...)` anywhere (also under OR/NOT, in ON or the select
    /// list) becomes the fused call before its CONTAINS/POINT/CIRCLE children are visited.
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<AdqlError> {
        if let Some(p) = spatial::match_predicate(e) {
            if self.cat.has_function(p.udf_name()) {
                *e = ast::nested(p.fused());
            }
        }
        identifiers::fold_expr_in(e, self.cat);
        ControlFlow::Continue(())
    }

    /// Children first, so a renamed call never hides a pattern from its parent.
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<AdqlError> {
        if let Err(err) = functions::map_function(e, self.cat).and_then(|_| cast::map_geometry_cast(e, self.cat)) {
            return ControlFlow::Break(err);
        }
        ControlFlow::Continue(())
    }
}

impl Pass<'_> {
    /// Top-level WHERE conjuncts: fused predicate AND pruning ranges.
    fn spatial_where(&mut self, s: &mut Select) {
        let Some(mut w) = s.selection.take() else { return };
        let scope = Scope::of_select(s, self.cat);
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
                // Names are folded by the expression visitor later; match on a folded copy.
                let mut folded = e.clone();
                fold_all(&mut folded);
                let Some(p) = spatial::match_predicate(&folded) else { return };
                if !self.cat.has_function(p.udf_name()) {
                    return;
                }
                if let Some((prune, desc)) = spatial::pruning_for(&p, scope) {
                    *e = ast::nested(ast::binary(prune, BinaryOperator::And, p.fused()));
                    self.pruning.push(desc);
                }
            }
        }
    }
}

fn fold_all(e: &mut Expr) {
    struct Fold;
    impl VisitorMut for Fold {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            identifiers::fold_expr(e);
            ControlFlow::Continue(())
        }
    }
    let _ = e.visit(&mut Fold);
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

fn fold_select_names(s: &mut Select) {
    for item in s.projection.iter_mut() {
        match item {
            SelectItem::ExprWithAlias { alias, .. } => identifiers::fold(alias),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                identifiers::fold_name(n)
            }
            _ => {}
        }
    }
    for twj in s.from.iter_mut() {
        fold_twj(twj);
    }
}

fn fold_twj(twj: &mut TableWithJoins) {
    fold_factor(&mut twj.relation);
    for j in twj.joins.iter_mut() {
        fold_factor(&mut j.relation);
        use datafusion::sql::sqlparser::ast::JoinOperator as J;
        let c = match &mut j.join_operator {
            J::Join(c) | J::Inner(c) | J::Left(c) | J::LeftOuter(c) | J::Right(c) | J::RightOuter(c)
            | J::FullOuter(c) | J::CrossJoin(c) => Some(c),
            _ => None,
        };
        if let Some(JoinConstraint::Using(cols)) = c {
            cols.iter_mut().for_each(identifiers::fold_name);
        }
    }
}

fn fold_factor(tf: &mut TableFactor) {
    match tf {
        TableFactor::Table { alias, .. } | TableFactor::Derived { alias, .. } => {
            if let Some(a) = alias {
                identifiers::fold(&mut a.name);
            }
        }
        TableFactor::NestedJoin { table_with_joins, .. } => fold_twj(table_with_joins),
        _ => {}
    }
}
