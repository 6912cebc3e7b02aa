//! Sky positions with a Milky-Way-like density: concentrated towards the galactic plane and centre.

use super::rng::Rng;

/// Rotation from galactic (l, b) unit vectors to ICRS (transpose of the ICRS->galactic matrix of
/// the Hipparcos catalog, ESA SP-1200 Vol. 1 §1.5.3, eq. 1.5.11).
const GAL_TO_ICRS: [[f64; 3]; 3] = [
    [-0.054_875_560_4, 0.494_109_427_9, -0.867_666_149_0],
    [-0.873_437_090_2, -0.444_829_630_0, -0.198_076_373_4],
    [-0.483_835_015_5, 0.746_982_244_5, 0.455_983_776_2],
];

/// Converts galactic (l, b) in degrees to ICRS (ra, dec) in degrees.
pub fn galactic_to_icrs(l_deg: f64, b_deg: f64) -> (f64, f64) {
    let (l, b) = (l_deg.to_radians(), b_deg.to_radians());
    let g = [b.cos() * l.cos(), b.cos() * l.sin(), b.sin()];
    // ICRS = M^T g where M is ICRS->galactic; GAL_TO_ICRS is M^T.
    let mut v = [0.0; 3];
    for (vi, row) in v.iter_mut().zip(GAL_TO_ICRS.iter()) {
        *vi = row[0] * g[0] + row[1] * g[1] + row[2] * g[2];
    }
    let ra = v[1].atan2(v[0]).to_degrees().rem_euclid(360.0);
    let dec = v[2].clamp(-1.0, 1.0).asin().to_degrees();
    (ra, dec)
}

/// Draws one position: 35% uniform on the sphere, 65% in a disc with an exponential latitude
/// profile (scale 8 deg) and longitudes concentrated towards l = 0.
pub fn draw_position(rng: &mut Rng) -> (f64, f64) {
    if rng.chance(0.35) {
        let ra = rng.range(0.0, 360.0);
        let dec = (rng.range(-1.0, 1.0)).asin().to_degrees();
        return (ra, dec);
    }
    let b_abs = -8.0 * (1.0 - rng.uniform()).ln();
    let b = if rng.chance(0.5) { b_abs } else { -b_abs }.clamp(-90.0, 90.0);
    let l = if rng.chance(0.4) { 25.0 * rng.normal() } else { rng.range(0.0, 360.0) };
    galactic_to_icrs(l.rem_euclid(360.0), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galactic_reference_points() {
        // Galactic centre (l=0,b=0) is at ICRS (266.405, -28.936); north galactic pole (b=90) at
        // (192.859, 27.128) (Hipparcos definitions).
        let (ra, dec) = galactic_to_icrs(0.0, 0.0);
        assert!((ra - 266.4050).abs() < 2e-3 && (dec - -28.9362).abs() < 2e-3, "{ra} {dec}");
        let (ra, dec) = galactic_to_icrs(0.0, 90.0);
        assert!((ra - 192.8595).abs() < 2e-3 && (dec - 27.1283).abs() < 2e-3, "{ra} {dec}");
    }
}
