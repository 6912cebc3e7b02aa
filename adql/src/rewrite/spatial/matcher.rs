//! Recognising spatial predicates (ADQL 2.1 §4.2.3 CONTAINS/INTERSECTS, §4.2.7 DISTANCE) of a
//! variable point against a constant region, and the fused UDF call each one becomes.
//!
//! Crossmatches (a circle centred on another table's columns) do not match [`match_predicate`];
//! [`super::crossmatch`] recognises them with the helpers here.

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};

use crate::rewrite::ast::{call, not, number};
use crate::check::expr::{plain_args, simple_name};
use crate::geometry::{coverage, Shape};

/// The fused UDFs the rewrite targets (registered by `crate::udf`).
pub const IN_CONE: &str = "adql_in_cone";
/// See [`IN_CONE`].
pub const IN_BOX: &str = "adql_in_box";
/// See [`IN_CONE`].
pub const IN_POLYGON: &str = "adql_in_polygon";

/// A constant sky region.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    /// CIRCLE(lon, lat, radius).
    Cone {
        /// Centre longitude expression.
        lon: Expr,
        /// Centre latitude expression.
        lat: Expr,
        /// Radius expression.
        radius: Expr,
    },
    /// BOX(lon, lat, width, height).
    Box {
        /// Centre longitude expression.
        lon: Expr,
        /// Centre latitude expression.
        lat: Expr,
        /// Width expression.
        width: Expr,
        /// Height expression.
        height: Expr,
    },
    /// POLYGON(lon1, lat1, ...), flattened.
    Polygon(Vec<Expr>),
}

impl Region {
    fn args(&self) -> Vec<Expr> {
        match self {
            Region::Cone { lon, lat, radius } => vec![lon.clone(), lat.clone(), radius.clone()],
            Region::Box { lon, lat, width, height } => {
                vec![lon.clone(), lat.clone(), width.clone(), height.clone()]
            }
            Region::Polygon(v) => v.clone(),
        }
    }

    fn udf(&self) -> &'static str {
        match self {
            Region::Cone { .. } => IN_CONE,
            Region::Box { .. } => IN_BOX,
            Region::Polygon(_) => IN_POLYGON,
        }
    }

    /// Order-29 ranges covering the region, if its arguments are constants and valid.
    pub fn healpix_ranges(&self) -> Option<Vec<std::ops::Range<u64>>> {
        let vals: Option<Vec<f64>> = self.args().iter().map(const_value).collect();
        let v = vals?;
        let r = match self {
            Region::Cone { .. } => coverage::cone_ranges(v[0], v[1], v[2]),
            Region::Box { .. } => coverage::box_ranges(v[0], v[1], v[2], v[3]),
            Region::Polygon(_) => {
                let pts: Vec<(f64, f64)> = v.chunks(2).map(|c| (c[0], c[1])).collect();
                coverage::polygon_ranges(&pts)
            }
        };
        r.ok()
    }

    /// Short description for EXPLAIN.
    pub fn describe(&self) -> String {
        let a: Vec<String> = self.args().iter().map(|e| e.to_string()).collect();
        let kind = match self {
            Region::Cone { .. } => "cone",
            Region::Box { .. } => "box",
            Region::Polygon(_) => "polygon",
        };
        format!("{kind}({})", a.join(", "))
    }
}

/// A recognised point-in-region predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct SpatialPredicate {
    /// The point's longitude (a column expression).
    pub lon: Expr,
    /// The point's latitude.
    pub lat: Expr,
    /// The constant region.
    pub region: Region,
    /// `0 = CONTAINS(...)` / `NOT ...`: the point is outside.
    pub negated: bool,
}

impl SpatialPredicate {
    /// The fused UDF call equivalent to the predicate.
    pub fn fused(&self) -> Expr {
        let mut args = vec![self.lon.clone(), self.lat.clone()];
        args.extend(self.region.args());
        let c = call(self.region.udf(), args);
        if self.negated {
            not(c)
        } else {
            c
        }
    }

    /// Name of the fused UDF.
    pub fn udf_name(&self) -> &'static str {
        self.region.udf()
    }
}

/// Evaluates a numeric constant expression (literals, unary sign, + - * /, parentheses).
pub fn const_value(e: &Expr) -> Option<f64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<f64>().ok(),
            _ => None,
        },
        Expr::Nested(inner) => const_value(inner),
        Expr::UnaryOp { op: UnaryOperator::Minus, expr } => const_value(expr).map(|x| -x),
        Expr::UnaryOp { op: UnaryOperator::Plus, expr } => const_value(expr),
        Expr::BinaryOp { left, op, right } => {
            let (l, r) = (const_value(left)?, const_value(right)?);
            match op {
                BinaryOperator::Plus => Some(l + r),
                BinaryOperator::Minus => Some(l - r),
                BinaryOperator::Multiply => Some(l * r),
                BinaryOperator::Divide if r != 0.0 => Some(l / r),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(super) fn is_const(e: &Expr) -> bool {
    const_value(e).is_some()
}

/// Arguments of a call to `fname` (case-insensitive), with a leading coordinate-system literal
/// (string or NULL, deprecated in ADQL 2.1 §4.2.1) removed.
pub(super) fn geometry_args<'a>(e: &'a Expr, fname: &str) -> Option<Vec<&'a Expr>> {
    let e = strip_nested(e);
    let Expr::Function(f) = e else { return None };
    if !simple_name(f)?.eq_ignore_ascii_case(fname) {
        return None;
    }
    let mut args = plain_args(f)?;
    if let Some(Expr::Value(v)) = args.first() {
        if matches!(v.value, Value::SingleQuotedString(_) | Value::Null) {
            args.remove(0);
        }
    }
    Some(args)
}

pub(super) fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}

pub(super) fn point_args(e: &Expr) -> Option<(Expr, Expr)> {
    match geometry_args(e, "point")?.as_slice() {
        [lon, lat] => Some(((*lon).clone(), (*lat).clone())),
        _ => None,
    }
}

pub(super) fn region_of(e: &Expr) -> Option<Region> {
    if let Some(shape) = crate::rewrite::cast::literal_region(e) {
        return match shape {
            Shape::Circle(c) => Some(Region::Cone {
                lon: number(c.center.lon),
                lat: number(c.center.lat),
                radius: number(c.radius),
            }),
            Shape::Polygon(p) => Some(Region::Polygon(p.to_flat().into_iter().map(number).collect())),
            Shape::Point(_) => None,
        };
    }
    if let Some(a) = geometry_args(e, "circle") {
        return match a.as_slice() {
            [lon, lat, r] => Some(Region::Cone { lon: (*lon).clone(), lat: (*lat).clone(), radius: (*r).clone() }),
            [p, r] => {
                let (lon, lat) = point_args(p)?;
                Some(Region::Cone { lon, lat, radius: (*r).clone() })
            }
            _ => None,
        };
    }
    if let Some(a) = geometry_args(e, "box") {
        return match a.as_slice() {
            [lon, lat, w, h] => Some(Region::Box {
                lon: (*lon).clone(),
                lat: (*lat).clone(),
                width: (*w).clone(),
                height: (*h).clone(),
            }),
            [p, w, h] => {
                let (lon, lat) = point_args(p)?;
                Some(Region::Box { lon, lat, width: (*w).clone(), height: (*h).clone() })
            }
            _ => None,
        };
    }
    if let Some(a) = geometry_args(e, "polygon") {
        let mut coords = Vec::new();
        if a.iter().all(|x| point_args(x).is_some()) && a.len() >= 3 {
            for p in &a {
                let (lon, lat) = point_args(p)?;
                coords.push(lon);
                coords.push(lat);
            }
        } else if a.len() >= 6 && a.len() % 2 == 0 {
            coords = a.iter().map(|x| (*x).clone()).collect();
        } else {
            return None;
        }
        return Some(Region::Polygon(coords));
    }
    None
}

/// A region all of whose arguments are constants (the crossmatch case is excluded here).
fn constant_region(e: &Expr) -> Option<Region> {
    let r = region_of(e)?;
    r.args().iter().all(is_const).then_some(r)
}

/// A point made of non-constant expressions (typically columns).
fn variable_point(e: &Expr) -> Option<(Expr, Expr)> {
    let (lon, lat) = point_args(e)?;
    (!is_const(&lon) && !is_const(&lat)).then_some((lon, lat))
}

fn contains_call(e: &Expr) -> Option<(Expr, Expr, Region)> {
    if let Some(a) = geometry_args(e, "contains") {
        if let [p, r] = a.as_slice() {
            let (lon, lat) = variable_point(p)?;
            return Some((lon, lat, constant_region(r)?));
        }
        return None;
    }
    // INTERSECTS with a point is CONTAINS (ADQL 2.1 §4.2.8 note).
    if let Some(a) = geometry_args(e, "intersects") {
        if let [x, y] = a.as_slice() {
            if let (Some((lon, lat)), Some(r)) = (variable_point(x), constant_region(y)) {
                return Some((lon, lat, r));
            }
            if let (Some((lon, lat)), Some(r)) = (variable_point(y), constant_region(x)) {
                return Some((lon, lat, r));
            }
        }
    }
    None
}

pub(super) fn int_literal(e: &Expr) -> Option<i64> {
    match strip_nested(e) {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// `DISTANCE(POINT(col, col), POINT(c, c))` in either order, or the 4-number form.
fn distance_call(e: &Expr) -> Option<(Expr, Expr, Expr, Expr)> {
    let a = geometry_args(e, "distance")?;
    match a.as_slice() {
        [p, q] => {
            if let (Some((lon, lat)), Some((c1, c2))) = (variable_point(p), point_args(q)) {
                if is_const(&c1) && is_const(&c2) {
                    return Some((lon, lat, c1, c2));
                }
            }
            if let (Some((lon, lat)), Some((c1, c2))) = (variable_point(q), point_args(p)) {
                if is_const(&c1) && is_const(&c2) {
                    return Some((lon, lat, c1, c2));
                }
            }
            None
        }
        [a1, a2, a3, a4] => {
            let (a1, a2, a3, a4) = ((*a1).clone(), (*a2).clone(), (*a3).clone(), (*a4).clone());
            if !is_const(&a1) && !is_const(&a2) && is_const(&a3) && is_const(&a4) {
                Some((a1, a2, a3, a4))
            } else if is_const(&a1) && is_const(&a2) && !is_const(&a3) && !is_const(&a4) {
                Some((a3, a4, a1, a2))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// For `lit = CONTAINS(..)` / `lit <> CONTAINS(..)` (ADQL's CONTAINS is 1 or 0): whether the
/// predicate means *outside*; `None` for comparisons that are not a point-in-region test.
pub(super) fn outside_for(lit: i64, op: &BinaryOperator) -> Option<bool> {
    match (lit, op) {
        (1, BinaryOperator::Eq) | (0, BinaryOperator::NotEq) => Some(false),
        (0, BinaryOperator::Eq) | (1, BinaryOperator::NotEq) => Some(true),
        _ => None,
    }
}

/// Recognises `1=CONTAINS(POINT(..), region)` (either side, `=0`, NOT forms, INTERSECTS with a
/// point) and `DISTANCE(..) < r` / `<= r` / `r > DISTANCE(..)` with constant regions.
pub fn match_predicate(e: &Expr) -> Option<SpatialPredicate> {
    match e {
        Expr::Nested(inner) => match_predicate(inner),
        Expr::UnaryOp { op: UnaryOperator::Not, expr } => {
            let mut p = match_predicate(expr)?;
            p.negated = !p.negated;
            Some(p)
        }
        Expr::BinaryOp { left, op, right } => {
            match op {
                BinaryOperator::Eq | BinaryOperator::NotEq => {
                    let (lit, f) = if let Some(v) = int_literal(left) { (v, right) } else { (int_literal(right)?, left) };
                    let (lon, lat, region) = contains_call(f)?;
                    let negated = outside_for(lit, op)?;
                    Some(SpatialPredicate { lon, lat, region, negated })
                }
                // DISTANCE < r and DISTANCE <= r both become the (closed) cone: they differ
                // only for points exactly at distance r (see CONFORMANCE.md).
                BinaryOperator::Lt | BinaryOperator::LtEq => {
                    let (lon, lat, c1, c2) = distance_call(left)?;
                    is_const(right).then(|| SpatialPredicate {
                        lon,
                        lat,
                        region: Region::Cone { lon: c1, lat: c2, radius: (**right).clone() },
                        negated: false,
                    })
                }
                BinaryOperator::Gt | BinaryOperator::GtEq => {
                    let (lon, lat, c1, c2) = distance_call(right)?;
                    is_const(left).then(|| SpatialPredicate {
                        lon,
                        lat,
                        region: Region::Cone { lon: c1, lat: c2, radius: (**left).clone() },
                        negated: false,
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}
