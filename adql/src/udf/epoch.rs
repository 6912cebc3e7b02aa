//! `ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, radial_velocity, ref_epoch, out_epoch)`
//! → POINT (IVOA UDF catalog; Gaia archive `epoch_prop_pos`).
//!
//! Rigorous linear space motion as in *The Hipparcos and Tycho Catalogs* (ESA SP-1200),
//! Vol. 1 §1.2.8 (eqs. 1.2.9–1.2.15), also used by the Gaia DR3 documentation §4.1.7: with the
//! normal triad p, q, r at the reference epoch, proper motion vector μ = p μα* + q μδ, radial
//! proper motion μr = vr ϖ / A, and τ = t − t0,
//! `u = [r (1 + μr τ) + μ τ] · (1 + 2 μr τ + (μ² + μr²) τ²)^(−1/2)`.
//! No light-time correction (unlike ERFA `starpm`). NULL parallax means infinite distance
//! (μr = 0); NULL proper motions / radial velocity mean 0; NULL position or epochs give NULL.

use super::args::{finish, rows, GeomBuilder, GeomKind, NumArg};
use crate::geometry::sphere::{lonlat, valid_lonlat};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// A_v: one astronomical unit per Julian year in km/s (IAU 2012 au, 365.25-day year).
pub const AU_PER_YEAR_KM_S: f64 = 149_597_870.7 / (365.25 * 86400.0);
const MAS_TO_RAD: f64 = std::f64::consts::PI / 648_000_000.0;

/// Propagates a position; angles in degrees, parallax in mas, proper motions in mas/yr
/// (pmra includes cos δ), radial velocity in km/s, epochs in Julian years.
#[allow(clippy::too_many_arguments)]
pub fn propagate_position(
    ra: f64,
    dec: f64,
    parallax: Option<f64>,
    pmra: Option<f64>,
    pmdec: Option<f64>,
    rv: Option<f64>,
    ref_epoch: f64,
    out_epoch: f64,
) -> (f64, f64) {
    let (sa, ca) = ra.to_radians().sin_cos();
    let (sd, cd) = dec.to_radians().sin_cos();
    let p = [-sa, ca, 0.0];
    let q = [-sd * ca, -sd * sa, cd];
    let r = [cd * ca, cd * sa, sd];
    let mua = pmra.unwrap_or(0.0) * MAS_TO_RAD;
    let mud = pmdec.unwrap_or(0.0) * MAS_TO_RAD;
    // μr = vr ϖ / A_v: mas/yr when ϖ is in mas; zero at infinite distance.
    let mur = match parallax {
        Some(plx) => rv.unwrap_or(0.0) * plx / AU_PER_YEAR_KM_S * MAS_TO_RAD,
        None => 0.0,
    };
    let tau = out_epoch - ref_epoch;
    let mu2 = mua * mua + mud * mud;
    let f = 1.0 / (1.0 + 2.0 * mur * tau + (mu2 + mur * mur) * tau * tau).sqrt();
    let u = [
        (r[0] * (1.0 + mur * tau) + (p[0] * mua + q[0] * mud) * tau) * f,
        (r[1] * (1.0 + mur * tau) + (p[1] * mua + q[1] * mud) * tau) * f,
        (r[2] * (1.0 + mur * tau) + (p[2] * mua + q[2] * mud) * tau) * f,
    ];
    lonlat(&u)
}

super::measures::simple_udf!(EpochPropPosUdf, "`ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, radial_velocity, ref_epoch, out_epoch)` → POINT.");

impl ScalarUDFImpl for EpochPropPosUdf {
    fn name(&self) -> &str {
        "ivo_epoch_prop_pos"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 8 || !t.iter().all(super::args::is_numeric) {
            return plan_err!("ivo_epoch_prop_pos expects 8 numeric arguments (ra, dec, parallax, pmra, pmdec, radial_velocity, ref_epoch, out_epoch)");
        }
        Ok(vec![DataType::Float64; 8])
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Point.data_type())
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(GeomKind::Point.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let a: Vec<NumArg> = args.args.iter().map(NumArg::new).collect::<Result<_>>()?;
        let mut b = GeomBuilder::new(GeomKind::Point, n);
        for i in 0..n {
            match (a[0].get(i), a[1].get(i), a[6].get(i), a[7].get(i)) {
                (Some(ra), Some(dec), Some(t0), Some(t1)) if valid_lonlat(ra, dec) => {
                    let (l, d) = propagate_position(ra, dec, a[2].get(i), a[3].get(i), a[4].get(i), a[5].get(i), t0, t1);
                    b.push(&[l, d]);
                }
                _ => b.push_null(),
            }
        }
        finish(b.finish()?, all_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::sphere::distance_deg;

    #[test]
    fn exact_cases() {
        // No motion: unchanged.
        let (l, b) = propagate_position(12.3, -45.6, Some(10.0), None, None, None, 2016.0, 2000.0);
        assert!((l - 12.3).abs() < 1e-12 && (b + 45.6).abs() < 1e-12);
        // Pure μδ at the equator, infinite distance: straight-line motion gives
        // tan δ = μ τ exactly.
        let mu = 1e6; // mas/yr, deliberately large
        let (l, b) = propagate_position(0.0, 0.0, None, Some(0.0), Some(mu), Some(50.0), 2000.0, 2010.0);
        let exact = (mu * MAS_TO_RAD * 10.0).atan().to_degrees();
        assert!(l.abs() < 1e-12 && (b - exact).abs() < 1e-12, "{l} {b} {exact}");
        // Radial motion alone does not move the star on the sky.
        let (l, b) = propagate_position(80.0, 20.0, Some(500.0), None, None, Some(-300.0), 2016.0, 1900.0);
        assert!(distance_deg(l, b, 80.0, 20.0) < 1e-12);
        // Small τ: displacement ≈ μ τ.
        let (l, b) = propagate_position(100.0, 30.0, Some(1.0), Some(3.0), Some(4.0), None, 2016.0, 2017.0);
        let d_mas = distance_deg(l, b, 100.0, 30.0) * 3.6e6;
        assert!((d_mas - 5.0).abs() < 1e-6, "{d_mas}");
    }
}
