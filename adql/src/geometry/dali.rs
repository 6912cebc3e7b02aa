//! Geometry values from text or numbers, for `CAST(x AS POINT | CIRCLE | POLYGON)`.
//!
//! ADQL 2.1 §4.7.1 ("Geometry"): a service that casts to geometries MUST accept a character
//! string in the DALI serialization of the target type, and MAY accept other forms such as
//! STC-S. DALI 1.1 §3.3 serializes the three types as whitespace-separated degrees:
//! `lon lat`, `lon lat radius`, `lon1 lat1 lon2 lat2 lon3 lat3 …` (at least 3 vertices).
//! A text whose first word is a letter is read as STC-S instead ([`parse_stcs`]), so
//! `CAST('Circle ICRS 10 20 1' AS CIRCLE)` works too; a `Box` is a POLYGON.

use super::polygon::Polygon;
use super::shapes::{Circle, Point, Shape, ShapeKind};
use super::stcs::parse_stcs;
use super::GeometryError;

/// Longest value text quoted back in an error message.
const SHOWN_CHARS: usize = 60;

/// The value as an error message quotes it: single-quoted (ADQL literal style), shortened.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(SHOWN_CHARS).collect();
    if text.chars().count() > SHOWN_CHARS {
        s.push('…');
    }
    format!("'{s}'")
}

/// The DALI form of each type, for error messages.
fn dali_form(kind: ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Point => "'lon lat'",
        ShapeKind::Circle => "'lon lat radius'",
        ShapeKind::Polygon => "'lon1 lat1 lon2 lat2 lon3 lat3 ...'",
    }
}

/// A shape of `kind` from its DALI numbers (degrees): 2 for a point, 3 for a circle, an even
/// count ≥ 6 for a polygon. `value` is how the input is quoted in errors.
pub fn shape_from_numbers(kind: ShapeKind, nums: &[f64], value: &str) -> Result<Shape, GeometryError> {
    let wrong_count = |expect: &str| GeometryError::Cast {
        target: kind.adql_name(),
        value: value.to_string(),
        reason: format!("{} number(s) where {expect} are needed (DALI form {})", nums.len(), dali_form(kind)),
    };
    let invalid = |e: GeometryError| GeometryError::Cast {
        target: kind.adql_name(),
        value: value.to_string(),
        reason: e.to_string(),
    };
    match kind {
        ShapeKind::Point => match nums {
            [lon, lat] => Point::new(*lon, *lat).map(Shape::Point).map_err(invalid),
            _ => Err(wrong_count("2")),
        },
        ShapeKind::Circle => match nums {
            [lon, lat, r] => Circle::new(*lon, *lat, *r).map(Shape::Circle).map_err(invalid),
            _ => Err(wrong_count("3")),
        },
        ShapeKind::Polygon => {
            if nums.len() < 6 || !nums.len().is_multiple_of(2) {
                return Err(wrong_count("an even count of at least 6"));
            }
            Polygon::from_flat(nums).map(Shape::Polygon).map_err(invalid)
        }
    }
}

/// Parses a DALI (or STC-S) serialization of a geometry of type `kind`.
pub fn parse_geometry_text(text: &str, kind: ShapeKind) -> Result<Shape, GeometryError> {
    let value = shown(text);
    let err = |reason: String| GeometryError::Cast { target: kind.adql_name(), value: value.clone(), reason };
    let Some(first) = text.split_whitespace().next() else {
        return Err(err(format!("the text is empty (DALI form {})", dali_form(kind))));
    };
    if first.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let shape = parse_stcs(text).map_err(|e| {
            err(format!("{e}; expected the DALI form {} or an STC-S region", dali_form(kind)))
        })?;
        return if shape.kind() == kind {
            Ok(shape)
        } else {
            Err(err(format!("the STC-S region is a {}, not a {}", shape.kind().adql_name(), kind.adql_name())))
        };
    }
    let nums: Vec<f64> = text
        .split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .map_err(|_| err(format!("{t:?} is not a number (DALI form {})", dali_form(kind))))
        })
        .collect::<Result<_, _>>()?;
    shape_from_numbers(kind, &nums, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<Shape, GeometryError>) -> String {
        match r {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn dali_forms_of_the_rec_examples() {
        // The three examples of ADQL 2.1 §4.7.1.
        assert_eq!(parse_geometry_text("12.3 45.6", ShapeKind::Point), Ok(Shape::Point(Point { lon: 12.3, lat: 45.6 })));
        match parse_geometry_text("12.3 45.6 1.0", ShapeKind::Circle) {
            Ok(Shape::Circle(c)) => assert_eq!((c.center.lon, c.center.lat, c.radius), (12.3, 45.6, 1.0)),
            other => panic!("{other:?}"),
        }
        match parse_geometry_text("1.0 0.1 2.0 0.2 3.0 0.3", ShapeKind::Polygon) {
            Ok(Shape::Polygon(p)) => assert_eq!(p.vertices().len(), 3),
            other => panic!("{other:?}"),
        }
        // Any whitespace, signs and exponents.
        assert_eq!(parse_geometry_text("\t-1e1\n +2 ", ShapeKind::Point), Ok(Shape::Point(Point { lon: -10.0, lat: 2.0 })));
    }

    #[test]
    fn stcs_is_accepted_when_the_shape_matches() {
        assert!(matches!(parse_geometry_text("Position ICRS 10 20", ShapeKind::Point), Ok(Shape::Point(_))));
        assert!(matches!(parse_geometry_text("Circle ICRS 10 20 1", ShapeKind::Circle), Ok(Shape::Circle(_))));
        assert!(matches!(parse_geometry_text("Box ICRS 10 20 2 2", ShapeKind::Polygon), Ok(Shape::Polygon(_))));
        assert!(message(parse_geometry_text("Circle ICRS 10 20 1", ShapeKind::Point)).contains("is a CIRCLE, not a POINT"));
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        let m = message(parse_geometry_text("12.3", ShapeKind::Point));
        assert!(m.starts_with("cannot cast '12.3' to POINT: 1 number(s) where 2 are needed"), "{m}");
        assert!(message(parse_geometry_text("1 2 3 4", ShapeKind::Polygon)).contains("at least 6"));
        assert!(message(parse_geometry_text("1 2 3 4 5", ShapeKind::Polygon)).contains("even count"));
        assert!(message(parse_geometry_text("10 95", ShapeKind::Point)).contains("latitude"));
        assert!(message(parse_geometry_text("10 20 -1", ShapeKind::Circle)).contains("radius"));
        assert!(message(parse_geometry_text("10 x", ShapeKind::Point)).contains("\"x\" is not a number"));
        assert!(message(parse_geometry_text("   ", ShapeKind::Point)).contains("empty"));
        // Non-finite numbers are not coordinates ("inf" reads as an unknown STC-S word).
        assert!(parse_geometry_text("NaN 0", ShapeKind::Point).is_err());
        assert!(parse_geometry_text("0 inf", ShapeKind::Point).is_err());
        assert!(parse_geometry_text("1e999 0", ShapeKind::Point).is_err());
        // Antipodal consecutive vertices: the edge is undefined.
        assert!(message(parse_geometry_text("0 0 180 0 90 45", ShapeKind::Polygon)).contains("antipodal"));
        // Long values are shortened in messages.
        let long = "1 ".repeat(100);
        assert!(message(parse_geometry_text(&long, ShapeKind::Point)).contains('…'));
    }
}
