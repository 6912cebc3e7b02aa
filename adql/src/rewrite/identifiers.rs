//! ADQL 2.1 §2.1.2: regular identifiers are case-insensitive, delimited identifiers are
//! case-sensitive. Our schemas are lower case, so regular identifiers are folded to lower case
//! and delimited ones are kept verbatim (with their quotes, so DataFusion keeps them too).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, Ident, JoinConstraint, ObjectName, ObjectNamePart, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableWithJoins, VisitMut, VisitorMut,
};

use super::snapshot::PlanningSnapshot;

/// Folds a regular identifier to lower case.
pub fn fold(id: &mut Ident) {
    if id.quote_style.is_none() {
        id.value = id.value.to_ascii_lowercase();
    }
}

/// Folds every regular part of a name.
pub fn fold_name(name: &mut ObjectName) {
    for p in name.0.iter_mut() {
        if let ObjectNamePart::Identifier(id) = p {
            fold(id);
        }
    }
}

/// Folds the identifiers an expression node itself holds (children are visited separately).
pub fn fold_expr(e: &mut Expr) {
    match e {
        Expr::Identifier(id) => fold(id),
        Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(fold),
        Expr::Function(f) => fold_name(&mut f.name),
        _ => {}
    }
}

/// As [`fold_expr`], but a regular column name that exists in the catalog only with another
/// case (`RAJ2000` in an uploaded table) becomes that exact, delimited name.
pub fn fold_expr_in(e: &mut Expr, snapshot: &PlanningSnapshot) {
    let column = match e {
        Expr::Identifier(id) => Some(id),
        Expr::CompoundIdentifier(ids) => ids.last_mut(),
        _ => None,
    };
    if let Some(id) = column {
        if id.quote_style.is_none() {
            if let Some(exact) = snapshot.column_spelling(&id.value) {
                id.value = exact;
                id.quote_style = Some('"');
            }
        }
    }
    fold_expr(e);
}

/// Pass 2 (see the module list in `rewrite`): folds every name in the query, at every level —
/// table names, FROM and CTE aliases, select-list aliases, qualified wildcards, USING columns,
/// column references and function names. Afterwards every name is spelled as DataFusion will
/// resolve it, so the later passes match names exactly.
pub fn fold_query(query: &mut Query, snapshot: &PlanningSnapshot) {
    struct Fold<'a> {
        snapshot: &'a PlanningSnapshot,
    }
    impl VisitorMut for Fold<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            if let Some(with) = q.with.as_mut() {
                for cte in with.cte_tables.iter_mut() {
                    fold(&mut cte.alias.name);
                }
            }
            fold_set_expr_names(q.body.as_mut());
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = tf {
                fold_name(name);
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            fold_expr_in(e, self.snapshot);
            ControlFlow::Continue(())
        }
    }
    let _ = query.visit(&mut Fold { snapshot });
}

/// Folds the names a SELECT holds outside expressions, in every SELECT of a set expression
/// of this query level (nested queries are reached by the visitor).
fn fold_set_expr_names(body: &mut SetExpr) {
    match body {
        SetExpr::Select(s) => fold_select_names(s),
        SetExpr::SetOperation { left, right, .. } => {
            fold_set_expr_names(left);
            fold_set_expr_names(right);
        }
        _ => {}
    }
}

fn fold_select_names(s: &mut Select) {
    for item in s.projection.iter_mut() {
        match item {
            SelectItem::ExprWithAlias { alias, .. } => fold(alias),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => fold_name(n),
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
            cols.iter_mut().for_each(fold_name);
        }
    }
}

fn fold_factor(tf: &mut TableFactor) {
    match tf {
        TableFactor::Table { alias, .. } | TableFactor::Derived { alias, .. } => {
            if let Some(a) = alias {
                fold(&mut a.name);
            }
        }
        TableFactor::NestedJoin { table_with_joins, .. } => fold_twj(table_with_joins),
        _ => {}
    }
}

