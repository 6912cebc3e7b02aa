//! Helpers the unit tests of several modules share.

/// Points on a ring of radius `r` degrees around (`ra`, `dec`), one per degree of bearing.
pub(crate) fn ring(ra: f64, dec: f64, r: f64) -> Vec<(f64, f64)> {
    let (a, d, rr) = (ra.to_radians(), dec.to_radians(), r.to_radians());
    (0..360)
        .map(|k| {
            let t = (k as f64).to_radians();
            let lat = (d.sin() * rr.cos() + d.cos() * rr.sin() * t.cos()).asin();
            let lon = a + (t.sin() * rr.sin() * d.cos()).atan2(rr.cos() - d.sin() * lat.sin());
            (lon.to_degrees().rem_euclid(360.0), lat.to_degrees())
        })
        .collect()
}
