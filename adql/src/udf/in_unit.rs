//! ADQL 2.1 `IN_UNIT(value, 'unit')` (optional feature `ivo://ivoa.net/std/TAPRegExt#features-unit`):
//! converts a column to another unit. The source unit is the argument's own `unit` field
//! metadata (the TAP_SCHEMA/VOTable unit), so conversion is checked at planning time: an unknown
//! unit or a dimension mismatch is a query error, never a silent number.

use super::args::{finish, rows, NumArg};
use datafusion::arrow::array::Float64Array;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::f64::consts::PI;
use std::sync::Arc;

/// Physical dimension of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Plane angle (base: rad).
    Angle,
    /// Length (base: m).
    Length,
    /// Time (base: s).
    Time,
    /// Angular velocity, e.g. proper motion (base: rad/s).
    AngularVelocity,
    /// Velocity (base: m/s).
    Velocity,
    /// Mass (base: kg).
    Mass,
}

const JULIAN_YEAR_S: f64 = 365.25 * 86400.0;
const MAS: f64 = PI / 648_000_000.0;
const AU_M: f64 = 149_597_870_700.0; // IAU 2012 B2, exact
const PC_M: f64 = AU_M * 648_000.0 / PI; // IAU 2015 B2: 1 pc = 648000/π au
const LY_M: f64 = 299_792_458.0 * JULIAN_YEAR_S;

/// VOUnits spellings we convert between: (unit, dimension, value in base units).
const UNITS: &[(&str, Dimension, f64)] = &[
    ("rad", Dimension::Angle, 1.0),
    ("deg", Dimension::Angle, PI / 180.0),
    ("arcmin", Dimension::Angle, PI / 10_800.0),
    ("arcsec", Dimension::Angle, PI / 648_000.0),
    ("mas", Dimension::Angle, MAS),
    ("uas", Dimension::Angle, MAS / 1000.0),
    ("m", Dimension::Length, 1.0),
    ("km", Dimension::Length, 1000.0),
    ("cm", Dimension::Length, 0.01),
    ("mm", Dimension::Length, 0.001),
    ("um", Dimension::Length, 1e-6),
    ("nm", Dimension::Length, 1e-9),
    ("Angstrom", Dimension::Length, 1e-10),
    ("AU", Dimension::Length, AU_M),
    ("au", Dimension::Length, AU_M),
    ("pc", Dimension::Length, PC_M),
    ("kpc", Dimension::Length, PC_M * 1e3),
    ("Mpc", Dimension::Length, PC_M * 1e6),
    ("lyr", Dimension::Length, LY_M),
    ("ly", Dimension::Length, LY_M),
    ("solRad", Dimension::Length, 6.957e8), // IAU 2015 B3 nominal
    ("s", Dimension::Time, 1.0),
    ("min", Dimension::Time, 60.0),
    ("h", Dimension::Time, 3600.0),
    ("d", Dimension::Time, 86400.0),
    ("yr", Dimension::Time, JULIAN_YEAR_S),
    ("a", Dimension::Time, JULIAN_YEAR_S),
    ("Myr", Dimension::Time, JULIAN_YEAR_S * 1e6),
    ("Gyr", Dimension::Time, JULIAN_YEAR_S * 1e9),
    ("mas/yr", Dimension::AngularVelocity, MAS / JULIAN_YEAR_S),
    ("mas.yr**-1", Dimension::AngularVelocity, MAS / JULIAN_YEAR_S),
    ("mas.yr-1", Dimension::AngularVelocity, MAS / JULIAN_YEAR_S),
    ("mas/a", Dimension::AngularVelocity, MAS / JULIAN_YEAR_S),
    ("arcsec/yr", Dimension::AngularVelocity, MAS * 1000.0 / JULIAN_YEAR_S),
    ("arcsec.yr**-1", Dimension::AngularVelocity, MAS * 1000.0 / JULIAN_YEAR_S),
    ("deg/yr", Dimension::AngularVelocity, PI / 180.0 / JULIAN_YEAR_S),
    ("rad/s", Dimension::AngularVelocity, 1.0),
    ("m/s", Dimension::Velocity, 1.0),
    ("m.s**-1", Dimension::Velocity, 1.0),
    ("km/s", Dimension::Velocity, 1000.0),
    ("km.s**-1", Dimension::Velocity, 1000.0),
    ("km.s-1", Dimension::Velocity, 1000.0),
    ("kg", Dimension::Mass, 1.0),
    ("g", Dimension::Mass, 0.001),
    ("solMass", Dimension::Mass, 1.988_409_870_698_051e30), // IAU 2015 B3 (GM_sun / G)
];

/// Looks a unit up (exact spelling, whitespace trimmed).
pub fn lookup(unit: &str) -> Option<(Dimension, f64)> {
    let u = unit.trim();
    UNITS.iter().find(|(n, _, _)| *n == u).map(|(_, d, f)| (*d, *f))
}

/// The factor converting values in `from` to `to`.
pub fn conversion_factor(from: &str, to: &str) -> Result<f64, String> {
    let (df, ff) = lookup(from).ok_or_else(|| format!("IN_UNIT: unknown source unit {from:?}"))?;
    let (dt, ft) = lookup(to).ok_or_else(|| format!("IN_UNIT: unknown target unit {to:?}"))?;
    if df != dt {
        return Err(format!("IN_UNIT: cannot convert {from:?} to {to:?} (different dimensions)"));
    }
    Ok(ff / ft)
}

/// `in_unit(value, 'unit')`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct InUnitUdf {
    signature: Signature,
}
impl Default for InUnitUdf {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}
impl InUnitUdf {
    /// The UDF implementation.
    pub fn new() -> Self {
        Self::default()
    }
}

fn source_unit(f: &Field) -> Option<&str> {
    f.metadata().get("unit").map(String::as_str).filter(|s| !s.trim().is_empty())
}

impl ScalarUDFImpl for InUnitUdf {
    fn name(&self) -> &str {
        "in_unit"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [a, b] if super::args::is_numeric(a) && super::args::is_string(b) => {
                Ok(vec![DataType::Float64, DataType::Utf8])
            }
            _ => plan_err!("IN_UNIT expects (numeric value, 'unit')"),
        }
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let target = match args.scalar_arguments.get(1) {
            Some(Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)))) => s.clone(),
            _ => return plan_err!("IN_UNIT: the target unit must be a string literal"),
        };
        let Some(from) = args.arg_fields.first().and_then(|f| source_unit(f)) else {
            return plan_err!("IN_UNIT: the value has no unit to convert from");
        };
        if let Err(e) = conversion_factor(from, &target) {
            return plan_err!("{e}");
        }
        let mut md = args.arg_fields[0].metadata().clone();
        md.insert("unit".to_string(), target);
        Ok(Arc::new(Field::new(self.name(), DataType::Float64, true).with_metadata(md)))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let Some(from) = args.arg_fields.first().and_then(|f| source_unit(f)) else {
            return exec_err!("IN_UNIT: the value has no unit to convert from");
        };
        let Some(to) = args.return_field.metadata().get("unit") else {
            return exec_err!("IN_UNIT: no target unit");
        };
        let k = match conversion_factor(from, to) {
            Ok(k) => k,
            Err(e) => return exec_err!("{e}"),
        };
        let x = NumArg::new(&args.args[0])?;
        let out: Float64Array = (0..n).map(|i| x.get(i).map(|v| v * k)).collect();
        finish(Arc::new(out), all_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert!((conversion_factor("deg", "arcsec").unwrap() - 3600.0).abs() < 1e-9);
        assert!((conversion_factor("mas", "deg").unwrap() - 1.0 / 3.6e6).abs() < 1e-20);
        // 1 pc = 206264.806... au
        assert!((conversion_factor("pc", "AU").unwrap() - 206_264.806_247_096_36).abs() < 1e-6);
        // 1 pc = 3.26156 ly
        assert!((conversion_factor("pc", "lyr").unwrap() - 3.261_563_777).abs() < 1e-8);
        assert!((conversion_factor("kpc", "pc").unwrap() - 1000.0).abs() < 1e-9);
        assert!((conversion_factor("km/s", "m/s").unwrap() - 1000.0).abs() < 1e-12);
        assert!(conversion_factor("deg", "km").is_err());
        assert!(conversion_factor("mag", "deg").is_err());
    }
}
