//! ADQL function names → the functions registered in the session (ADQL 2.1 §2.3).
//! DataFusion's `log` is base 10 while ADQL's LOG is natural; CEILING is DataFusion's `ceil`;
//! TRUNCATE/MOD/RAND follow the ADQL text through our UDFs when registered.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Function, Ident, ObjectName, Query, Spanned, VisitMut, VisitorMut};

use super::ast::{binary, nested};
use super::snapshot::PlanningSnapshot;
use crate::check::expr::{plain_args, simple_name};
use crate::check::suggest::{did_you_mean, suggest};
use crate::error::{AdqlError, ErrorKind, Result};

fn rename(f: &mut Function, to: &str) {
    let span = f.name.span();
    let mut id = Ident::new(to);
    id.span = span;
    f.name = ObjectName::from(vec![id]);
}

/// Maps one function call in place; may replace the whole expression (MOD → `%`).
pub fn map_function(e: &mut Expr, snapshot: &PlanningSnapshot) -> Result<()> {
    let Expr::Function(f) = e else { return Ok(()) };
    let Some(name) = simple_name(f).map(|n| n.to_ascii_lowercase()) else { return Ok(()) };
    let span = f.name.span();
    let nargs = plain_args(f).map(|a| a.len()).unwrap_or(0);
    let target: String = match name.as_str() {
        "ceiling" => "ceil".into(),
        "log" => if snapshot.has_function("adql_log") { "adql_log".into() } else { "ln".into() },
        "round" => if snapshot.has_function("adql_round") { "adql_round".into() } else { "round".into() },
        "truncate" => if snapshot.has_function("truncate") { "truncate".into() } else { "trunc".into() },
        "mod" => {
            if snapshot.has_function("mod") {
                "mod".into()
            } else if let Some(args) = plain_args(f) {
                if let [a, b] = args.as_slice() {
                    let repl = nested(binary((*a).clone(), BinaryOperator::Modulo, (*b).clone()));
                    *e = repl;
                    return Ok(());
                }
                "mod".into()
            } else {
                "mod".into()
            }
        }
        "rand" => {
            if snapshot.has_function("rand") {
                "rand".into()
            } else if nargs == 0 {
                "random".into()
            } else {
                return Err(AdqlError::at_span(
                    ErrorKind::Unsupported,
                    span,
                    "RAND(seed) is not supported by this service: use RAND()",
                ));
            }
        }
        other => other.to_string(),
    };
    if !snapshot.has_function(&target) {
        let upper = name.to_ascii_uppercase();
        let adql_builtin = crate::check::functions::adql_function(&name).is_some();
        return Err(if adql_builtin {
            AdqlError::at_span(
                ErrorKind::Unsupported,
                span,
                format!("ADQL function {upper} is not supported by this service"),
            )
        } else {
            let cands = crate::check::functions::all_function_names();
            let sugg = suggest(&name, cands.iter().map(|s| s.as_str()));
            AdqlError::at_span(ErrorKind::UnknownFunction, span, format!("unknown function '{name}'{}", did_you_mean(&sugg)))
        });
    }
    if target != name {
        rename(f, &target);
    }
    Ok(())
}

/// Pass 4 (see the module list in `rewrite`): ADQL function names to the registered functions
/// and geometry CASTs to their UDFs, children first so that a renamed call never hides a
/// pattern from its parent. It receives folded names and the spatial pass's calls: the fused
/// kernels are registered functions and stay as they are; the per-query range filters
/// (`synthesised`) are not in the session's registry and are left alone.
pub fn map_query(query: &mut Query, snapshot: &PlanningSnapshot, synthesised: &[String]) -> Result<()> {
    struct Map<'a> {
        snapshot: &'a PlanningSnapshot,
        synthesised: &'a [String],
    }
    impl VisitorMut for Map<'_> {
        type Break = AdqlError;
        fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<AdqlError> {
            if let Expr::Function(f) = e {
                if f.name.0.len() == 1 && self.synthesised.iter().any(|s| f.name.to_string() == quoted(s)) {
                    return ControlFlow::Continue(());
                }
            }
            match map_function(e, self.snapshot).and_then(|_| super::cast::map_geometry_cast(e, self.snapshot)) {
                Ok(()) => ControlFlow::Continue(()),
                Err(err) => ControlFlow::Break(err),
            }
        }
    }
    match query.visit(&mut Map { snapshot, synthesised }) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn quoted(name: &str) -> String {
    Ident::with_quote('"', name).to_string()
}
