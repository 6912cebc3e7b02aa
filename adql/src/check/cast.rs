//! CAST (ADQL 2.1 §4.7.1): the target types ADQL names, and — for the geometry targets POINT,
//! CIRCLE and POLYGON — what may be cast to them, as far as it shows without a catalog:
//! a string literal must be a valid DALI (or STC-S) serialization of the target type, and
//! numbers or geometries of another type are refused here, with the position of the culprit.
//! Operands whose type only the catalog knows (columns, CASE, ...) are checked when planned
//! (`crate::udf::cast`).

use datafusion::sql::sqlparser::ast::{BinaryOperator, DataType, Expr, Spanned, TimezoneInfo, UnaryOperator, Value};

use super::expr::simple_name;
use super::functions::{adql_function, FnClass};
use super::Checker;
use datafusion::sql::sqlparser::tokenizer::Span;
use crate::error::{AdqlError, ErrorKind, Result};
use crate::geometry::{parse_geometry_text, ShapeKind};

/// The target types of ADQL 2.1 §4.7.1, as the error message lists them.
const ADQL_TYPES: &str = "SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR, VARCHAR, TIMESTAMP, POINT, CIRCLE, POLYGON";

/// The geometry type a CAST target names (`POINT`, `CIRCLE`, `POLYGON`), if any.
pub fn geometry_target(t: &DataType) -> Option<ShapeKind> {
    match t {
        DataType::Custom(name, mods) if mods.is_empty() => match name.0.as_slice() {
            [part] => part.as_ident().filter(|i| i.quote_style.is_none()).and_then(|i| ShapeKind::from_adql_name(&i.value)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `t` is one of the non-geometry types ADQL can cast to.
fn scalar_target(t: &DataType) -> bool {
    match t {
        DataType::SmallInt(None)
        | DataType::Integer(None)
        | DataType::BigInt(None)
        | DataType::Real
        | DataType::DoublePrecision
        | DataType::Char(_)
        | DataType::Character(_)
        | DataType::Varchar(_)
        | DataType::CharacterVarying(_)
        | DataType::CharVarying(_) => true,
        DataType::Timestamp(None, tz) => matches!(tz, TimezoneInfo::None),
        _ => false,
    }
}

/// What an operand is, when that is plain from the text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Number,
    Geometry(Option<ShapeKind>),
    Unknown,
}

fn operand(e: &Expr) -> Operand {
    match e {
        Expr::Nested(inner) => operand(inner),
        Expr::Value(v) if matches!(v.value, Value::Number(_, _)) => Operand::Number,
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, .. } => Operand::Number,
        Expr::BinaryOp {
            op: BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Multiply | BinaryOperator::Divide,
            ..
        } => Operand::Number,
        Expr::Floor { .. } | Expr::Ceil { .. } => Operand::Number,
        Expr::Cast { data_type, .. } => match geometry_target(data_type) {
            Some(k) => Operand::Geometry(Some(k)),
            None => Operand::Unknown,
        },
        Expr::Function(f) => {
            let Some(name) = simple_name(f) else { return Operand::Unknown };
            match adql_function(name).map(|d| (d.name, d.class)) {
                Some((_, FnClass::Numeric | FnClass::Aggregate)) => Operand::Number,
                Some(("POINT" | "CENTROID", _)) => Operand::Geometry(Some(ShapeKind::Point)),
                Some(("CIRCLE", _)) => Operand::Geometry(Some(ShapeKind::Circle)),
                Some(("BOX" | "POLYGON", _)) => Operand::Geometry(Some(ShapeKind::Polygon)),
                // REGION's type follows its STC-S text: decided when planned.
                Some((_, FnClass::Geometry)) => Operand::Geometry(None),
                _ => Operand::Unknown,
            }
        }
        _ => Operand::Unknown,
    }
}

impl Checker<'_> {
    /// Where an expression starts in the text. sqlparser gives a CAST the span of its operand,
    /// so the CAST keyword is found by walking back from the operand — once per nesting level.
    pub(crate) fn start_span(&self, e: &Expr) -> Span {
        match e {
            Expr::Cast { expr, .. } => self.head_span(self.start_span(expr)),
            other => other.span(),
        }
    }

    /// `CAST(inner AS t)` at `e`.
    pub(crate) fn cast(&self, e: &Expr, inner: &Expr, t: &DataType) -> Result<()> {
        let at_cast = || self.start_span(e);
        if scalar_target(t) {
            if let Operand::Geometry(kind) = operand(inner) {
                let what = kind.map(ShapeKind::adql_name).unwrap_or("geometry");
                return Err(AdqlError::at_span(
                    ErrorKind::Type,
                    at_cast(),
                    format!("a {what} cannot be cast to {t}: ADQL 2.1 §4.7.1 casts only between numbers, strings and timestamps, and from strings to geometries"),
                ));
            }
            return Ok(());
        }
        let Some(kind) = geometry_target(t) else {
            return Err(AdqlError::at_span(
                ErrorKind::Type,
                at_cast(),
                format!("'{t}' is not an ADQL type (ADQL 2.1 §4.7.1: {ADQL_TYPES})"),
            ));
        };
        let target = kind.adql_name();
        match operand(inner) {
            Operand::Number => Err(AdqlError::at_span(
                ErrorKind::Type,
                at_cast(),
                format!("a number cannot be cast to {target}: cast a string in DALI form (e.g. CAST('12.3 45.6' AS POINT)) or use the {target}(...) constructor"),
            )),
            Operand::Geometry(Some(k)) if k != kind => Err(AdqlError::at_span(
                ErrorKind::Type,
                at_cast(),
                format!("a {} cannot be cast to {target}", k.adql_name()),
            )),
            _ => match strip_nested(inner) {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) => parse_geometry_text(s, kind)
                        .map(|_| ())
                        .map_err(|err| AdqlError::at_span(ErrorKind::Type, v.span, err.to_string())),
                    _ => Ok(()),
                },
                _ => Ok(()),
            },
        }
    }
}

fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}
