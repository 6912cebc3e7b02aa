//! Expression rules: ADQL operators, literals, functions (names, arities, geometry constructor
//! forms), and the value/condition distinction of the ADQL grammar.

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, CastFormat, CastKind, CeilFloorKind, DateTimeField, DuplicateTreatment,
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Spanned, UnaryOperator, Value,
};

use super::functions::{adql_function, all_function_names, FnClass};
use super::query::Ctx;
use super::suggest::{did_you_mean, suggest};
use super::{not_adql, Checker};
use crate::error::{AdqlError, ErrorKind, Result};

fn need_condition(e: &Expr) -> AdqlError {
    AdqlError::at_span(
        ErrorKind::Syntax,
        e.span(),
        format!("a condition is expected here, found the value '{e}' (compare it, e.g. 1=CONTAINS(...))"),
    )
}

fn need_value(e: &Expr) -> AdqlError {
    AdqlError::at_span(
        ErrorKind::Syntax,
        e.span(),
        format!("a value is expected here, found the condition '{e}'"),
    )
}

/// The function name of a call, if the call is to a single-part name.
pub(crate) fn simple_name(f: &Function) -> Option<&str> {
    match f.name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.as_str()),
        _ => None,
    }
}

/// Class of an expression when it is statically obvious (used for `||` operand checks).
fn static_class(e: &Expr) -> Option<FnClass> {
    match e {
        Expr::Nested(inner) => static_class(inner),
        Expr::Function(f) => simple_name(f).and_then(adql_function).map(|a| a.class),
        Expr::Cast { data_type, .. } => super::cast::geometry_target(data_type).map(|_| FnClass::Geometry),
        _ => None,
    }
}

/// A string literal or NULL in first position of a geometry constructor is the (deprecated)
/// coordinate system argument (ADQL 2.1 §2.4.1).
fn is_coordsys_literal(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_) | Value::Null))
}

fn is_number_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Number(_, _)),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => is_number_literal(expr),
        Expr::Nested(inner) => is_number_literal(inner),
        _ => false,
    }
}

/// The plain positional arguments of a call; `None` if the call uses non-ADQL argument syntax.
pub(crate) fn plain_args(f: &Function) -> Option<Vec<&Expr>> {
    match &f.args {
        FunctionArguments::None => Some(vec![]),
        FunctionArguments::Subquery(_) => None,
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
    }
}

impl Checker<'_> {
    pub(crate) fn expr(&mut self, e: &Expr, ctx: Ctx) -> Result<()> {
        match e {
            Expr::Identifier(id) => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                self.regular_name(id)
            }
            Expr::CompoundIdentifier(ids) => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                // [catalog.][schema.]table.column at most.
                if ids.len() > 4 {
                    return Err(AdqlError::at_span(
                        ErrorKind::Syntax,
                        e.span(),
                        format!("'{e}' has too many parts for a column reference"),
                    ));
                }
                for id in ids {
                    self.regular_name(id)?;
                }
                Ok(())
            }
            Expr::Value(v) => match &v.value {
                Value::Boolean(_) => Ok(()),
                Value::Number(_, _) | Value::SingleQuotedString(_) | Value::Null => {
                    if ctx == Ctx::Condition {
                        Err(need_condition(e))
                    } else {
                        Ok(())
                    }
                }
                other => Err(not_adql(v.span, format!("literal {other} is not ADQL"))),
            },
            Expr::Nested(inner) => self.expr(inner, ctx),
            Expr::BinaryOp { left, op, right } => self.binary(e, left, op, right, ctx),
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Minus | UnaryOperator::Plus => {
                    if ctx == Ctx::Condition {
                        return Err(need_condition(e));
                    }
                    self.expr(expr, Ctx::Value)
                }
                UnaryOperator::Not => {
                    if ctx == Ctx::Value {
                        return Err(need_value(e));
                    }
                    self.expr(expr, Ctx::Condition)
                }
                other => Err(not_adql(e.span(), format!("operator {other} is not ADQL"))),
            },
            Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
                self.predicate(e, ctx)?;
                self.expr(inner, Ctx::Value)
            }
            Expr::InList { expr, list, .. } => {
                self.predicate(e, ctx)?;
                self.expr(expr, Ctx::Value)?;
                if list.is_empty() {
                    return Err(AdqlError::at_span(ErrorKind::Syntax, e.span(), "IN () needs at least one value"));
                }
                for item in list {
                    self.expr(item, Ctx::Value)?;
                }
                Ok(())
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.predicate(e, ctx)?;
                self.expr(expr, Ctx::Value)?;
                self.query(subquery, false)
            }
            Expr::Between { expr, low, high, .. } => {
                self.predicate(e, ctx)?;
                self.expr(expr, Ctx::Value)?;
                self.expr(low, Ctx::Value)?;
                self.expr(high, Ctx::Value)
            }
            Expr::Like { any, expr, pattern, escape_char, .. }
            | Expr::ILike { any, expr, pattern, escape_char, .. } => {
                self.predicate(e, ctx)?;
                if *any {
                    return Err(not_adql(e.span(), "LIKE ANY is not ADQL"));
                }
                if escape_char.is_some() {
                    return Err(not_adql(e.span(), "LIKE ... ESCAPE is not ADQL"));
                }
                self.expr(expr, Ctx::Value)?;
                self.expr(pattern, Ctx::Value)
            }
            Expr::Exists { subquery, .. } => {
                self.predicate(e, ctx)?;
                self.query(subquery, false)
            }
            Expr::Subquery(q) => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                self.query(q, false)
            }
            Expr::Function(f) => self.function(e, f, ctx),
            // sqlparser parses FLOOR specially; ADQL's FLOOR(x) is the plain form.
            Expr::Floor { expr, field } => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                match field {
                    CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) => self.expr(expr, Ctx::Value),
                    _ => Err(AdqlError::at_span(ErrorKind::Type, e.span(), "FLOOR takes exactly 1 argument")),
                }
            }
            Expr::Ceil { .. } => Err(not_adql(self.head_span(e.span()), "CEIL is not ADQL: use CEILING")),
            Expr::Case { operand, conditions, else_result, .. } => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                if let Some(op) = operand {
                    self.expr(op, Ctx::Value)?;
                }
                for cw in conditions {
                    let cctx = if operand.is_some() { Ctx::Value } else { Ctx::Condition };
                    self.expr(&cw.condition, cctx)?;
                    self.expr(&cw.result, Ctx::Value)?;
                }
                if let Some(el) = else_result {
                    self.expr(el, Ctx::Value)?;
                }
                Ok(())
            }
            Expr::Cast { kind, expr, data_type, array, format } => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                if *kind != CastKind::Cast {
                    return Err(not_adql(e.span(), format!("{kind:?} is not ADQL: use CAST(expr AS type)")));
                }
                if *array || format.as_ref().is_some_and(|_: &CastFormat| true) {
                    return Err(not_adql(e.span(), "CAST options are not ADQL"));
                }
                self.cast(e, expr, data_type)?;
                self.expr(expr, Ctx::Value)
            }
            other => Err(not_adql(self.head_span(other.span()), format!("'{other}' is not ADQL"))),
        }
    }

    fn predicate(&self, e: &Expr, ctx: Ctx) -> Result<()> {
        if ctx == Ctx::Value {
            Err(need_value(e))
        } else {
            Ok(())
        }
    }

    fn binary(&mut self, e: &Expr, left: &Expr, op: &BinaryOperator, right: &Expr, ctx: Ctx) -> Result<()> {
        match op {
            BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Multiply | BinaryOperator::Divide => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                self.expr(left, Ctx::Value)?;
                self.expr(right, Ctx::Value)
            }
            BinaryOperator::StringConcat => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                for side in [left, right] {
                    if static_class(side) == Some(FnClass::Geometry) {
                        return Err(AdqlError::at_span(
                            ErrorKind::Type,
                            self.start_span(side),
                            format!("'{side}' is a geometry and cannot be concatenated with ||"),
                        ));
                    }
                }
                self.expr(left, Ctx::Value)?;
                self.expr(right, Ctx::Value)
            }
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::Gt
            | BinaryOperator::LtEq
            | BinaryOperator::GtEq => {
                self.predicate(e, ctx)?;
                self.expr(left, Ctx::Value)?;
                self.expr(right, Ctx::Value)
            }
            BinaryOperator::And | BinaryOperator::Or => {
                self.predicate(e, ctx)?;
                self.expr(left, Ctx::Condition)?;
                self.expr(right, Ctx::Condition)
            }
            other => Err(not_adql(e.span(), format!("operator {other} is not ADQL"))),
        }
    }

    fn function(&mut self, e: &Expr, f: &Function, ctx: Ctx) -> Result<()> {
        let span = f.name.span();
        let Some(name) = simple_name(f) else {
            return Err(not_adql(span, format!("'{}' is not an ADQL function name", f.name)));
        };
        if f.filter.is_some() || f.null_treatment.is_some() || f.over.is_some() || !f.within_group.is_empty() {
            return Err(not_adql(span, "FILTER/OVER/WITHIN GROUP are not ADQL"));
        }
        if !matches!(f.parameters, FunctionArguments::None) || f.uses_odbc_syntax {
            return Err(not_adql(span, format!("'{name}' is called with non-ADQL syntax")));
        }
        if let FunctionArguments::List(list) = &f.args {
            if !list.clauses.is_empty() {
                return Err(not_adql(span, "clauses inside function calls are not ADQL"));
            }
        }
        let adql = adql_function(name);
        let upper = name.to_ascii_uppercase();
        // COUNT(*) and set quantifiers are only for the set functions (ADQL 2.1 §2.3.4).
        let duplicate = match &f.args {
            FunctionArguments::List(l) => l.duplicate_treatment,
            _ => None,
        };
        let is_aggregate = adql.is_some_and(|a| a.class == FnClass::Aggregate);
        if duplicate.is_some() && !is_aggregate {
            return Err(not_adql(span, format!("DISTINCT/ALL inside {upper}(...) is not ADQL")));
        }
        if upper == "COUNT" {
            if let FunctionArguments::List(l) = &f.args {
                if let [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] = l.args.as_slice() {
                    if matches!(duplicate, Some(DuplicateTreatment::Distinct)) {
                        return Err(not_adql(span, "COUNT(DISTINCT *) is not ADQL"));
                    }
                    return if ctx == Ctx::Condition { Err(need_condition(e)) } else { Ok(()) };
                }
            }
        }
        let Some(args) = plain_args(f) else {
            return Err(not_adql(span, format!("{upper}(...) uses argument syntax that is not ADQL")));
        };
        match adql {
            Some(def) => {
                if ctx == Ctx::Condition {
                    return Err(need_condition(e));
                }
                if !def.arity.accepts(args.len()) {
                    return Err(AdqlError::at_span(
                        ErrorKind::Type,
                        span,
                        format!("{upper} takes {} argument(s), found {}", def.arity.describe(), args.len()),
                    ));
                }
                if def.class == FnClass::Geometry {
                    self.geometry_constructor(&upper, span, &args)?;
                }
                if upper == "RAND" {
                    // ADQL 2.1 BNF: RAND ( [ <unsigned_decimal> ] ).
                    if let Some(seed) = args.first() {
                        if !super::query::is_unsigned_integer(seed) {
                            return Err(AdqlError::at_span(ErrorKind::Type, seed.span(), "RAND takes an optional unsigned integer seed"));
                        }
                    }
                }
            }
            None => {
                if !(self.known_fn)(name) {
                    let sugg = suggest(name, all_function_names().iter().map(|s| s.as_str()));
                    self.defer(AdqlError::at_span(
                        ErrorKind::UnknownFunction,
                        span,
                        format!("unknown function '{name}'{}", did_you_mean(&sugg)),
                    ));
                }
                // ADQL 2.1 BNF: a user-defined function may stand as a condition
                // (`<boolean_value_expression>`), so both contexts are fine.
            }
        }
        for a in args {
            self.expr(a, Ctx::Value)?;
        }
        Ok(())
    }

    /// ADQL 2.1 §2.4: argument shapes of POINT, CIRCLE, BOX, POLYGON.
    fn geometry_constructor(&self, upper: &str, span: datafusion::sql::sqlparser::tokenizer::Span, args: &[&Expr]) -> Result<()> {
        let with_sys = args.first().is_some_and(|a| is_coordsys_literal(a));
        let rest = if with_sys { &args[1..] } else { args };
        let ok = match upper {
            "POINT" => rest.len() == 2 || (args.len() == 3),
            "CIRCLE" => if with_sys { rest.len() == 3 } else { (2..=4).contains(&args.len()) },
            "BOX" => if with_sys { rest.len() == 4 } else { (3..=5).contains(&args.len()) },
            "POLYGON" => {
                if rest.iter().any(|a| is_number_literal(a)) {
                    rest.len() >= 6 && rest.len() % 2 == 0
                } else {
                    rest.len() >= 3
                }
            }
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            let expected = match upper {
                "POINT" => "([coordsys,] lon, lat)",
                "CIRCLE" => "([coordsys,] lon, lat, radius) or (point, radius)",
                "BOX" => "([coordsys,] lon, lat, width, height)",
                _ => "([coordsys,] lon1, lat1, lon2, lat2, lon3, lat3, ...) with at least 3 vertices",
            };
            Err(AdqlError::at_span(
                ErrorKind::Type,
                span,
                format!("{upper} expects {expected}, found {} argument(s)", args.len()),
            ))
        }
    }
}
