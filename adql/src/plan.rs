//! ADQL text → DataFusion `LogicalPlan` over a session's catalogue: check, resolve tables
//! (unknown ones named with suggestions), rewrite, plan with DataFusion's `SqlToRel` (through
//! `SessionState::statement_to_plan`, whose context provider serves the session's catalogs,
//! e.g. `datafusion.gaiadr3.gaia_source`, `datafusion.tap_schema.tables`), map DataFusion errors
//! back to line:column, and rename output columns to the user's spelling.

use std::collections::HashSet;

use datafusion::common::{Column, DataFusionError, SchemaError};
use datafusion::logical_expr::{Expr as DfExpr, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::displayable;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::resolve::resolve_table_references;
use datafusion::sql::sqlparser::ast::{ObjectName, Spanned, Statement, TableFactor, Visit, Visitor};
use datafusion::sql::sqlparser::tokenizer::{Location, Span, Token};
use datafusion::common::TableReference;
use std::ops::ControlFlow;

use crate::check::suggest::{did_you_mean, suggest};
use crate::check::{check_syntax_with, functions, Ast};
use crate::error::{AdqlError, ErrorKind, Result};
use crate::rewrite::{self, catalogue::table_reference, Catalogue, TableInfo};

/// A planned query with what EXPLAIN shows about it.
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// The logical plan (output columns named as the user spelled them).
    pub plan: LogicalPlan,
    /// The rewritten AST, displayed as SQL (for humans only: it is never parsed again).
    pub rewritten_sql: String,
    /// One line per `_healpix_29` pruning predicate the spatial rule added.
    pub pruning: Vec<String>,
}

/// A `SessionContext` with every ADQL/IVOA/Gaia UDF registered.
pub fn session_with_udfs() -> SessionContext {
    let ctx = SessionContext::new();
    crate::udf::register_all(&ctx);
    ctx
}

/// Plans ADQL text against the session's catalogue.
pub async fn plan(text: &str, ctx: &SessionContext) -> Result<LogicalPlan> {
    Ok(plan_with_names(text, ctx).await?.plan)
}

/// Plans ADQL text and keeps the rewrite details.
pub async fn plan_with_names(text: &str, ctx: &SessionContext) -> Result<PlannedQuery> {
    let state = ctx.state();
    let mut registered: HashSet<String> = HashSet::new();
    registered.extend(state.scalar_functions().keys().map(|k| k.to_ascii_lowercase()));
    registered.extend(state.aggregate_functions().keys().map(|k| k.to_ascii_lowercase()));
    let known = |name: &str| {
        let l = name.to_ascii_lowercase();
        registered.contains(&l) || functions::is_udf(&l)
    };
    let ast = check_syntax_with(text, &known)?;

    let options = state.config().options();
    let default_catalog = options.catalog.default_catalog.clone();
    let default_schema = options.catalog.default_schema.clone();
    let mut cat = Catalogue::new(&default_catalog, &default_schema);
    for name in &registered {
        cat.add_function(name);
    }
    load_tables(&ast, ctx, &mut cat, &default_catalog, &default_schema).await?;

    let rewritten = rewrite::rewrite(&ast, &cat)?;
    let rewritten_sql = rewritten.query.to_string();
    tracing::debug!(adql = %text, sql = %rewritten_sql, "ADQL rewritten");

    let mut state = state;
    state.config_mut().options_mut().sql_parser.collect_spans = true;
    let statement = DfStatement::Statement(Box::new(Statement::Query(Box::new(rewritten.query))));
    let plan = state.statement_to_plan(statement).await.map_err(|e| map_datafusion_error(&e, &ast))?;
    let plan = rename_output(plan, &rewritten.names).map_err(|e| map_datafusion_error(&e, &ast))?;
    Ok(PlannedQuery { plan, rewritten_sql, pruning: rewritten.pruning })
}

/// A human-readable account of how the query runs: rewritten SQL, HEALPix pruning predicates,
/// logical, optimized and physical plans.
pub async fn explain(text: &str, ctx: &SessionContext) -> Result<String> {
    let planned = plan_with_names(text, ctx).await?;
    let ast_err = |e: DataFusionError| AdqlError::new(ErrorKind::Planning, 1, 1, clean(&e));
    let state = ctx.state();
    let optimized = state.optimize(&planned.plan).map_err(ast_err)?;
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
            out.push_str(p);
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

async fn load_tables(
    ast: &Ast,
    ctx: &SessionContext,
    cat: &mut Catalogue,
    default_catalog: &str,
    default_schema: &str,
) -> Result<()> {
    let statement = DfStatement::Statement(Box::new(Statement::Query(Box::new(ast.query.clone()))));
    let (refs, _ctes) = resolve_table_references(&statement, true)
        .map_err(|e| AdqlError::new(ErrorKind::Planning, 1, 1, clean(&e)))?;
    for r in refs {
        let resolved = r.clone().resolve(default_catalog, default_schema);
        match ctx.table_provider(r.clone()).await {
            Ok(provider) => cat.add_table(TableInfo { name: resolved.to_string(), schema: provider.schema() }),
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
                    self.found = Some(name_span(name));
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

fn name_span(name: &ObjectName) -> Span {
    name.span()
}

/// Wraps the plan in a projection renaming DataFusion's field names to the user's spelling
/// (and making duplicate names unique), only when something changes.
fn rename_output(plan: LogicalPlan, names: &rewrite::OutputNames) -> datafusion::error::Result<LogicalPlan> {
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

fn clean(e: &DataFusionError) -> String {
    let s = e.strip_backtrace();
    let mut s = s.as_str();
    for prefix in ["Error during planning: ", "Schema error: ", "This feature is not implemented: "] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s.to_string()
}

/// Position of the first token spelling `name` (regular: case-insensitive; delimited: exact).
fn find_name(ast: &Ast, name: &str) -> Option<Span> {
    ast.tokens.iter().find_map(|t| match &t.token {
        Token::Word(w) => {
            let hit = if w.quote_style.is_some() { w.value == name } else { w.value.eq_ignore_ascii_case(name) };
            hit.then_some(t.span)
        }
        _ => None,
    })
}

/// DataFusion error → ADQL error with a position: the diagnostic span when DataFusion has one
/// (spans collected on the AST survive our rewrite for user-written nodes), else the first
/// occurrence in the text of the name the error is about.
fn map_datafusion_error(e: &DataFusionError, ast: &Ast) -> AdqlError {
    let diag_span = e
        .diagnostic()
        .and_then(|d| d.span)
        .filter(|s| s.start.line > 0)
        .map(|s| Span::new(Location::new(s.start.line, s.start.column), Location::new(s.end.line, s.end.column)));
    for inner in error_chain(e) {
        if let DataFusionError::SchemaError(se, _) = inner {
            match se.as_ref() {
                SchemaError::FieldNotFound { field, valid_fields } => {
                    let name = field.name.clone();
                    let mut cands: Vec<String> = valid_fields.iter().map(|c| c.name.clone()).collect();
                    cands.sort();
                    cands.dedup();
                    let sugg = suggest(&name, cands.iter().map(|s| s.as_str()));
                    let span = diag_span.or_else(|| find_name(ast, &name)).unwrap_or(Span::empty());
                    let shown = match &field.relation {
                        Some(r) => format!("{r}.{name}"),
                        None => name.clone(),
                    };
                    return AdqlError::at_span(
                        ErrorKind::UnknownColumn,
                        span,
                        format!("unknown column '{shown}'{}", did_you_mean(&sugg)),
                    );
                }
                SchemaError::AmbiguousReference { field } => {
                    let span = diag_span.or_else(|| find_name(ast, &field.name)).unwrap_or(Span::empty());
                    return AdqlError::at_span(
                        ErrorKind::UnknownColumn,
                        span,
                        format!("column reference '{}' is ambiguous: qualify it with a table name", field.name),
                    );
                }
                _ => {}
            }
        }
    }
    let message = clean(e);
    let span = diag_span
        .or_else(|| quoted_names(&message).into_iter().find_map(|n| find_name(ast, &n)))
        .unwrap_or(Span::empty());
    // Our UDFs' plan-time type checks (`crate::udf::cast`) say "cannot cast".
    let kind = if message.contains("Invalid function") {
        ErrorKind::UnknownFunction
    } else if message.starts_with("cannot cast ") {
        ErrorKind::Type
    } else {
        ErrorKind::Planning
    };
    AdqlError::at_span(kind, span, message)
}

/// The error and every DataFusion error it wraps (contexts, diagnostics, shared errors).
fn error_chain(e: &DataFusionError) -> Vec<&DataFusionError> {
    let mut out: Vec<&DataFusionError> = vec![e];
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        if let Some(d) = next.downcast_ref::<DataFusionError>() {
            out.push(d);
        } else if let Some(d) = next.downcast_ref::<std::sync::Arc<DataFusionError>>() {
            out.push(d.as_ref());
        }
        cur = next;
    }
    for d in e.iter() {
        if !out.iter().any(|x| std::ptr::eq(*x, d)) {
            out.push(d);
        }
    }
    out
}

fn quoted_names(message: &str) -> Vec<String> {
    let mut out = vec![];
    for quote in ['\'', '"'] {
        let parts: Vec<&str> = message.split(quote).collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 && !p.is_empty() && p.len() < 128 {
                let last = p.rsplit('.').next().unwrap_or(p);
                out.push(last.to_string());
            }
        }
    }
    out
}
