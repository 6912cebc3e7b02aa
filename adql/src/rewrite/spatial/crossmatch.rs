//! Crossmatch predicates: a point tested against a circle whose centre (or radius) is not a
//! constant, typically another table's position:
//!
//! - `1 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, r))`, either side of `=`, `=0`/`NOT`,
//!   INTERSECTS with a point in either argument, `CIRCLE(POINT(..), r)`, with or without the
//!   (deprecated) coordinate-system string;
//! - `DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < r` (also `<=`, `r > DISTANCE(..)`,
//!   `r >= ..`, and the four-number DISTANCE form).
//!
//! Each becomes the per-row form of the fused cone test, `adql_in_cone(lon, lat, lon0, lat0, r)`
//! (distance <= r, NULL when a coordinate is NULL): in a join condition the physical crossmatch
//! rule ([`crate::crossmatch`]) turns the join into a HEALPix-bucketed crossmatch; anywhere else
//! it is the same distance test as before, without building POINT and CIRCLE values per row.
//! As for constant cones, `DISTANCE < r` and `<= r` differ only for pairs exactly at r.

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, UnaryOperator};

use super::matcher::{geometry_args, int_literal, is_const, outside_for, point_args, region_of, Region, SpatialPredicate};

/// Recognises a crossmatch predicate (see the module documentation). Predicates with constant
/// regions are [`super::match_predicate`]'s and should be tried first; this one accepts them too.
pub fn match_crossmatch(e: &Expr) -> Option<SpatialPredicate> {
    match e {
        Expr::Nested(inner) => match_crossmatch(inner),
        Expr::UnaryOp { op: UnaryOperator::Not, expr } => {
            let mut p = match_crossmatch(expr)?;
            p.negated = !p.negated;
            Some(p)
        }
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                let (lit, f) = if let Some(v) = int_literal(left) { (v, right) } else { (int_literal(right)?, left) };
                let (lon, lat, region) = contains_call(f)?;
                let negated = outside_for(lit, op)?;
                Some(SpatialPredicate { lon, lat, region, negated })
            }
            BinaryOperator::Lt | BinaryOperator::LtEq => distance_within(left, right),
            BinaryOperator::Gt | BinaryOperator::GtEq => distance_within(right, left),
            _ => None,
        },
        _ => None,
    }
}

/// `DISTANCE(..) < radius` as a cone centred on the second point.
fn distance_within(distance: &Expr, radius: &Expr) -> Option<SpatialPredicate> {
    let (lon, lat, lon0, lat0) = distance_points(distance)?;
    Some(SpatialPredicate {
        lon,
        lat,
        region: Region::Cone { lon: lon0, lat: lat0, radius: radius.clone() },
        negated: false,
    })
}

/// The two points of `DISTANCE(POINT, POINT)` or `DISTANCE(lon1, lat1, lon2, lat2)`, unless all
/// four coordinates are constants.
fn distance_points(e: &Expr) -> Option<(Expr, Expr, Expr, Expr)> {
    let args = geometry_args(e, "distance")?;
    let (lon, lat, lon0, lat0) = match args.as_slice() {
        [p, q] => {
            let (lon, lat) = point_args(p)?;
            let (lon0, lat0) = point_args(q)?;
            (lon, lat, lon0, lat0)
        }
        [a, b, c, d] => ((*a).clone(), (*b).clone(), (*c).clone(), (*d).clone()),
        _ => return None,
    };
    let all_constant = [&lon, &lat, &lon0, &lat0].into_iter().all(is_const);
    (!all_constant).then_some((lon, lat, lon0, lat0))
}

/// `CONTAINS(POINT, CIRCLE)` or `INTERSECTS` of a point and a circle, either order, where the
/// point or the circle is not constant.
fn contains_call(e: &Expr) -> Option<(Expr, Expr, Region)> {
    if let Some(a) = geometry_args(e, "contains") {
        let [p, c] = a.as_slice() else { return None };
        return point_in_cone(p, c);
    }
    let a = geometry_args(e, "intersects")?;
    let [x, y] = a.as_slice() else { return None };
    point_in_cone(x, y).or_else(|| point_in_cone(y, x))
}

fn point_in_cone(point: &Expr, circle: &Expr) -> Option<(Expr, Expr, Region)> {
    let (lon, lat) = point_args(point)?;
    let region = region_of(circle)?;
    let Region::Cone { lon: lon0, lat: lat0, radius } = &region else { return None };
    let all_constant = [&lon, &lat, lon0, lat0, radius].into_iter().all(is_const);
    (!all_constant).then_some((lon, lat, region))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::spatial::IN_CONE;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn expr(text: &str) -> Expr {
        Parser::new(&GenericDialect {}).try_with_sql(text).and_then(|mut p| p.parse_expr()).expect("expression")
    }

    fn fused(text: &str) -> Option<String> {
        match_crossmatch(&expr(text)).map(|p| p.fused().to_string())
    }

    #[test]
    fn every_spelling_becomes_the_per_row_cone() {
        let want = format!("{IN_CONE}(a.ra, a.dec, b.ra, b.dec, 1 / 3600.0)");
        for q in [
            "1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 1/3600.0))",
            "CONTAINS(POINT('ICRS', a.ra, a.dec), CIRCLE('ICRS', b.ra, b.dec, 1/3600.0)) = 1",
            "1 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(POINT(b.ra, b.dec), 1/3600.0))",
            "1 = INTERSECTS(CIRCLE(b.ra, b.dec, 1/3600.0), POINT(a.ra, a.dec))",
            "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 1/3600.0",
            "DISTANCE(a.ra, a.dec, b.ra, b.dec) <= 1/3600.0",
            "1/3600.0 > DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec))",
            "(DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 1/3600.0)",
        ] {
            assert_eq!(fused(q).as_deref(), Some(want.as_str()), "{q}");
        }
    }

    #[test]
    fn column_radii_and_expressions_of_columns_are_kept() {
        assert_eq!(
            fused("DISTANCE(POINT(a.ra + 0.1, a.dec), POINT(b.ra, b.dec)) < b.r").as_deref(),
            Some("adql_in_cone(a.ra + 0.1, a.dec, b.ra, b.dec, b.r)")
        );
    }

    #[test]
    fn negations_and_non_predicates() {
        assert_eq!(
            fused("0 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.1))").as_deref(),
            Some("NOT (adql_in_cone(a.ra, a.dec, b.ra, b.dec, 0.1))")
        );
        assert_eq!(fused("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) > 0.1"), None);
        assert_eq!(fused("2 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.1))"), None);
        assert_eq!(fused("1 = CONTAINS(POINT(a.ra, a.dec), b.region)"), None);
        assert_eq!(fused("1 = CONTAINS(POINT(a.ra, a.dec), POLYGON(b.ra, b.dec, 1, 2, 3, 4))"), None);
        assert_eq!(fused("DISTANCE(POINT(1, 2), POINT(3, 4)) < 0.1"), None);
    }
}
