//! Unit vectors and angular distances on the unit sphere (ICRS assumed, degrees at the API).
//!
//! ADQL 2.1 §4.2 defines every geometry on the celestial sphere with coordinates in degrees; all
//! internal computations use unit vectors because they have no singularity at RA = 0/360 or at the
//! poles.

/// A 3-vector (not necessarily normalised).
pub type Vec3 = [f64; 3];

/// Dot product.
#[inline(always)]
pub fn dot(a: &Vec3, b: &Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product `a × b`.
#[inline(always)]
pub fn cross(a: &Vec3, b: &Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean norm.
#[inline(always)]
pub fn norm(a: &Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` scaled to unit length (the zero vector is returned unchanged).
#[inline]
pub fn normalize(a: &Vec3) -> Vec3 {
    let n = norm(a);
    if n == 0.0 {
        *a
    } else {
        [a[0] / n, a[1] / n, a[2] / n]
    }
}

/// `a * s`.
#[inline(always)]
pub fn scale(a: &Vec3, s: f64) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// `a + b`.
#[inline(always)]
pub fn add(a: &Vec3, b: &Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
#[inline(always)]
pub fn sub(a: &Vec3, b: &Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Unit vector of (lon, lat) given in degrees.
#[inline]
pub fn unit_vector(lon_deg: f64, lat_deg: f64) -> Vec3 {
    let (sl, cl) = lon_deg.to_radians().sin_cos();
    let (sb, cb) = lat_deg.to_radians().sin_cos();
    [cb * cl, cb * sl, sb]
}

/// (lon, lat) in degrees of a (not necessarily unit) vector; lon in [0, 360).
///
/// `atan2` on both angles keeps full precision near the poles where `asin(z)` would not.
#[inline]
pub fn lonlat(v: &Vec3) -> (f64, f64) {
    let rho = (v[0] * v[0] + v[1] * v[1]).sqrt();
    let lat = v[2].atan2(rho).to_degrees();
    let lon = if rho == 0.0 { 0.0 } else { normalize_lon(v[1].atan2(v[0]).to_degrees()) };
    (lon, lat)
}

/// Longitude folded into [0, 360).
#[inline]
pub fn normalize_lon(lon: f64) -> f64 {
    let l = lon.rem_euclid(360.0);
    // rem_euclid can return exactly 360.0 for tiny negative inputs.
    if l >= 360.0 {
        0.0
    } else {
        l
    }
}

/// Angle between two vectors in radians, by `atan2(|a×b|, a·b)`: accurate over the whole range
/// 0..π, unlike `acos` (bad near 0 and π) or haversine (bad near π).
#[inline]
pub fn angle_between(a: &Vec3, b: &Vec3) -> f64 {
    norm(&cross(a, b)).atan2(dot(a, b))
}

/// Angular distance in degrees between (lon1, lat1) and (lon2, lat2), all in degrees.
///
/// Vincenty's special case of the great-circle distance (the formula astropy's
/// `angular_separation` uses): `atan2(sqrt((cosφ2 sinΔλ)² + (cosφ1 sinφ2 − sinφ1 cosφ2 cosΔλ)²),
/// sinφ1 sinφ2 + cosφ1 cosφ2 cosΔλ)`. Well-conditioned from 1e-6 arcsec up to antipodal points,
/// where haversine alone loses all precision.
#[inline]
///
/// The two terms that cancel for tiny separations are rewritten with Δφ and
/// hav(Δλ) = 2 sin²(Δλ/2): `cosφ1 sinφ2 − sinφ1 cosφ2 cosΔλ = sinΔφ + sinφ1 cosφ2 hav`,
/// `sinφ1 sinφ2 + cosφ1 cosφ2 cosΔλ = cosΔφ − cosφ1 cosφ2 hav`, which keeps full *relative*
/// precision down to 1e-6 arcsec.
pub fn distance_deg(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (sdl, _) = (lon2 - lon1).to_radians().sin_cos();
    let sh = ((lon2 - lon1).to_radians() / 2.0).sin();
    let hav = 2.0 * sh * sh;
    let (s1, c1) = lat1.to_radians().sin_cos();
    let (_, c2) = lat2.to_radians().sin_cos();
    let (sdp, cdp) = (lat2 - lat1).to_radians().sin_cos();
    let num1 = c2 * sdl;
    let num2 = sdp + s1 * c2 * hav;
    let den = cdp - c1 * c2 * hav;
    num1.hypot(num2).atan2(den).to_degrees()
}

/// Whether (lon, lat) in degrees are acceptable ADQL coordinates (finite, |lat| <= 90).
///
/// ADQL 2.1 §4.2.1 (limits): longitude may be any finite number (it is taken modulo 360),
/// latitude must lie in [-90, 90].
#[inline]
pub fn valid_lonlat(lon: f64, lat: f64) -> bool {
    lon.is_finite() && lat.is_finite() && (-90.0..=90.0).contains(&lat)
}

/// Steradians to square degrees.
pub const SR_TO_DEG2: f64 = (180.0 / std::f64::consts::PI) * (180.0 / std::f64::consts::PI);

/// The distance in radians from unit vector `q` to the minor great-circle arc `a`→`b`
/// (unit vectors, `a` ≠ ±`b`).
pub fn distance_to_arc(q: &Vec3, a: &Vec3, b: &Vec3) -> f64 {
    let n = normalize(&cross(a, b));
    let qn = dot(q, &n);
    let proj = sub(q, &scale(&n, qn));
    // The foot of the perpendicular lies on the arc iff it is "after" a and "before" b.
    if dot(&cross(a, &proj), &n) >= 0.0 && dot(&cross(&proj, b), &n) >= 0.0 && norm(&proj) > 0.0 {
        qn.abs().atan2(norm(&proj))
    } else {
        angle_between(q, a).min(angle_between(q, b))
    }
}

/// Whether the minor arcs `a`→`b` and `c`→`d` (unit vectors) cross at a point interior to both
/// (touching at an endpoint does not count; callers test vertices separately).
pub fn arcs_cross(a: &Vec3, b: &Vec3, c: &Vec3, d: &Vec3) -> bool {
    let n1 = cross(a, b);
    let n2 = cross(c, d);
    let sc = dot(c, &n1);
    let sd = dot(d, &n1);
    let sa = dot(a, &n2);
    let sb = dot(b, &n2);
    if !((sc > 0.0 && sd < 0.0) || (sc < 0.0 && sd > 0.0)) {
        return false;
    }
    if !((sa > 0.0 && sb < 0.0) || (sa < 0.0 && sb > 0.0)) {
        return false;
    }
    // Where arc ab meets the great circle of cd: a positive combination of a and b.
    let mut y = sub(&scale(a, sb), &scale(b, sa));
    if sb < 0.0 {
        y = scale(&y, -1.0);
    }
    dot(&cross(c, &y), &n2) > 0.0 && dot(&cross(&y, d), &n2) > 0.0
}

/// The point at angular distance `r_deg` from (lon, lat) along position angle `pa_deg`
/// (east of north), all in degrees (direct geodesic problem on the unit sphere).
pub fn offset(lon: f64, lat: f64, r_deg: f64, pa_deg: f64) -> (f64, f64) {
    // Built as a vector (c cos r + (n cos pa + e sin pa) sin r) and read back with atan2, so
    // points near the poles keep full precision (asin of the latitude would not).
    let (sl, cl) = lon.to_radians().sin_cos();
    let (sp, cp) = lat.to_radians().sin_cos();
    let (sr, cr) = r_deg.to_radians().sin_cos();
    let (sa, ca) = pa_deg.to_radians().sin_cos();
    let c = [cp * cl, cp * sl, sp];
    let e = [-sl, cl, 0.0];
    let n = [-sp * cl, -sp * sl, cp];
    let v = [
        c[0] * cr + (n[0] * ca + e[0] * sa) * sr,
        c[1] * cr + (n[1] * ca + e[1] * sa) * sr,
        c[2] * cr + (n[2] * ca + e[2] * sa) * sr,
    ];
    lonlat(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_exact_cases() {
        // Quarter circle along the equator and along a meridian.
        assert!((distance_deg(0.0, 0.0, 90.0, 0.0) - 90.0).abs() < 1e-12);
        assert!((distance_deg(10.0, -90.0, 200.0, 90.0) - 180.0).abs() < 1e-12);
        // RA wrap: 359.9 -> 0.1 on the equator is 0.2 deg.
        assert!((distance_deg(359.9, 0.0, 0.1, 0.0) - 0.2).abs() < 1e-12);
        // Antipodal points off the axes: haversine would lose ~1e-8 here.
        let d = distance_deg(30.0, 20.0, 210.0, -20.0);
        assert!((d - 180.0).abs() < 1e-9, "{d}");
        // 179.9999 deg apart on the equator.
        assert!((distance_deg(0.0, 0.0, 179.9999, 0.0) - 179.9999).abs() < 1e-9);
        // 1e-6 arcsec along a meridian at dec 45.
        let tiny = 1e-6 / 3600.0;
        // (45 + tiny is rounded to the f64 grid near 45; compare with the representable step.)
        let lat2 = 45.0 + tiny;
        let step = lat2 - 45.0;
        let d = distance_deg(12.0, 45.0, 12.0, lat2);
        assert!((d - step).abs() < 1e-20, "{d} vs {step}");
        assert!((step - tiny).abs() / tiny < 1e-4);
        // Near the pole, along a parallel: exact value from spherical trig:
        // cos d = sin²φ + cos²φ cosΔλ.
        let phi = 89.9_f64.to_radians();
        let exact = (2.0 * (phi.cos() * (0.5_f64.to_radians()).sin()).asin()).to_degrees();
        assert!((distance_deg(0.0, 89.9, 180.0, 89.9) - 0.2).abs() < 1e-11);
        assert!((distance_deg(0.0, 89.9, 1.0, 89.9) - exact).abs() < 1e-12);
    }

    #[test]
    fn lonlat_roundtrip() {
        for &(l, b) in &[(0.0, 0.0), (359.5, -89.99), (123.4, 56.7), (0.001, 89.999999)] {
            let (l2, b2) = lonlat(&unit_vector(l, b));
            assert!((l2 - l).abs() < 1e-9 && (b2 - b).abs() < 1e-12, "{l},{b} -> {l2},{b2}");
        }
        assert_eq!(normalize_lon(-1e-20), 0.0);
        assert_eq!(normalize_lon(-10.0), 350.0);
    }

    #[test]
    fn arc_distance_and_crossing() {
        let a = unit_vector(0.0, 0.0);
        let b = unit_vector(90.0, 0.0);
        // Point above the middle of the arc: distance = its latitude.
        let q = unit_vector(45.0, 10.0);
        assert!((distance_to_arc(&q, &a, &b).to_degrees() - 10.0).abs() < 1e-12);
        // Point beyond the end: distance to the endpoint.
        let q = unit_vector(100.0, 0.0);
        assert!((distance_to_arc(&q, &a, &b).to_degrees() - 10.0).abs() < 1e-12);
        let c = unit_vector(45.0, -10.0);
        let d = unit_vector(45.0, 10.0);
        assert!(arcs_cross(&a, &b, &c, &d));
        let d2 = unit_vector(45.0, -5.0);
        assert!(!arcs_cross(&a, &b, &c, &d2));
        // Antipodal crossing of the great circles must not count.
        let c3 = unit_vector(225.0, -10.0);
        let d3 = unit_vector(225.0, 10.0);
        assert!(!arcs_cross(&a, &b, &c3, &d3));
    }
}
