//! DataFusion planning errors → [`AdqlError`] with a position in the user's text, from typed
//! information only (no searching of message text):
//!
//! - DataFusion's own [`Diagnostic`] span, when it has one (we plan with `collect_spans`, and
//!   user-written nodes keep their spans through the rewrite);
//! - for an unknown or ambiguous column, the first token spelling that (typed) field name;
//! - for an [`ArgumentError`] raised by one of our functions, the span of that argument of the
//!   first call of that function in the rewritten AST (calls the rewrite creates carry the span
//!   of the ADQL construct they replace);
//! - else 1:1.
//!
//! [`Diagnostic`]: datafusion::common::Diagnostic

use std::ops::ControlFlow;

use datafusion::common::{DataFusionError, SchemaError};
use datafusion::sql::sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Query, Spanned, Visit, Visitor};
use datafusion::sql::sqlparser::tokenizer::{Location, Span, Token};

use crate::check::suggest::{did_you_mean, suggest};
use crate::check::Ast;
use crate::error::{AdqlError, ErrorKind};
use crate::udf::ArgumentError;

/// The message without DataFusion's category prefixes and backtrace.
pub(super) fn clean(e: &DataFusionError) -> String {
    let s = e.strip_backtrace();
    let mut s = s.as_str();
    for prefix in ["Error during planning: ", "Schema error: ", "This feature is not implemented: ", "External error: "] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s.to_string()
}

/// Maps a DataFusion error raised while planning `rewritten` (from the user's `ast`).
pub(super) fn map_datafusion_error(e: &DataFusionError, ast: &Ast, rewritten: &Query) -> AdqlError {
    let diag_span = e
        .diagnostic()
        .and_then(|d| d.span)
        .filter(|s| s.start.line > 0)
        .map(|s| Span::new(Location::new(s.start.line, s.start.column), Location::new(s.end.line, s.end.column)));
    for inner in error_chain(e) {
        match inner {
            DataFusionError::SchemaError(se, _) => match se.as_ref() {
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
            },
            DataFusionError::External(boxed) => {
                if let Some(arg) = boxed.downcast_ref::<ArgumentError>() {
                    let span = diag_span.or_else(|| argument_span(rewritten, arg)).unwrap_or(Span::empty());
                    return AdqlError::at_span(ErrorKind::Type, span, arg.message.clone());
                }
            }
            _ => {}
        }
    }
    AdqlError::at_span(ErrorKind::Planning, diag_span.unwrap_or(Span::empty()), clean(e))
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

/// Span of the argument (or, without one, the name) of the first call of `arg.function`.
fn argument_span(query: &Query, arg: &ArgumentError) -> Option<Span> {
    struct Find<'a> {
        arg: &'a ArgumentError,
        found: Option<Span>,
    }
    impl Visitor for Find<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            let Expr::Function(f) = e else { return ControlFlow::Continue(()) };
            if !f.name.to_string().eq_ignore_ascii_case(&self.arg.function) {
                return ControlFlow::Continue(());
            }
            let argument = match (&f.args, self.arg.argument) {
                (FunctionArguments::List(list), Some(i)) => list.args.get(i).and_then(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x.span()),
                    _ => None,
                }),
                _ => None,
            };
            self.found = argument.filter(|s| s.start.line > 0).or(Some(f.name.span()));
            ControlFlow::Break(())
        }
    }
    let mut find = Find { arg, found: None };
    let _ = query.visit(&mut find);
    find.found.filter(|s| s.start.line > 0)
}
