//! ADQL function names → the functions registered in the session (ADQL 2.1 §2.3).
//! DataFusion's `log` is base 10 while ADQL's LOG is natural; CEILING is DataFusion's `ceil`;
//! TRUNCATE/MOD/RAND follow the ADQL text through our UDFs when registered.

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Function, Ident, ObjectName, Spanned};

use super::ast::{binary, nested};
use super::catalogue::Catalogue;
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
pub fn map_function(e: &mut Expr, cat: &Catalogue) -> Result<()> {
    let Expr::Function(f) = e else { return Ok(()) };
    let Some(name) = simple_name(f).map(|n| n.to_ascii_lowercase()) else { return Ok(()) };
    let span = f.name.span();
    let nargs = plain_args(f).map(|a| a.len()).unwrap_or(0);
    let target: String = match name.as_str() {
        "ceiling" => "ceil".into(),
        "log" => if cat.has_function("adql_log") { "adql_log".into() } else { "ln".into() },
        "round" => if cat.has_function("adql_round") { "adql_round".into() } else { "round".into() },
        "truncate" => if cat.has_function("truncate") { "truncate".into() } else { "trunc".into() },
        "mod" => {
            if cat.has_function("mod") {
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
            if cat.has_function("rand") {
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
    if !cat.has_function(&target) {
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
