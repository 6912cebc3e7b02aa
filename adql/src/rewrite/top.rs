//! `SELECT TOP n` (ADQL 2.1 §2.2.2) → the query's LIMIT. In a set operation TOP binds to its own
//! SELECT, so such a branch is wrapped in a subquery carrying the limit.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{LimitClause, Query, Select, SetExpr, TopQuantity, VisitMut, VisitorMut};

use super::ast::int;

fn take_top(select: &mut Select) -> Option<u64> {
    let top = select.top.take()?;
    match top.quantity {
        Some(TopQuantity::Constant(n)) => Some(n),
        _ => None,
    }
}

fn set_limit(q: &mut Query, n: u64) {
    let offset = match q.limit_clause.take() {
        Some(LimitClause::LimitOffset { offset, .. }) => offset,
        _ => None,
    };
    q.limit_clause = Some(LimitClause::LimitOffset { limit: Some(int(n)), offset, limit_by: vec![] });
}

/// Rewrites the TOP of the query's own SELECT(s); nested queries are handled by the caller's
/// traversal.
pub fn top_to_limit(q: &mut Query) {
    if let SetExpr::Select(s) = q.body.as_mut() {
        if let Some(n) = take_top(s) {
            set_limit(q, n);
        }
        return;
    }
    wrap_branches(q.body.as_mut());
}

fn wrap_branches(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            for side in [left, right] {
                match side.as_mut() {
                    SetExpr::Select(s) if s.top.is_some() => {
                        let n = take_top(s);
                        let select = std::mem::replace(side.as_mut(), SetExpr::Values(empty_values()));
                        let mut sub = Query {
                            with: None,
                            body: Box::new(select),
                            order_by: None,
                            limit_clause: None,
                            fetch: None,
                            locks: vec![],
                            for_clause: None,
                            settings: None,
                            format_clause: None,
                            pipe_operators: vec![],
                        };
                        if let Some(n) = n {
                            set_limit(&mut sub, n);
                        }
                        **side = SetExpr::Query(Box::new(sub));
                    }
                    other => wrap_branches(other),
                }
            }
        }
        _ => {}
    }
}

fn empty_values() -> datafusion::sql::sqlparser::ast::Values {
    datafusion::sql::sqlparser::ast::Values { explicit_row: false, value_keyword: false, rows: vec![] }
}

/// Pass 5 (see the module list in `rewrite`): TOP to LIMIT at every query level, innermost
/// first. Last, because wrapping a set operation's branches in subqueries moves nodes that the
/// earlier passes address by their position in a SELECT.
pub fn top_to_limit_everywhere(query: &mut Query) {
    struct Top;
    impl VisitorMut for Top {
        type Break = ();
        fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            top_to_limit(q);
            ControlFlow::Continue(())
        }
    }
    let _ = query.visit(&mut Top);
}
