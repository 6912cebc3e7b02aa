//! ADQL geometric values: POINT, CIRCLE, BOX (as a polygon), POLYGON (ADQL 2.1 §4.2).

use super::polygon::Polygon;
use super::sphere::{
    angle_between, cross, distance_deg, dot, normalize, scale, sub, unit_vector, valid_lonlat,
    Vec3, SR_TO_DEG2,
};
use super::GeometryError;
use std::f64::consts::PI;

/// A position on the sky, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Longitude (RA) in degrees.
    pub lon: f64,
    /// Latitude (Dec) in degrees.
    pub lat: f64,
}

impl Point {
    /// A validated point (finite, |lat| ≤ 90).
    pub fn new(lon: f64, lat: f64) -> Result<Self, GeometryError> {
        if !valid_lonlat(lon, lat) {
            return Err(GeometryError::InvalidCoordinates { lon, lat });
        }
        Ok(Point { lon, lat })
    }

    /// Unit vector.
    pub fn unit(&self) -> Vec3 {
        unit_vector(self.lon, self.lat)
    }

    /// Angular distance in degrees (Vincenty formula).
    pub fn distance(&self, other: &Point) -> f64 {
        distance_deg(self.lon, self.lat, other.lon, other.lat)
    }
}

/// A spherical cap: centre and radius in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    /// Centre.
    pub center: Point,
    /// Radius in degrees, 0 ≤ r ≤ 180.
    pub radius: f64,
}

impl Circle {
    /// A validated circle.
    pub fn new(lon: f64, lat: f64, radius: f64) -> Result<Self, GeometryError> {
        let center = Point::new(lon, lat)?;
        if !(radius.is_finite() && (0.0..=180.0).contains(&radius)) {
            return Err(GeometryError::InvalidRadius(radius));
        }
        Ok(Circle { center, radius })
    }

    /// Area in steradians: 2π(1 − cos r).
    pub fn area_sr(&self) -> f64 {
        // 4π sin²(r/2) is the same quantity without cancellation for tiny r.
        let h = (self.radius.to_radians() / 2.0).sin();
        4.0 * PI * h * h
    }

    /// Whether (lon, lat) lies in the cap.
    pub fn contains_point(&self, p: &Point) -> bool {
        self.center.distance(p) <= self.radius
    }
}

/// ADQL BOX (ADQL 2.1 §4.2.5, deprecated but still accepted): a cross centred on `center` with
/// arms along the coordinate axes *at the centre* (great circles, not parallels of latitude), of
/// half-lengths width/2 and height/2; the sides are the great circles through the arm ends at
/// right angles to the arms. That is exactly the region |ξ| ≤ tan(w/2), |η| ≤ tan(h/2) in the
/// gnomonic (tangent-plane) projection at the centre, which is how [`SkyBox::contains_unit`]
/// tests it. As a value, a BOX *is* a polygon of its four corners.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyBox {
    /// Centre.
    pub center: Point,
    /// Full width along the RA arm, degrees, 0 ≤ w < 180.
    pub width: f64,
    /// Full height along the Dec arm, degrees, 0 ≤ h < 180.
    pub height: f64,
}

/// The local frame of a box: centre `c`, east `e`, north `n` unit vectors.
pub(crate) fn local_frame(lon: f64, lat: f64) -> (Vec3, Vec3, Vec3) {
    let (sa, ca) = lon.to_radians().sin_cos();
    let (sd, cd) = lat.to_radians().sin_cos();
    let c = [cd * ca, cd * sa, sd];
    let e = [-sa, ca, 0.0];
    let n = [-sd * ca, -sd * sa, cd];
    (c, e, n)
}

impl SkyBox {
    /// A validated box.
    pub fn new(lon: f64, lat: f64, width: f64, height: f64) -> Result<Self, GeometryError> {
        let center = Point::new(lon, lat)?;
        for s in [width, height] {
            if !(s.is_finite() && (0.0..180.0).contains(&s)) {
                return Err(GeometryError::InvalidBoxSize(s));
            }
        }
        Ok(SkyBox { center, width, height })
    }

    /// Inward side normals: east, north, west, south sides; inside iff all `s·p ≥ 0`.
    pub fn side_normals(&self) -> [Vec3; 4] {
        let (c, e, n) = local_frame(self.center.lon, self.center.lat);
        let (sa, ca) = (self.width.to_radians() / 2.0).sin_cos();
        let (sb, cb) = (self.height.to_radians() / 2.0).sin_cos();
        [
            sub(&scale(&c, sa), &scale(&e, ca)),
            sub(&scale(&c, sb), &scale(&n, cb)),
            [c[0] * sa + e[0] * ca, c[1] * sa + e[1] * ca, c[2] * sa + e[2] * ca],
            [c[0] * sb + n[0] * cb, c[1] * sb + n[1] * cb, c[2] * sb + n[2] * cb],
        ]
    }

    /// The four corners (NE, NW, SW, SE) as (lon, lat) degrees.
    pub fn corners(&self) -> [(f64, f64); 4] {
        let (c, _, _) = local_frame(self.center.lon, self.center.lat);
        let s = self.side_normals();
        let corner = |a: &Vec3, b: &Vec3| {
            let mut v = normalize(&cross(a, b));
            if dot(&v, &c) < 0.0 {
                v = scale(&v, -1.0);
            }
            super::sphere::lonlat(&v)
        };
        [corner(&s[0], &s[1]), corner(&s[1], &s[2]), corner(&s[2], &s[3]), corner(&s[3], &s[0])]
    }

    /// The box as a polygon of its corners (what a BOX value is, ADQL 2.1 §4.2.5).
    pub fn to_polygon(&self) -> Result<Polygon, GeometryError> {
        Polygon::new(&self.corners())
    }

    /// Whether the unit vector is inside (gnomonic test).
    pub fn contains_unit(&self, p: &Vec3) -> bool {
        self.side_normals().iter().all(|s| dot(s, p) >= 0.0)
    }
}

/// Any ADQL geometry value.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// POINT.
    Point(Point),
    /// CIRCLE.
    Circle(Circle),
    /// POLYGON (also BOX, which is a special polygon).
    Polygon(Polygon),
}

/// The three geometry types ADQL can name as a CAST target (ADQL 2.1 BNF `<geometry_type>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShapeKind {
    /// POINT.
    Point,
    /// CIRCLE.
    Circle,
    /// POLYGON (BOX values are polygons).
    Polygon,
}

impl ShapeKind {
    /// The ADQL type name.
    pub fn adql_name(self) -> &'static str {
        match self {
            ShapeKind::Point => "POINT",
            ShapeKind::Circle => "CIRCLE",
            ShapeKind::Polygon => "POLYGON",
        }
    }

    /// The kind an ADQL type name (case-insensitive) denotes.
    pub fn from_adql_name(name: &str) -> Option<Self> {
        [ShapeKind::Point, ShapeKind::Circle, ShapeKind::Polygon].into_iter().find(|k| k.adql_name().eq_ignore_ascii_case(name))
    }
}

impl Shape {
    /// The geometry type of the value.
    pub fn kind(&self) -> ShapeKind {
        match self {
            Shape::Point(_) => ShapeKind::Point,
            Shape::Circle(_) => ShapeKind::Circle,
            Shape::Polygon(_) => ShapeKind::Polygon,
        }
    }

    /// AREA in square degrees (ADQL 2.1 §4.2.11); a point has area 0.
    pub fn area_deg2(&self) -> f64 {
        match self {
            Shape::Point(_) => 0.0,
            Shape::Circle(c) => c.area_sr() * SR_TO_DEG2,
            Shape::Polygon(p) => p.area_sr() * SR_TO_DEG2,
        }
    }

    /// CENTROID (ADQL 2.1 §4.2.13): the point itself, the circle's centre, or the spherical
    /// (area-weighted) centroid of a polygon.
    pub fn centroid(&self) -> Point {
        match self {
            Shape::Point(p) => *p,
            Shape::Circle(c) => c.center,
            Shape::Polygon(p) => {
                let (lon, lat) = p.centroid();
                Point { lon, lat }
            }
        }
    }

    /// COORD1/COORD2 source: the point, or the centroid for other shapes.
    pub fn as_point(&self) -> Option<Point> {
        match self {
            Shape::Point(p) => Some(*p),
            _ => None,
        }
    }
}

/// Whether `p` lies in the cap (centre `c`, radius `r` radians).
fn in_cap(p: &Vec3, c: &Vec3, r: f64) -> bool {
    angle_between(p, c) <= r
}

/// ADQL CONTAINS(a, b) (ADQL 2.1 §4.2.6): is `a` entirely within `b`?
pub fn contains(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Point(p), Shape::Point(q)) => p.distance(q) == 0.0,
        (Shape::Point(p), Shape::Circle(c)) => c.contains_point(p),
        (Shape::Point(p), Shape::Polygon(poly)) => poly.contains_unit(&p.unit()),
        (Shape::Circle(c), Shape::Point(q)) => c.radius == 0.0 && c.center.distance(q) == 0.0,
        (Shape::Circle(c1), Shape::Circle(c2)) => {
            c1.center.distance(&c2.center) + c1.radius <= c2.radius
        }
        (Shape::Circle(c), Shape::Polygon(poly)) => {
            let u = c.center.unit();
            poly.contains_unit(&u) && poly.distance_to_boundary(&u) >= c.radius.to_radians()
        }
        (Shape::Polygon(_), Shape::Point(_)) => false,
        (Shape::Polygon(poly), Shape::Circle(c)) => {
            let u = c.center.unit();
            let r = c.radius.to_radians();
            if r <= PI / 2.0 {
                // Caps of radius ≤ 90° are convex: the vertices suffice.
                poly.unit_vectors().iter().all(|v| in_cap(v, &u, r))
            } else {
                // Otherwise: the polygon must not meet the complementary (convex) cap.
                let anti = scale(&u, -1.0);
                let rc = PI - r;
                !(poly.contains_unit(&anti)
                    || poly.unit_vectors().iter().any(|v| angle_between(v, &anti) < rc)
                    || poly.distance_to_boundary(&anti) < rc)
            }
        }
        (Shape::Polygon(pa), Shape::Polygon(pb)) => {
            pa.unit_vectors().iter().all(|v| pb.contains_unit(v)) && !pa.edges_cross(pb)
        }
    }
}

/// ADQL INTERSECTS(a, b) (ADQL 2.1 §4.2.10): do the two regions overlap (boundaries touching
/// counts)?
pub fn intersects(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Point(_), _) => contains(a, b),
        (_, Shape::Point(_)) => contains(b, a),
        (Shape::Circle(c1), Shape::Circle(c2)) => {
            c1.center.distance(&c2.center) <= c1.radius + c2.radius
        }
        (Shape::Circle(c), Shape::Polygon(poly)) | (Shape::Polygon(poly), Shape::Circle(c)) => {
            let u = c.center.unit();
            poly.contains_unit(&u) || poly.distance_to_boundary(&u) <= c.radius.to_radians()
        }
        (Shape::Polygon(pa), Shape::Polygon(pb)) => {
            pa.unit_vectors().iter().any(|v| pb.contains_unit(v))
                || pb.unit_vectors().iter().any(|v| pa.contains_unit(v))
                || pa.edges_cross(pb)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_is_gnomonic_rectangle() {
        let b = SkyBox::new(10.0, 20.0, 4.0, 2.0).unwrap();
        let (c, e, n) = local_frame(10.0, 20.0);
        let (ta, tb) = (2.0_f64.to_radians().tan(), 1.0_f64.to_radians().tan());
        // Corners project to (±tan a, ±tan b) exactly.
        for (lon, lat) in b.corners() {
            let p = unit_vector(lon, lat);
            let z = dot(&p, &c);
            assert!(((dot(&p, &e) / z).abs() - ta).abs() < 1e-14);
            assert!(((dot(&p, &n) / z).abs() - tb).abs() < 1e-14);
        }
        // The arm ends lie exactly at half-width along the great circles through the centre.
        let poly = b.to_polygon().unwrap();
        assert!(poly.is_convex());
        // Area of a gnomonic rectangle: 4·atan(tan a tan b / sqrt(1 + tan²a + tan²b)).
        let exact = 4.0 * (ta * tb / (1.0 + ta * ta + tb * tb).sqrt()).atan();
        assert!((poly.area_sr() - exact).abs() < 1e-15, "{} {}", poly.area_sr(), exact);
        // The arms are great circles through the centre: their ends are exactly w/2, h/2 away.
        for (r, pa, inside) in [(2.0 - 1e-7, 90.0, true), (2.0 + 1e-7, 90.0, false),
                                (2.0 - 1e-7, 270.0, true), (2.0 + 1e-7, 270.0, false),
                                (1.0 - 1e-7, 0.0, true), (1.0 + 1e-7, 180.0, false)] {
            let (lon, lat) = crate::geometry::sphere::offset(10.0, 20.0, r, pa);
            assert_eq!(b.contains_unit(&unit_vector(lon, lat)), inside, "{r} {pa}");
        }
    }

    #[test]
    fn relations() {
        let c1 = Shape::Circle(Circle::new(10.0, 10.0, 1.0).unwrap());
        let c2 = Shape::Circle(Circle::new(10.0, 10.5, 3.0).unwrap());
        let c3 = Shape::Circle(Circle::new(14.0, 10.0, 1.0).unwrap());
        assert!(contains(&c1, &c2));
        assert!(!contains(&c2, &c1));
        assert!(intersects(&c1, &c2));
        assert!(!intersects(&c1, &c3));
        let sq = Shape::Polygon(
            Polygon::new(&[(8.0, 8.0), (12.0, 8.0), (12.0, 12.0), (8.0, 12.0)]).unwrap(),
        );
        assert!(contains(&c1, &sq));
        assert!(intersects(&sq, &c3) == false);
        let c4 = Shape::Circle(Circle::new(13.5, 10.0, 1.6).unwrap());
        assert!(intersects(&sq, &c4) && !contains(&c4, &sq));
        assert!(contains(&sq, &Shape::Circle(Circle::new(10.0, 10.0, 5.0).unwrap())));
        assert!(!contains(&sq, &Shape::Circle(Circle::new(10.0, 10.0, 2.0).unwrap())));
        // Big circle (> 90 deg) containing a polygon on the opposite side of its centre's antipode.
        // (antipode (10,-10): the complementary cap reaches dec -5 resp. +10).
        assert!(contains(&sq, &Shape::Circle(Circle::new(190.0, 10.0, 175.0).unwrap())));
        assert!(!contains(&sq, &Shape::Circle(Circle::new(190.0, 10.0, 160.0).unwrap())));
        // Star of David: two triangles overlapping without containing each other's vertices.
        let t1 = Polygon::new(&[(0.0, -1.0), (1.0, 0.7), (-1.0, 0.7)]).unwrap();
        let t2 = Polygon::new(&[(0.0, 1.0), (-1.0, -0.7), (1.0, -0.7)]).unwrap();
        assert!(intersects(&Shape::Polygon(t1.clone()), &Shape::Polygon(t2.clone())));
        assert!(!contains(&Shape::Polygon(t1), &Shape::Polygon(t2)));
        let p = Shape::Point(Point::new(10.0, 10.0).unwrap());
        assert!(contains(&p, &sq) && intersects(&sq, &p) && !contains(&sq, &p));
        assert!((c2.area_deg2() - 2.0 * PI * (1.0 - 3f64.to_radians().cos()) * SR_TO_DEG2).abs() < 1e-9);
    }
}
