//! The STC-S subset accepted by ADQL REGION (ADQL 2.1 §4.2.14 refers to STC-S; TAP 1.0 §6):
//! `Position`, `Circle`, `Box`, `Polygon`, each with optional frame / reference position /
//! flavour words and an optional trailing `unit deg`.

use super::shapes::{Circle, Point, Shape, SkyBox};
use super::polygon::Polygon;
use super::GeometryError;

/// Frames we accept: ICRS is what every astrotap catalog uses; a missing or unknown frame is
/// taken as "the data's frame" (ADQL 2.1 §4.2.2 deprecates the coordinate-system argument).
const FRAMES: &[&str] = &["ICRS", "UNKNOWNFRAME", "J2000", "FK5"];
const OTHER_FRAMES: &[&str] = &["FK4", "B1950", "ECLIPTIC", "GALACTIC", "GALACTIC_II", "SUPER_GALACTIC", "GEO_C", "GEO_D"];
const REFPOS: &[&str] = &[
    "BARYCENTER", "GEOCENTER", "HELIOCENTER", "LSR", "TOPOCENTER", "RELOCATABLE", "UNKNOWNREFPOS",
    "EMBARYCENTER", "LSRK", "LSRD", "GALACTIC_CENTER", "LOCAL_GROUP_CENTER", "MOON", "MERCURY",
    "VENUS", "MARS", "JUPITER", "SATURN", "URANUS", "NEPTUNE", "PLUTO",
];
const FLAVORS: &[&str] = &["SPHERICAL2", "UNITSPHERE"];

/// Parses an STC-S region string into a [`Shape`] (a Box becomes its polygon).
pub fn parse_stcs(text: &str) -> Result<Shape, GeometryError> {
    let bad = |msg: &str| GeometryError::Stcs(format!("{msg} in {text:?}"));
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    // Trailing "unit deg" (the only unit ADQL geometries use).
    if tokens.len() >= 2 && tokens[tokens.len() - 2].eq_ignore_ascii_case("unit") {
        if !tokens[tokens.len() - 1].eq_ignore_ascii_case("deg") {
            return Err(bad("only 'unit deg' is supported"));
        }
        tokens.truncate(tokens.len() - 2);
    }
    let Some((kind, rest)) = tokens.split_first() else {
        return Err(bad("empty region"));
    };
    let mut rest = rest;
    // Optional frame, refpos, flavour, in that order.
    for (i, words) in [FRAMES, REFPOS, FLAVORS].iter().enumerate() {
        if let Some(first) = rest.first() {
            let up = first.to_ascii_uppercase();
            if i == 0 && OTHER_FRAMES.contains(&up.as_str()) {
                return Err(bad(&format!("unsupported frame {first} (only ICRS)")));
            }
            if words.contains(&up.as_str()) {
                rest = &rest[1..];
            }
        }
    }
    let nums: Vec<f64> = rest
        .iter()
        .map(|t| t.parse::<f64>().map_err(|_| bad(&format!("unexpected token {t:?}"))))
        .collect::<Result<_, _>>()?;
    match kind.to_ascii_uppercase().as_str() {
        "POSITION" => match nums.as_slice() {
            [lon, lat] => Ok(Shape::Point(Point::new(*lon, *lat)?)),
            _ => Err(bad("Position needs 2 numbers")),
        },
        "CIRCLE" => match nums.as_slice() {
            [lon, lat, r] => Ok(Shape::Circle(Circle::new(*lon, *lat, *r)?)),
            _ => Err(bad("Circle needs 3 numbers")),
        },
        "BOX" => match nums.as_slice() {
            [lon, lat, w, h] => Ok(Shape::Polygon(SkyBox::new(*lon, *lat, *w, *h)?.to_polygon()?)),
            _ => Err(bad("Box needs 4 numbers")),
        },
        "POLYGON" => {
            if nums.len() < 6 || nums.len() % 2 != 0 {
                return Err(bad("Polygon needs an even number (>= 6) of numbers"));
            }
            Ok(Shape::Polygon(Polygon::from_flat(&nums)?))
        }
        other => Err(bad(&format!("unsupported STC-S shape {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shapes() {
        match parse_stcs("Circle ICRS 10 20 0.5").unwrap() {
            Shape::Circle(c) => assert_eq!((c.center.lon, c.center.lat, c.radius), (10.0, 20.0, 0.5)),
            s => panic!("{s:?}"),
        }
        match parse_stcs("position icrs BARYCENTER 1.5 -2").unwrap() {
            Shape::Point(p) => assert_eq!((p.lon, p.lat), (1.5, -2.0)),
            s => panic!("{s:?}"),
        }
        match parse_stcs("Polygon ICRS 0 0 1 0 1 1 unit deg").unwrap() {
            Shape::Polygon(p) => assert_eq!(p.vertices().len(), 3),
            s => panic!("{s:?}"),
        }
        match parse_stcs("Box 10 10 2 2").unwrap() {
            Shape::Polygon(p) => assert_eq!(p.vertices().len(), 4),
            s => panic!("{s:?}"),
        }
        assert!(parse_stcs("Circle GALACTIC 1 2 3").is_err());
        assert!(parse_stcs("Circle ICRS 1 2").is_err());
        assert!(parse_stcs("Union ICRS (Circle 1 2 3)").is_err());
        assert!(parse_stcs("").is_err());
        assert!(parse_stcs("Circle ICRS 1 95 3").is_err());
    }
}
