//! The tables a query names, looked up in the session before the (synchronous) rewrite: their
//! schemas go into the [`PlanningSnapshot`], and an unknown one becomes an error at its name in
//! the text, with suggestions.

use std::ops::ControlFlow;

use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::resolve::resolve_table_references;
use datafusion::sql::sqlparser::ast::{Spanned, Statement, TableFactor, Visit, Visitor};
use datafusion::sql::sqlparser::tokenizer::Span;

use super::errors::clean;
use crate::check::suggest::{did_you_mean, suggest};
use crate::check::Ast;
use crate::error::{AdqlError, ErrorKind, Result};
use crate::rewrite::snapshot::table_reference;
use crate::rewrite::{PlanningSnapshot, TableInfo};

/// Adds every table the query names to `snapshot`; the first unknown one is an error.
pub(super) async fn load_tables(ast: &Ast, ctx: &SessionContext, snapshot: &mut PlanningSnapshot, default_catalog: &str, default_schema: &str) -> Result<()> {
    let statement = DfStatement::Statement(Box::new(Statement::Query(Box::new(ast.query.clone()))));
    let (refs, _ctes) = resolve_table_references(&statement, true)
        .map_err(|e| AdqlError::new(ErrorKind::Planning, 1, 1, clean(&e)))?;
    for r in refs {
        let resolved = r.clone().resolve(default_catalog, default_schema);
        match ctx.table_provider(r.clone()).await {
            Ok(provider) => snapshot.add_table(TableInfo { name: resolved.to_string(), schema: provider.schema() }),
            Err(_) => return Err(unknown_table(ast, ctx, &r, default_catalog, default_schema)),
        }
    }
    Ok(())
}

fn unknown_table(ast: &Ast, ctx: &SessionContext, r: &TableReference, dc: &str, ds: &str) -> AdqlError {
    let mut candidates = vec![];
    if let Some(catalog) = ctx.catalog(dc) {
        for s in catalog.schema_names() {
            if s == "information_schema" {
                continue;
            }
            if let Some(schema) = catalog.schema(&s) {
                for t in schema.table_names() {
                    candidates.push(if s == ds { t.clone() } else { format!("{s}.{t}") });
                }
            }
        }
    }
    let name = r.to_string();
    let sugg = suggest(&name, candidates.iter().map(|s| s.as_str()));
    let span = find_table_span(ast, r).unwrap_or(Span::empty());
    AdqlError::at_span(ErrorKind::UnknownTable, span, format!("unknown table '{name}'{}", did_you_mean(&sugg)))
}

fn find_table_span(ast: &Ast, r: &TableReference) -> Option<Span> {
    struct Find<'a> {
        target: &'a TableReference,
        found: Option<Span>,
    }
    impl Visitor for Find<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = tf {
                if table_reference(name).as_ref() == Some(self.target) {
                    self.found = Some(name.span());
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Find { target: r, found: None };
    let _ = ast.query.visit(&mut f);
    f.found
}
