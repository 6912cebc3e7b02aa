//! Fused, vectorised point-in-shape kernels over whole `ra`/`dec` arrays (degrees).
//!
//! These are the hot paths of cone searches and polygon selections: everything that depends only
//! on the shape is computed once in `new`, and per row we first apply cheap trig-free filters
//! (declination band, then RA half-width of the bounding cap) so that on an all-sky column
//! almost no row pays for a sine. Results are packed straight into LSB-first `u64` bitmaps, the
//! layout of an Arrow boolean buffer.

use super::polygon::{crossing_contains, Polygon};
use super::shapes::{local_frame, SkyBox};
use super::sphere::{angle_between, valid_lonlat, Vec3};
use super::GeometryError;

const DEG2RAD: f64 = std::f64::consts::PI / 180.0;
const HALF_DEG2RAD: f64 = DEG2RAD / 2.0;
/// Slack on the trig-free filters so they never reject a row the exact test would accept.
const FILTER_SLACK_DEG: f64 = 1e-9;

const SIN_C: [f64; 10] = [1.0, -0.16666666666666666, 0.008333333333333333, -0.0001984126984126984, 2.7557319223985893e-06, -2.505210838544172e-08, 1.6059043836821613e-10, -7.647163731819816e-13, 2.8114572543455206e-15, -8.22063524662433e-18];
const COS_C: [f64; 11] = [1.0, -0.5, 0.041666666666666664, -0.001388888888888889, 2.48015873015873e-05, -2.755731922398589e-07, 2.08767569878681e-09, -1.1470745597729725e-11, 4.779477332387385e-14, -1.5619206968586225e-16, 4.110317623312165e-19];

/// sin x for |x| ≤ π/2 by its Taylor series to x¹⁹ (truncation error < 3e-16): the cone
/// test only ever needs half-angles in that range, so no range reduction and no libm call,
/// which is what keeps the dense (every-row-passes-the-filter) case fast.
#[inline(always)]
pub fn sin_small(x: f64) -> f64 {
    let x2 = x * x;
    let mut p = SIN_C[9];
    for k in (0..9).rev() {
        p = p * x2 + SIN_C[k];
    }
    p * x
}

/// cos x for |x| ≤ π/2 by its Taylor series to x²⁰ (truncation error < 2e-17).
#[inline(always)]
pub fn cos_small(x: f64) -> f64 {
    let x2 = x * x;
    let mut p = COS_C[10];
    for k in (0..10).rev() {
        p = p * x2 + COS_C[k];
    }
    p
}

/// Packs `f(0..n)` into LSB-first 64-bit words.
#[inline]
pub fn pack_bits(n: usize, mut f: impl FnMut(usize) -> bool) -> Vec<u64> {
    let words = n.div_ceil(64);
    let mut out = Vec::with_capacity(words);
    for w in 0..words {
        let base = w * 64;
        let end = (base + 64).min(n);
        let mut bits = 0u64;
        for i in base..end {
            bits |= (f(i) as u64) << (i - base);
        }
        out.push(bits);
    }
    out
}

/// |ra − ra0| folded into [0, 180] degrees.
#[inline(always)]
fn ra_gap(ra: f64, ra0: f64) -> f64 {
    let d = (ra - ra0).abs();
    if d <= 180.0 {
        d
    } else if d <= 360.0 {
        360.0 - d
    } else {
        let m = d % 360.0;
        if m > 180.0 {
            360.0 - m
        } else {
            m
        }
    }
}

/// Trig-free bounding filter of a cap: declination band and, when the cap does not reach a
/// pole, the RA half-width `asin(sin r / cos δ0)` of the cap.
#[derive(Debug, Clone, Copy)]
struct CapFilter {
    ra0: f64,
    dec_lo: f64,
    dec_hi: f64,
    ra_half: f64,
}

impl CapFilter {
    fn new(ra0: f64, dec0: f64, r_deg: f64) -> Self {
        let ra_half = if dec0.abs() + r_deg < 90.0 - 1e-6 {
            let s = r_deg.to_radians().sin() / dec0.to_radians().cos();
            s.min(1.0).asin().to_degrees() * (1.0 + 1e-12) + FILTER_SLACK_DEG
        } else {
            180.0
        };
        CapFilter {
            ra0,
            dec_lo: dec0 - r_deg - FILTER_SLACK_DEG,
            dec_hi: dec0 + r_deg + FILTER_SLACK_DEG,
            ra_half,
        }
    }

    #[inline(always)]
    fn pass(&self, ra: f64, dec: f64) -> bool {
        // Written so that NaN fails both comparisons.
        dec >= self.dec_lo && dec <= self.dec_hi && ra_gap(ra, self.ra0) <= self.ra_half
    }
}

/// Point-in-cone (ADQL `CONTAINS(POINT(ra, dec), CIRCLE(ra0, dec0, r)) = 1` and
/// `DISTANCE(...) <= r`).
#[derive(Debug, Clone, Copy)]
pub struct ConeKernel {
    filter: CapFilter,
    dec0: f64,
    cos_dec0: f64,
    /// sin²(r/2): the haversine of the radius (∞ for r ≥ 180, where every point is inside).
    hav_r: f64,
}

impl ConeKernel {
    /// A cone of radius `r_deg` around (ra0, dec0), degrees.
    pub fn new(ra0: f64, dec0: f64, r_deg: f64) -> Result<Self, GeometryError> {
        if !valid_lonlat(ra0, dec0) {
            return Err(GeometryError::InvalidCoordinates { lon: ra0, lat: dec0 });
        }
        if !(r_deg.is_finite() && r_deg >= 0.0) {
            return Err(GeometryError::InvalidRadius(r_deg));
        }
        let r = r_deg.min(180.0);
        let h = (r * HALF_DEG2RAD).sin();
        Ok(ConeKernel {
            filter: CapFilter::new(ra0, dec0, r),
            dec0,
            cos_dec0: dec0.to_radians().cos(),
            hav_r: if r >= 180.0 { f64::INFINITY } else { h * h },
        })
    }

    /// Whether (ra, dec) in degrees is within the cone (NaN → false).
    ///
    /// Haversine is fine *as a comparison* (no asin): h = sin²(Δδ/2) + cosδ cosδ0 sin²(Δα/2)
    /// is monotonic in the distance, and near 180° every point is inside anyway.
    #[inline(always)]
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        if !self.filter.pass(ra, dec) {
            return false;
        }
        // All three angles are within ±π/2 here: |Δδ| ≤ r + slack ≤ 180°, Δα ∈ [0, 180°],
        // |δ| ≤ 90° (rows with |δ| > 90° are invalid and only ever rejected by the band).
        let sd = sin_small((dec - self.dec0) * HALF_DEG2RAD);
        let sa = sin_small(ra_gap(ra, self.filter.ra0) * HALF_DEG2RAD);
        sd * sd + cos_small(dec * DEG2RAD) * self.cos_dec0 * sa * sa <= self.hav_r
    }

    /// Evaluates over whole arrays into an LSB-first bitmap (`ra.len()` must equal `dec.len()`;
    /// extra elements of the longer one are ignored).
    pub fn eval_packed(&self, ra: &[f64], dec: &[f64]) -> Vec<u64> {
        let n = ra.len().min(dec.len());
        let (ra, dec) = (&ra[..n], &dec[..n]);
        pack_bits(n, |i| self.contains(ra[i], dec[i]))
    }
}

/// Point-in-polygon over arrays, with the polygon's bounding cap as trig-free pre-filter and
/// precomputed edge normals (convex polygons) or the meridian-crossing test (others).
#[derive(Debug, Clone)]
pub struct PolygonKernel {
    filter: Option<CapFilter>,
    convex: bool,
    nx: Vec<f64>,
    ny: Vec<f64>,
    nz: Vec<f64>,
    units: Vec<Vec3>,
    reference: (f64, bool),
    poles: [bool; 2],
}

impl PolygonKernel {
    /// Kernel for a validated polygon.
    pub fn new(poly: &Polygon) -> Self {
        let (c, r) = poly.bounding_cap();
        let filter = if r < std::f64::consts::PI {
            let (lon, lat) = super::sphere::lonlat(&c);
            Some(CapFilter::new(lon, lat, r.to_degrees()))
        } else {
            None
        };
        let normals = poly.edge_normals();
        let (north, south) = poly.poles_inside();
        PolygonKernel {
            filter,
            convex: poly.is_convex(),
            nx: normals.iter().map(|n| n[0]).collect(),
            ny: normals.iter().map(|n| n[1]).collect(),
            nz: normals.iter().map(|n| n[2]).collect(),
            units: poly.unit_vectors().to_vec(),
            reference: poly.reference_pole(),
            poles: [north, south],
        }
    }

    /// Kernel from a flat `[lon1, lat1, …]` vertex list in degrees.
    pub fn from_flat(coords: &[f64]) -> Result<Self, GeometryError> {
        Ok(Self::new(&Polygon::from_flat(coords)?))
    }

    /// Whether the unit vector `p` is inside.
    #[inline(always)]
    pub fn contains_unit(&self, p: &Vec3) -> bool {
        if self.convex {
            let mut ok = true;
            for k in 0..self.nx.len() {
                ok &= self.nx[k] * p[0] + self.ny[k] * p[1] + self.nz[k] * p[2] >= 0.0;
            }
            ok
        } else {
            crossing_contains(&self.units, self.reference, self.poles, p)
        }
    }

    /// Whether (ra, dec) in degrees is inside (NaN → false).
    #[inline(always)]
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        match &self.filter {
            Some(f) if !f.pass(ra, dec) => return false,
            None if !(-90.0..=90.0).contains(&dec) || !ra.is_finite() => return false,
            _ => {}
        }
        let (sa, ca) = (ra * DEG2RAD).sin_cos();
        let (sd, cd) = (dec * DEG2RAD).sin_cos();
        self.contains_unit(&[cd * ca, cd * sa, sd])
    }

    /// Evaluates over whole arrays into an LSB-first bitmap.
    pub fn eval_packed(&self, ra: &[f64], dec: &[f64]) -> Vec<u64> {
        let n = ra.len().min(dec.len());
        let (ra, dec) = (&ra[..n], &dec[..n]);
        pack_bits(n, |i| self.contains(ra[i], dec[i]))
    }
}

/// Point-in-BOX over arrays: the gnomonic test |ξ| ≤ ζ tan(w/2), |η| ≤ ζ tan(h/2)
/// (ADQL 2.1 §4.2.5 semantics, see [`SkyBox`]).
#[derive(Debug, Clone, Copy)]
pub struct BoxKernel {
    filter: CapFilter,
    c: Vec3,
    e: Vec3,
    n: Vec3,
    tan_a: f64,
    tan_b: f64,
}

impl BoxKernel {
    /// Kernel for a validated box.
    pub fn new(b: &SkyBox) -> Self {
        let (c, e, n) = local_frame(b.center.lon, b.center.lat);
        let corner = b.corners()[0];
        let diag = angle_between(&c, &super::sphere::unit_vector(corner.0, corner.1)).to_degrees();
        BoxKernel {
            filter: CapFilter::new(b.center.lon, b.center.lat, diag * (1.0 + 1e-12)),
            c,
            e,
            n,
            tan_a: (b.width.to_radians() / 2.0).tan(),
            tan_b: (b.height.to_radians() / 2.0).tan(),
        }
    }

    /// Whether (ra, dec) in degrees is inside (NaN → false).
    #[inline(always)]
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        if !self.filter.pass(ra, dec) {
            return false;
        }
        let (sa, ca) = (ra * DEG2RAD).sin_cos();
        let (sd, cd) = (dec * DEG2RAD).sin_cos();
        let p = [cd * ca, cd * sa, sd];
        let z = self.c[0] * p[0] + self.c[1] * p[1] + self.c[2] * p[2];
        let x = self.e[0] * p[0] + self.e[1] * p[1];
        let y = self.n[0] * p[0] + self.n[1] * p[1] + self.n[2] * p[2];
        z > 0.0 && x.abs() <= z * self.tan_a && y.abs() <= z * self.tan_b
    }

    /// Evaluates over whole arrays into an LSB-first bitmap.
    pub fn eval_packed(&self, ra: &[f64], dec: &[f64]) -> Vec<u64> {
        let n = ra.len().min(dec.len());
        let (ra, dec) = (&ra[..n], &dec[..n]);
        pack_bits(n, |i| self.contains(ra[i], dec[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::sphere::{distance_deg, unit_vector};

    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn bit(bits: &[u64], i: usize) -> bool {
        bits[i / 64] >> (i % 64) & 1 == 1
    }

    #[test]
    fn small_angle_trig_matches_libm() {
        let mut worst = 0.0f64;
        for i in 0..=100_000 {
            let x = -std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * i as f64 / 100_000.0;
            worst = worst.max((sin_small(x) - x.sin()).abs()).max((cos_small(x) - x.cos()).abs());
        }
        assert!(worst < 1e-15, "{worst}");
        // Relative precision for tiny angles (1e-6 arcsec).
        let x = 1e-6 / 3600.0 * DEG2RAD;
        assert!(((sin_small(x) - x.sin()) / x.sin()).abs() < 1e-15);
    }

    #[test]
    fn cone_matches_vincenty() {
        let mut rnd = lcg(7);
        for &(ra0, dec0, r) in &[
            (0.0, 0.0, 1.0),
            (359.9, 10.0, 0.5),
            (180.0, 89.5, 1.0),
            (10.0, -88.0, 5.0),
            (45.0, 30.0, 100.0),
            (45.0, 30.0, 180.0),
            (200.0, -45.0, 1e-4),
        ] {
            let k = ConeKernel::new(ra0, dec0, r).unwrap();
            let n = 20000;
            let mut ra = Vec::with_capacity(n);
            let mut dec = Vec::with_capacity(n);
            for i in 0..n {
                if i % 2 == 0 {
                    // Points concentrated around the boundary.
                    let (l, b) = crate::geometry::sphere::offset(ra0, dec0, r * (0.5 + rnd()), 360.0 * rnd());
                    ra.push(if i % 4 == 0 { l - 360.0 } else { l });
                    dec.push(b);
                } else {
                    ra.push(360.0 * rnd());
                    dec.push((2.0 * rnd() - 1.0).asin().to_degrees());
                }
            }
            let bits = k.eval_packed(&ra, &dec);
            for i in 0..n {
                let d = distance_deg(ra0, dec0, ra[i], dec[i]);
                if (d - r).abs() > 1e-9 {
                    assert_eq!(bit(&bits, i), d < r, "cone {ra0},{dec0},{r} point {},{} d={d}", ra[i], dec[i]);
                }
            }
        }
        assert!(!ConeKernel::new(0.0, 0.0, 1.0).unwrap().contains(f64::NAN, 0.0));
        assert!(ConeKernel::new(0.0, 95.0, 1.0).is_err());
    }

    #[test]
    fn polygon_kernel_matches_polygon() {
        let mut rnd = lcg(11);
        let shapes: Vec<Vec<(f64, f64)>> = vec![
            vec![(359.0, -1.0), (1.0, -1.0), (1.0, 1.0), (359.0, 1.0)],
            vec![(350.0, 80.0), (80.0, 80.0), (170.0, 80.0), (260.0, 80.0)],
            vec![(10.0, 10.0), (20.0, 10.0), (20.0, 20.0), (17.0, 20.0), (17.0, 13.0), (13.0, 13.0), (13.0, 20.0), (10.0, 20.0)],
            (0..10).map(|k| crate::geometry::sphere::offset(100.0, -30.0, 5.0, 36.0 * k as f64)).collect(),
        ];
        for v in shapes {
            let poly = Polygon::new(&v).unwrap();
            let k = PolygonKernel::new(&poly);
            let (c, r) = poly.bounding_cap();
            let (cl, cb) = crate::geometry::sphere::lonlat(&c);
            let n = 20000;
            let mut ra = Vec::new();
            let mut dec = Vec::new();
            for i in 0..n {
                if i % 2 == 0 {
                    let (l, b) = crate::geometry::sphere::offset(cl, cb, r.to_degrees().min(90.0) * 1.2 * rnd(), 360.0 * rnd());
                    ra.push(l);
                    dec.push(b);
                } else {
                    ra.push(360.0 * rnd());
                    dec.push((2.0 * rnd() - 1.0).asin().to_degrees());
                }
            }
            let bits = k.eval_packed(&ra, &dec);
            let mut inside = 0;
            for i in 0..n {
                let u = unit_vector(ra[i], dec[i]);
                if poly.distance_to_boundary(&u) > 1e-10 {
                    // Independent reference: the general crossing test (not the half-space path).
                    let (pole, pin) = poly.reference_pole();
                    let (pn, ps) = poly.poles_inside();
                    let expect = crossing_contains(poly.unit_vectors(), (pole, pin), [pn, ps], &u);
                    assert_eq!(bit(&bits, i), expect, "{:?} point {},{}", v, ra[i], dec[i]);
                    inside += expect as usize;
                }
            }
            assert!(inside > 500, "{inside}");
        }
    }

    #[test]
    fn box_kernel_matches_polygon_box() {
        let mut rnd = lcg(3);
        for &(ra0, dec0, w, h) in &[(0.0, 0.0, 2.0, 1.0), (359.5, 60.0, 10.0, 30.0), (123.0, -89.0, 3.0, 3.0)] {
            let b = SkyBox::new(ra0, dec0, w, h).unwrap();
            let k = BoxKernel::new(&b);
            let poly = b.to_polygon().unwrap();
            for _ in 0..20000 {
                let (l, d) = crate::geometry::sphere::offset(ra0, dec0, (w.max(h)) * rnd(), 360.0 * rnd());
                let u = unit_vector(l, d);
                if poly.distance_to_boundary(&u) > 1e-10 {
                    assert_eq!(k.contains(l, d), poly.contains_unit(&u), "{l} {d}");
                }
            }
        }
    }
}
