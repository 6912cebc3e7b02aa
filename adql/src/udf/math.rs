//! ADQL 2.1 §2.3.x mathematical functions that DataFusion lacks or defines differently:
//! `LOG` is the natural logarithm in ADQL (DataFusion's `log` is base 10), `TRUNCATE(x[, n])`,
//! `ROUND(x[, n])` (half away from zero, negative `n` allowed), `MOD(x, y)`, `RAND([seed])`.

use super::args::{finish, rows, NumArg};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use std::sync::Arc;

super::measures::simple_udf!(LogUdf, "`adql_log(x)`: natural logarithm (ADQL LOG).");
super::measures::simple_udf!(TruncateUdf, "`truncate(x[, n])`: x truncated towards zero to n decimals.");
super::measures::simple_udf!(RoundUdf, "`adql_round(x[, n])`: x rounded half away from zero to n decimals.");
super::measures::simple_udf!(ModUdf, "`mod(x, y)`: remainder of x / y with the sign of x.");

/// `rand([seed])`: uniform in [0, 1).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RandUdf {
    signature: Signature,
}
impl Default for RandUdf {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Volatile) }
    }
}
impl RandUdf {
    /// The UDF implementation.
    pub fn new() -> Self {
        Self::default()
    }
}

fn all_float(name: &str, t: &[DataType], arity: std::ops::RangeInclusive<usize>) -> Result<Vec<DataType>> {
    if !arity.contains(&t.len()) {
        return plan_err!("{name}: wrong number of arguments ({})", t.len());
    }
    if !t.iter().all(super::args::is_numeric) {
        return plan_err!("{name} expects numeric arguments");
    }
    Ok(vec![DataType::Float64; t.len()])
}

/// Applies `f(x, n)` row-wise over one or two numeric arguments.
fn unary_or_binary(args: &ScalarFunctionArgs, f: impl Fn(f64, f64) -> f64, default_n: f64) -> Result<ColumnarValue> {
    let (n, all_scalar) = rows(&args.args, args.number_rows);
    let x = NumArg::new(&args.args[0])?;
    let k = match args.args.get(1) {
        Some(a) => NumArg::new(a)?,
        None => NumArg::Scalar(Some(default_n)),
    };
    let out: Float64Array = (0..n).map(|i| Some(f(x.get(i)?, k.get(i)?))).collect();
    finish(Arc::new(out), all_scalar)
}

impl ScalarUDFImpl for LogUdf {
    fn name(&self) -> &str {
        "adql_log"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        all_float("LOG", t, 1..=1)
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        unary_or_binary(&args, |x, _| x.ln(), 0.0)
    }
}

/// 10^n for integral n (exact for |n| ≤ 22, the range of exact powers of ten in f64).
fn pow10(n: f64) -> f64 {
    10f64.powi(n.trunc().clamp(-400.0, 400.0) as i32)
}

/// x truncated to `n` decimals. Scaling by 10^n and back is exact enough for display-type use
/// (it is what PostgreSQL's numeric trunc gives for doubles up to rounding in the last ulp).
pub fn truncate_to(x: f64, n: f64) -> f64 {
    if n >= 0.0 {
        let p = pow10(n);
        (x * p).trunc() / p
    } else {
        let p = pow10(-n);
        (x / p).trunc() * p
    }
}

/// x rounded half away from zero to `n` decimals.
pub fn round_to(x: f64, n: f64) -> f64 {
    if n >= 0.0 {
        let p = pow10(n);
        (x * p).round() / p
    } else {
        let p = pow10(-n);
        (x / p).round() * p
    }
}

impl ScalarUDFImpl for TruncateUdf {
    fn name(&self) -> &str {
        "truncate"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        all_float("TRUNCATE", t, 1..=2)
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        unary_or_binary(&args, truncate_to, 0.0)
    }
}

impl ScalarUDFImpl for RoundUdf {
    fn name(&self) -> &str {
        "adql_round"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        all_float("ROUND", t, 1..=2)
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        unary_or_binary(&args, round_to, 0.0)
    }
}

impl ScalarUDFImpl for ModUdf {
    fn name(&self) -> &str {
        "mod"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 2 || !t.iter().all(super::args::is_numeric) {
            return plan_err!("MOD expects two numeric arguments");
        }
        // Integer MOD stays exact in Int64; anything else is computed in Float64.
        if t.iter().all(|x| x.is_integer() || x.is_null()) {
            Ok(vec![DataType::Int64; 2])
        } else {
            Ok(vec![DataType::Float64; 2])
        }
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        Ok(if t.iter().all(|x| x == &DataType::Int64) { DataType::Int64 } else { DataType::Float64 })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        if args.return_field.data_type() == &DataType::Int64 {
            let a: Vec<ArrayRef> = args.args.iter().map(|c| c.to_array(n)).collect::<Result<_>>()?;
            let a: Vec<ArrayRef> = a.iter().map(|x| cast(x, &DataType::Int64)).collect::<std::result::Result<_, _>>()?;
            let (x, y) = (a[0].as_primitive::<Int64Type>(), a[1].as_primitive::<Int64Type>());
            // MOD(x, 0) is NULL rather than an error (PostgreSQL raises, but NULL keeps a
            // whole-table query alive); checked_rem also covers i64::MIN % -1.
            let out: Int64Array = (0..n)
                .map(|i| {
                    if x.is_null(i) || y.is_null(i) {
                        None
                    } else {
                        x.value(i).checked_rem(y.value(i))
                    }
                })
                .collect();
            return finish(Arc::new(out), all_scalar);
        }
        unary_or_binary(&args, |x, y| x % y, f64::NAN)
    }
}

/// SplitMix64: a tiny, well-mixed generator; a seeded RAND gives the same sequence for the same
/// seed (row i of each batch gets element i), an unseeded one starts from the clock.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

impl ScalarUDFImpl for RandUdf {
    fn name(&self) -> &str {
        "rand"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() > 1 || !t.iter().all(super::args::is_numeric) {
            return plan_err!("RAND expects at most one numeric seed");
        }
        Ok(vec![DataType::Int64; t.len()])
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let seed = match args.args.first() {
            Some(ColumnarValue::Scalar(s)) => match s.cast_to(&DataType::Int64)? {
                ScalarValue::Int64(Some(v)) => Some(v as u64),
                _ => None,
            },
            Some(ColumnarValue::Array(a)) => {
                let a = cast(a, &DataType::Int64)?;
                let a = a.as_primitive::<Int64Type>();
                let out: Float64Array =
                    (0..n).map(|i| a.is_valid(i).then(|| unit_f64(splitmix64(a.value(i) as u64)))).collect();
                return Ok(ColumnarValue::Array(Arc::new(out)));
            }
            None => None,
        };
        let base = seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        });
        let base = splitmix64(base);
        let out: Float64Array = (0..n as u64).map(|i| Some(unit_f64(splitmix64(base.wrapping_add(i))))).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_and_round() {
        assert_eq!(truncate_to(2.789, 2.0), 2.78);
        assert_eq!(truncate_to(-2.789, 1.0), -2.7);
        assert_eq!(truncate_to(1234.5, -2.0), 1200.0);
        assert_eq!(truncate_to(-7.9, 0.0), -7.0);
        assert_eq!(round_to(2.5, 0.0), 3.0);
        assert_eq!(round_to(-2.5, 0.0), -3.0);
        assert_eq!(round_to(1.2346, 3.0), 1.235);
        assert_eq!(round_to(1250.0, -2.0), 1300.0);
    }

    #[test]
    fn rand_is_uniform_enough() {
        let xs: Vec<f64> = (0..100_000u64).map(|i| unit_f64(splitmix64(42 + i))).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        // Standard error of the mean of U(0,1) with n = 1e5 is 0.00091.
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
    }
}
