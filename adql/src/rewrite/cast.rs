//! `CAST(x AS POINT | CIRCLE | POLYGON)` → `adql_cast_point(x)` etc. (ADQL 2.1 §4.7.1):
//! DataFusion has no geometry types, our UDFs do. Casts to the other ADQL types are
//! DataFusion's own CAST and stay as they are.
//!
//! A cast of a string literal is also a constant region for the spatial rule
//! ([`literal_region`]), so `1 = CONTAINS(POINT(ra, dec), CAST('10 20 1' AS CIRCLE))` gets the
//! fused cone kernel and HEALPix pruning exactly like `CIRCLE(10, 20, 1)`.

use datafusion::sql::sqlparser::ast::{CastKind, Expr, Ident, ObjectName, Spanned, Value};

use super::ast::call;
use super::snapshot::PlanningSnapshot;
use crate::check::cast::geometry_target;
use crate::error::{AdqlError, ErrorKind, Result};
use crate::geometry::{parse_geometry_text, Shape};
use crate::udf::cast::cast_udf_name;

/// Rewrites one geometry CAST in place (children are already rewritten).
pub fn map_geometry_cast(e: &mut Expr, snapshot: &PlanningSnapshot) -> Result<()> {
    let kind = match e {
        Expr::Cast { kind: CastKind::Cast, data_type, .. } => match geometry_target(data_type) {
            Some(k) => k,
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    let span = e.span();
    let name = cast_udf_name(kind);
    if !snapshot.has_function(name) {
        return Err(AdqlError::at_span(
            ErrorKind::Unsupported,
            span,
            format!("CAST to {} is not supported by this service", kind.adql_name()),
        ));
    }
    let Expr::Cast { expr, .. } = std::mem::replace(e, Expr::Value(Value::Null.with_empty_span())) else {
        return Ok(());
    };
    let mut replacement = call(name, vec![*expr]);
    // Errors about the call point at the cast.
    if let Expr::Function(f) = &mut replacement {
        let mut id = Ident::new(name);
        id.span = span;
        f.name = ObjectName::from(vec![id]);
    }
    *e = replacement;
    Ok(())
}

/// The shape of `CAST('<text>' AS <geometry type>)` (parentheses allowed), when the text is a
/// valid serialization of that type.
pub fn literal_region(e: &Expr) -> Option<Shape> {
    match e {
        Expr::Nested(inner) => literal_region(inner),
        Expr::Cast { kind: CastKind::Cast, expr, data_type, .. } => {
            let kind = geometry_target(data_type)?;
            let text = match strip_nested(expr) {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) => s,
                    _ => return None,
                },
                _ => return None,
            };
            parse_geometry_text(text, kind).ok()
        }
        _ => None,
    }
}

fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}
