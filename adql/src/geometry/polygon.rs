//! Spherical polygons with great-circle edges (ADQL 2.1 §4.2.9 POLYGON).
//!
//! Orientation: ADQL does not fix the winding of POLYGON vertices and clients send both. A closed
//! boundary splits the sphere in two regions; we always take the *smaller* one (area ≤ 2π sr) as
//! the inside, which is what every user of POLYGON(…) on a catalog means. Internally the vertex
//! list is stored counter-clockwise as seen from outside the sphere (inside on the left).

use super::sphere::{
    angle_between, arcs_cross, cross, distance_to_arc, dot, lonlat, norm, normalize, scale,
    unit_vector, valid_lonlat, Vec3,
};
use super::GeometryError;
use std::f64::consts::PI;

/// A spherical polygon, validated and oriented (inside = smaller region, counter-clockwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// Vertices (lon, lat) in degrees as given (lon folded to [0, 360)), in internal
    /// counter-clockwise order.
    vertices: Vec<(f64, f64)>,
    /// Unit vectors of the vertices, same order.
    units: Vec<Vec3>,
    /// Unit normals `v_i × v_{i+1}`: the inside is where `n·p >= 0` (for a convex polygon).
    normals: Vec<Vec3>,
    /// Whether every vertex lies on the inner side of every edge's great circle.
    convex: bool,
    /// Area in steradians.
    area_sr: f64,
    /// Inside status of the north (index 0) and south (index 1) poles.
    pole_inside: [bool; 2],
    /// Which pole point-in-polygon tests walk towards: +1 north, -1 south (the one farther
    /// from the boundary, so its status above is robust).
    ref_pole: f64,
}

/// Signed area of the spherical triangle (a, b, c), positive when counter-clockwise seen from
/// outside (Van Oosterom & Strackee 1983: tan(E/2) = a·(b×c) / (1 + a·b + b·c + c·a)).
///
/// The triple product is taken as a·((b−a)×(c−a)) (equal, since a·(a×·) = 0): for a small
/// triangle the differences are small but exact, whereas b×c would bury the ~area-sized
/// component along a under rounding of its ~side-sized components.
fn signed_triangle_area(a: &Vec3, b: &Vec3, c: &Vec3) -> f64 {
    let triple = dot(a, &cross(&super::sphere::sub(b, a), &super::sphere::sub(c, a)));
    let den = 1.0 + dot(a, b) + dot(b, c) + dot(c, a);
    2.0 * triple.atan2(den)
}

/// Sum of the signed fan triangles (apex, v_i, v_{i+1}): equals the area on the left of the
/// boundary modulo 4π, jumping by 4π when an edge crosses the antipode of the apex.
fn fan_area(apex: &Vec3, units: &[Vec3]) -> f64 {
    let n = units.len();
    (0..n).map(|i| signed_triangle_area(apex, &units[i], &units[(i + 1) % n])).sum()
}

impl Polygon {
    /// Builds a polygon from (lon, lat) vertices in degrees.
    ///
    /// Consecutive duplicate vertices (including a closing vertex equal to the first) are
    /// dropped; at least 3 distinct vertices must remain; consecutive antipodal vertices are
    /// rejected because the great-circle edge between them is undefined.
    pub fn new(vertices: &[(f64, f64)]) -> Result<Self, GeometryError> {
        let mut verts: Vec<(f64, f64)> = Vec::with_capacity(vertices.len());
        let mut units: Vec<Vec3> = Vec::with_capacity(vertices.len());
        for &(lon, lat) in vertices {
            if !valid_lonlat(lon, lat) {
                return Err(GeometryError::InvalidCoordinates { lon, lat });
            }
            let u = unit_vector(lon, lat);
            if let Some(last) = units.last() {
                if angle_between(last, &u) < 1e-15 {
                    continue;
                }
            }
            verts.push((super::sphere::normalize_lon(lon), lat));
            units.push(u);
        }
        while units.len() > 1 && angle_between(&units[0], &units[units.len() - 1]) < 1e-15 {
            units.pop();
            verts.pop();
        }
        if units.len() < 3 {
            return Err(GeometryError::TooFewVertices(units.len()));
        }
        let n = units.len();
        for i in 0..n {
            let a = &units[i];
            let b = &units[(i + 1) % n];
            if norm(&cross(a, b)) < 1e-15 {
                return Err(GeometryError::DegenerateEdge);
            }
        }
        // Orientation from a fan rooted at the first vertex: all triangles are small for a
        // small polygon, so the sign is right even for a 1e-6 arcsec polygon.
        // Triangles touching the apex are degenerate (area 0), so the whole ring can be summed.
        let f0 = fan_area(&units[0], &units);
        // Reduce f0 (≡ left area mod 4π) without ever forming 4π − tiny for tiny polygons.
        let f = if f0.abs() <= 4.0 * PI { f0 } else { f0.rem_euclid(4.0 * PI) };
        let (area_left, reverse) = if f < -2.0 * PI {
            (f + 4.0 * PI, false)
        } else if f < 0.0 {
            (-f, true)
        } else if f <= 2.0 * PI {
            (f, false)
        } else {
            (4.0 * PI - f, true)
        };
        if reverse {
            verts.reverse();
            units.reverse();
        }
        // a × (b − a) = a × b, but keeps full precision when a and b are very close.
        let normals: Vec<Vec3> = (0..n)
            .map(|i| normalize(&cross(&units[i], &super::sphere::sub(&units[(i + 1) % n], &units[i]))))
            .collect();
        // An edge's own endpoints are on its plane up to rounding: only the others count.
        let convex = (0..n).all(|i| {
            (0..n).filter(|&j| j != i && j != (i + 1) % n).all(|j| dot(&normals[i], &units[j]) >= -1e-15)
        });
        // Pole status: the fan from one pole jumps by -4π exactly when the other pole is inside.
        let north = [0.0, 0.0, 1.0];
        let south = [0.0, 0.0, -1.0];
        let south_inside = fan_area(&north, &units) < area_left - 2.0 * PI;
        let north_inside = fan_area(&south, &units) < area_left - 2.0 * PI;
        let dist_to_boundary = |p: &Vec3| {
            (0..n)
                .map(|i| distance_to_arc(p, &units[i], &units[(i + 1) % n]))
                .fold(f64::INFINITY, f64::min)
        };
        let ref_pole = if dist_to_boundary(&north) > dist_to_boundary(&south) { 1.0 } else { -1.0 };
        Ok(Polygon {
            vertices: verts,
            units,
            normals,
            convex,
            area_sr: area_left,
            pole_inside: [north_inside, south_inside],
            ref_pole,
        })
    }

    /// Builds a polygon from a flat `[lon1, lat1, lon2, lat2, …]` list in degrees.
    pub fn from_flat(coords: &[f64]) -> Result<Self, GeometryError> {
        if coords.len() % 2 != 0 {
            return Err(GeometryError::OddCoordinateCount(coords.len()));
        }
        let v: Vec<(f64, f64)> = coords.chunks_exact(2).map(|c| (c[0], c[1])).collect();
        Self::new(&v)
    }

    /// Vertices (lon, lat) in degrees, counter-clockwise.
    pub fn vertices(&self) -> &[(f64, f64)] {
        &self.vertices
    }

    /// Vertex unit vectors, counter-clockwise.
    pub fn unit_vectors(&self) -> &[Vec3] {
        &self.units
    }

    /// Unit edge normals (`v_i × v_{i+1}` normalised).
    pub fn edge_normals(&self) -> &[Vec3] {
        &self.normals
    }

    /// Whether the polygon is convex (then `contains` is the intersection of half-spaces).
    pub fn is_convex(&self) -> bool {
        self.convex
    }

    /// Flattened `[lon1, lat1, …]` in degrees (DALI `polygon` xtype serialisation).
    pub fn to_flat(&self) -> Vec<f64> {
        self.vertices.iter().flat_map(|&(a, b)| [a, b]).collect()
    }

    /// Area in steradians (spherical excess; exact for great-circle edges).
    pub fn area_sr(&self) -> f64 {
        self.area_sr
    }

    /// Inside status of the (north, south) poles.
    pub fn poles_inside(&self) -> (bool, bool) {
        (self.pole_inside[0], self.pole_inside[1])
    }

    /// The pole used as the reference of the crossing test (+1 north, -1 south) and its status.
    pub fn reference_pole(&self) -> (f64, bool) {
        let inside = if self.ref_pole > 0.0 { self.pole_inside[0] } else { self.pole_inside[1] };
        (self.ref_pole, inside)
    }

    /// Whether the unit vector `p` is inside (boundary counts as inside up to rounding).
    #[inline]
    pub fn contains_unit(&self, p: &Vec3) -> bool {
        if self.convex {
            self.normals.iter().all(|n| dot(n, p) >= 0.0)
        } else {
            crossing_contains(&self.units, self.reference_pole(), self.pole_inside, p)
        }
    }

    /// Whether (lon, lat) in degrees is inside.
    pub fn contains_lonlat(&self, lon: f64, lat: f64) -> bool {
        self.contains_unit(&unit_vector(lon, lat))
    }

    /// Spherical centroid: the direction of ∫ p dA over the polygon, which by Stokes equals
    /// ½ Σ θ_i n̂_i over the edges (θ_i arc length, n̂_i unit normal).
    ///
    /// Written as Σ k_i (v_i × d_i) with d_i = v_{i+1} − v_i and k_i = θ_i / sin θ_i, then
    /// with v_i = c0 + w_i (c0 = first vertex) and Σ d_i = 0 the large c0 × d_i terms cancel
    /// exactly, leaving Σ [k_i (w_i × d_i) + (k_i − 1)(c0 × d_i)]: every term is small for a
    /// small polygon, so the direction stays precise down to milli-arcsecond polygons.
    pub fn centroid(&self) -> (f64, f64) {
        use super::sphere::{add, sub};
        let n = self.units.len();
        let c0 = self.units[0];
        let mut acc = [0.0; 3];
        for i in 0..n {
            let a = &self.units[i];
            let b = &self.units[(i + 1) % n];
            let d = sub(b, a);
            let w = sub(a, &c0);
            let theta = norm(&cross(a, &d)).atan2(dot(a, b));
            // θ/sinθ − 1 by its series when small (no cancellation).
            let km1 = if theta < 1e-2 {
                let t2 = theta * theta;
                t2 / 6.0 + 7.0 * t2 * t2 / 360.0 + 31.0 * t2 * t2 * t2 / 15120.0
            } else {
                theta / theta.sin() - 1.0
            };
            let term = add(&scale(&cross(&w, &d), 1.0 + km1), &scale(&cross(&c0, &d), km1));
            acc = add(&acc, &term);
        }
        if norm(&acc) == 0.0 {
            return self.vertices[0];
        }
        lonlat(&acc)
    }

    /// Centre and radius (radians) of a cap containing the polygon: the centroid direction and
    /// the largest vertex distance from it (caps of radius < 90° are convex, so they hold the
    /// edges too); when that radius reaches 90° the whole sphere (radius π) is returned.
    pub fn bounding_cap(&self) -> (Vec3, f64) {
        let (clon, clat) = self.centroid();
        let c = unit_vector(clon, clat);
        let r = self.units.iter().map(|v| angle_between(&c, v)).fold(0.0, f64::max);
        // If the boundary lies in a cap of radius < 90°, the complement of the cap (area > 2π)
        // is on one side of it, and the inside (area ≤ 2π) cannot be that side: the cap
        // contains the polygon whether or not its centre is inside.
        if r < PI / 2.0 {
            (c, r * (1.0 + 1e-12) + 1e-15)
        } else {
            (c, PI)
        }
    }

    /// Minimum distance in radians from `q` to the polygon boundary.
    pub fn distance_to_boundary(&self, q: &Vec3) -> f64 {
        let n = self.units.len();
        (0..n)
            .map(|i| distance_to_arc(q, &self.units[i], &self.units[(i + 1) % n]))
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether any edge of `self` properly crosses any edge of `other`.
    pub fn edges_cross(&self, other: &Polygon) -> bool {
        let n = self.units.len();
        let m = other.units.len();
        (0..n).any(|i| {
            let a = &self.units[i];
            let b = &self.units[(i + 1) % n];
            (0..m).any(|j| arcs_cross(a, b, &other.units[j], &other.units[(j + 1) % m]))
        })
    }
}

/// Point-in-polygon by counting crossings of the meridian arc from `p` to the reference pole
/// (whose status is known) with the edges. `m = p × pole` is the meridian plane's normal, so an
/// edge crosses the plane when its endpoints' dot products with `m` change sign (half-open rule
/// `> 0` so a vertex exactly on the meridian is counted once).
#[inline]
pub(crate) fn crossing_contains(
    units: &[Vec3],
    (pole, pole_in): (f64, bool),
    pole_inside: [bool; 2],
    p: &Vec3,
) -> bool {
    let (x, y, z) = (p[0], p[1], p[2]);
    if x == 0.0 && y == 0.0 {
        return if z > 0.0 { pole_inside[0] } else { pole_inside[1] };
    }
    // m = p × (0, 0, pole)
    let (mx, my) = (pole * y, -pole * x);
    let n = units.len();
    let mut inside = pole_in;
    let mut prev = &units[n - 1];
    let mut dprev = prev[0] * mx + prev[1] * my;
    for cur in units {
        let dcur = cur[0] * mx + cur[1] * my;
        if (dprev > 0.0) != (dcur > 0.0) {
            // Crossing point: the positive combination of prev and cur lying in the plane.
            let mut c = [
                prev[0] * dcur - cur[0] * dprev,
                prev[1] * dcur - cur[1] * dprev,
                prev[2] * dcur - cur[2] * dprev,
            ];
            if dcur <= 0.0 {
                c = [-c[0], -c[1], -c[2]];
            }
            // Same half-meridian as p, and between p and the pole.
            if c[0] * x + c[1] * y > 0.0 && pole * c[2] > pole * z * norm(&c) {
                inside = !inside;
            }
        }
        prev = cur;
        dprev = dcur;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::sphere::distance_deg;

    /// Regular n-gon of circumradius r (deg) centred on (lon0, lat0), vertices built by rotation.
    pub(crate) fn regular(n: usize, lon0: f64, lat0: f64, r: f64, ccw: bool) -> Vec<(f64, f64)> {
        (0..n)
            .map(|k| {
                let pa = 2.0 * PI * (k as f64) / (n as f64) * if ccw { -1.0 } else { 1.0 };
                crate::geometry::sphere::offset(lon0, lat0, r, pa.to_degrees())
            })
            .collect()
    }

    /// Closed-form area of a regular spherical n-gon with circumradius R: 2n right triangles
    /// (centre, vertex, edge midpoint) with angle A = π/n at the centre and B at the vertex,
    /// where Napier's rule gives cot B = cos R tan A. Each has excess E = A + B − π/2 =
    /// A − atan(cos R tan A) = atan(2 t sin²(R/2) / (1 + t² cos R)), t = tan A (difference
    /// of arctangents, written without cancellation so tiny polygons are exact too).
    fn regular_area(n: usize, r_deg: f64) -> f64 {
        let r = r_deg.to_radians();
        let t = (PI / n as f64).tan();
        let h = (r / 2.0).sin();
        2.0 * n as f64 * (2.0 * t * h * h / (1.0 + t * t * r.cos())).atan()
    }

    #[test]
    fn regular_polygon_area_both_windings() {
        for &n in &[3usize, 4, 7, 10, 100, 150] {
            for &r in &[1e-3, 0.5, 10.0, 60.0, 89.0] {
                for &ccw in &[true, false] {
                    let v = regular(n, 33.0, -47.0, r, ccw);
                    let p = Polygon::new(&v).unwrap();
                    let exact = regular_area(n, r);
                    let rel = (p.area_sr() - exact).abs() / exact;
                    assert!(rel < 1e-8, "n={n} r={r} ccw={ccw}: {} vs {exact}", p.area_sr());
                    assert!(p.contains_lonlat(33.0, -47.0));
                    assert!(p.is_convex(), "n={n} r={r} ccw={ccw} not convex");
                    let (cl, cb) = p.centroid();
                    assert!(distance_deg(cl, cb, 33.0, -47.0) < 1e-9 * r.max(1.0));
                }
            }
        }
    }

    #[test]
    fn octant_and_pole() {
        // The octant (0,0),(90,0),(0,90) has area 4π/8 exactly.
        let p = Polygon::new(&[(0.0, 0.0), (90.0, 0.0), (0.0, 90.0)]).unwrap();
        assert!((p.area_sr() - PI / 2.0).abs() < 1e-14);
        // Polygon around the north pole, crossing RA 0.
        let cap = Polygon::new(&[(350.0, 80.0), (80.0, 80.0), (170.0, 80.0), (260.0, 80.0)])
            .unwrap();
        assert_eq!(cap.poles_inside(), (true, false));
        assert!(cap.contains_lonlat(0.0, 90.0));
        assert!(cap.contains_lonlat(123.0, 85.0));
        assert!(!cap.contains_lonlat(123.0, 70.0));
        // Same square around the south pole, clockwise this time.
        let s = Polygon::new(&[(260.0, -80.0), (170.0, -80.0), (80.0, -80.0), (350.0, -80.0)])
            .unwrap();
        assert_eq!(s.poles_inside(), (false, true));
        assert!(s.contains_lonlat(10.0, -89.0));
    }

    #[test]
    fn ra_wrap_box() {
        let p = Polygon::new(&[(359.0, -1.0), (1.0, -1.0), (1.0, 1.0), (359.0, 1.0)]).unwrap();
        assert!(p.contains_lonlat(0.0, 0.0));
        assert!(p.contains_lonlat(359.5, 0.5));
        assert!(p.contains_lonlat(0.5, -0.5));
        assert!(!p.contains_lonlat(180.0, 0.0));
        assert!(!p.contains_lonlat(2.0, 0.0));
        assert!(p.area_sr() < 0.01);
    }

    #[test]
    fn non_convex_matches_brute_force() {
        // A "U" shape; compare the crossing test with a convex decomposition.
        let u = [
            (10.0, 10.0),
            (20.0, 10.0),
            (20.0, 20.0),
            (17.0, 20.0),
            (17.0, 13.0),
            (13.0, 13.0),
            (13.0, 20.0),
            (10.0, 20.0),
        ];
        let p = Polygon::new(&u).unwrap();
        assert!(!p.is_convex());
        let parts = [
            // Same great-circle arcs as the U along lat 13 (an arc (20,13)-(10,13) would bulge
            // further north than the U's (17,13)-(13,13) edge).
            Polygon::new(&[(10.0, 10.0), (20.0, 10.0), (20.0, 13.0), (17.0, 13.0), (13.0, 13.0), (10.0, 13.0)]).unwrap(),
            Polygon::new(&[(10.0, 13.0), (13.0, 13.0), (13.0, 20.0), (10.0, 20.0)]).unwrap(),
            Polygon::new(&[(17.0, 13.0), (20.0, 13.0), (20.0, 20.0), (17.0, 20.0)]).unwrap(),
        ];
        let mut state = 12345u64;
        let mut rnd = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut n_in = 0;
        for _ in 0..20000 {
            let lon = 8.0 + 14.0 * rnd();
            let lat = 8.0 + 14.0 * rnd();
            let q = unit_vector(lon, lat);
            if p.distance_to_boundary(&q) < 1e-9 {
                continue;
            }
            let expect = parts.iter().any(|c| c.contains_unit(&q));
            assert_eq!(p.contains_unit(&q), expect, "{lon} {lat}");
            n_in += expect as usize;
        }
        assert!(n_in > 1000);
        let area_parts: f64 = parts.iter().map(|c| c.area_sr()).sum();
        assert!((p.area_sr() - area_parts).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Polygon::new(&[(0.0, 0.0), (1.0, 1.0)]).is_err());
        assert!(Polygon::new(&[(0.0, 0.0), (1.0, 91.0), (2.0, 0.0)]).is_err());
        assert!(Polygon::new(&[(0.0, 0.0), (180.0, 0.0), (2.0, 5.0)]).is_err());
        assert!(Polygon::new(&[(0.0, 0.0), (f64::NAN, 0.0), (2.0, 5.0)]).is_err());
        // Closing duplicate is tolerated.
        let p = Polygon::new(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]).unwrap();
        assert_eq!(p.vertices().len(), 3);
    }
}
