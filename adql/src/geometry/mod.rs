//! Spherical geometry for ADQL 2.1 §4.2 (POINT, CIRCLE, BOX, POLYGON, REGION and the predicates
//! and measures on them), fused vectorised kernels for the hot predicates, and HEALPix coverage
//! for spatial pruning. Pure Rust: nothing here knows about DataFusion.
//!
//! Conventions: ICRS, degrees at every public boundary, longitudes taken modulo 360.

pub mod coverage;
pub mod dali;
pub mod kernels;
pub mod polygon;
pub mod shapes;
pub mod sphere;
pub mod stcs;

pub use coverage::{box_ranges, cone_ranges, polygon_ranges};
pub use kernels::{BoxKernel, ConeKernel, PolygonKernel};
pub use polygon::Polygon;
pub use dali::{parse_geometry_text, shape_from_numbers};
pub use shapes::{contains, intersects, Circle, Point, Shape, ShapeKind, SkyBox};
pub use sphere::distance_deg;
pub use stcs::parse_stcs;

/// Errors building geometry values from user input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// Non-finite coordinates or |lat| > 90.
    #[error("invalid coordinates ({lon}, {lat}): longitude must be finite and latitude in [-90, 90] degrees")]
    InvalidCoordinates {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// Circle radius outside [0, 180].
    #[error("invalid circle radius {0}: must be in [0, 180] degrees")]
    InvalidRadius(f64),
    /// Box side outside [0, 180).
    #[error("invalid box size {0}: width and height must be in [0, 180) degrees")]
    InvalidBoxSize(f64),
    /// Fewer than 3 distinct vertices.
    #[error("a polygon needs at least 3 distinct vertices, got {0}")]
    TooFewVertices(usize),
    /// Odd number of polygon coordinates.
    #[error("polygon coordinates must come in (lon, lat) pairs, got {0} numbers")]
    OddCoordinateCount(usize),
    /// Two consecutive vertices are antipodal: the edge between them is undefined.
    #[error("two consecutive polygon vertices are antipodal: the great-circle edge is undefined")]
    DegenerateEdge,
    /// Bad STC-S text.
    #[error("invalid STC-S region: {0}")]
    Stcs(String),
    /// A value that does not convert to the requested geometry type (CAST, ADQL 2.1 §4.7.1).
    #[error("cannot cast {value} to {target}: {reason}")]
    Cast {
        /// The target type's ADQL name.
        target: &'static str,
        /// The offending value as shown to the user (quoted, shortened).
        value: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
    /// HEALPix order outside 0..=29.
    #[error("HEALPix order {0} outside 0..=29")]
    InvalidOrder(i64),
}
