//! HEALPix functions of the IVOA UDF catalog and the ESA Gaia archive:
//! `ivo_healpix_index(order, ra, dec)` / `(order, point)` → BIGINT (NESTED),
//! `ivo_healpix_center(order, index)` → POINT, `gaia_healpix_index(norder, source_id)` → BIGINT.

use super::args::{finish, rows, GeomArg, GeomBuilder, GeomKind, NumArg};
use crate::geometry::Shape;
use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, FieldRef, Int64Type};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

super::measures::simple_udf!(HealpixIndexUdf, "`ivo_healpix_index(order, ra, dec)` or `(order, point)` → NESTED index.");
super::measures::simple_udf!(HealpixCenterUdf, "`ivo_healpix_center(order, index)` → POINT at the cell centre.");
super::measures::simple_udf!(GaiaHealpixUdf, "`gaia_healpix_index(norder, source_id)` = source_id // (2^35 · 4^(12−norder)).");

/// An integer argument.
enum IntArg {
    Scalar(Option<i64>),
    Array(Int64Array),
}

impl IntArg {
    fn new(cv: &ColumnarValue) -> Result<Self> {
        match cv {
            ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Int64)? {
                datafusion::common::ScalarValue::Int64(v) => Ok(IntArg::Scalar(v)),
                other => exec_err!("expected an integer, got {other}"),
            },
            ColumnarValue::Array(a) => Ok(IntArg::Array(cast(a, &DataType::Int64)?.as_primitive::<Int64Type>().clone())),
        }
    }
    fn get(&self, i: usize) -> Option<i64> {
        match self {
            IntArg::Scalar(v) => *v,
            IntArg::Array(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

fn check_order(o: i64, max: i64, what: &str) -> Result<u8> {
    if (0..=max).contains(&o) {
        Ok(o as u8)
    } else {
        exec_err!("{what}: order {o} outside 0..={max}")
    }
}

fn int_types(t: &[DataType], name: &str) -> Result<()> {
    if t.iter().all(|x| x.is_integer() || x.is_null()) {
        Ok(())
    } else {
        plan_err!("{name}: integer arguments expected")
    }
}

impl ScalarUDFImpl for HealpixIndexUdf {
    fn name(&self) -> &str {
        "ivo_healpix_index"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [o, p] if (o.is_integer() || o.is_null()) && GeomKind::of(p) == Some(GeomKind::Point) => {
                Ok(vec![DataType::Int64, GeomKind::Point.data_type()])
            }
            [o, a, b] if (o.is_integer() || o.is_null()) && super::args::is_numeric(a) && super::args::is_numeric(b) => {
                Ok(vec![DataType::Int64, DataType::Float64, DataType::Float64])
            }
            _ => plan_err!("ivo_healpix_index expects (order INTEGER, ra DOUBLE, dec DOUBLE) or (order, POINT)"),
        }
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let order = IntArg::new(&args.args[0])?;
        let mut out = Vec::with_capacity(n);
        if args.args.len() == 3 {
            let ra = NumArg::new(&args.args[1])?;
            let dec = NumArg::new(&args.args[2])?;
            for i in 0..n {
                out.push(match (order.get(i), ra.get(i), dec.get(i)) {
                    (Some(o), Some(a), Some(d)) => {
                        ::healpix::hash(check_order(o, 29, "ivo_healpix_index")?, a, d).map(|h| h as i64)
                    }
                    _ => None,
                });
            }
        } else {
            let p = GeomArg::new(&args.args[1])?;
            for i in 0..n {
                let pt = match p.raw_point(i) {
                    Some(v) => Some(v),
                    None => match p.shape_at(i)? {
                        Some(Shape::Point(q)) => Some((q.lon, q.lat)),
                        _ => None,
                    },
                };
                out.push(match (order.get(i), pt) {
                    (Some(o), Some((a, d))) => {
                        ::healpix::hash(check_order(o, 29, "ivo_healpix_index")?, a, d).map(|h| h as i64)
                    }
                    _ => None,
                });
            }
        }
        finish(Arc::new(Int64Array::from(out)), all_scalar)
    }
}

impl ScalarUDFImpl for HealpixCenterUdf {
    fn name(&self) -> &str {
        "ivo_healpix_center"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 2 {
            return plan_err!("ivo_healpix_center expects (order INTEGER, index BIGINT)");
        }
        int_types(t, "ivo_healpix_center")?;
        Ok(vec![DataType::Int64; 2])
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Point.data_type())
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(GeomKind::Point.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let order = IntArg::new(&args.args[0])?;
        let index = IntArg::new(&args.args[1])?;
        let mut b = GeomBuilder::new(GeomKind::Point, n);
        for i in 0..n {
            match (order.get(i), index.get(i)) {
                (Some(o), Some(h)) if h >= 0 => {
                    let o = check_order(o, 29, "ivo_healpix_center")?;
                    match ::healpix::center(o, h as u64) {
                        Some((ra, dec)) => b.push(&[ra, dec]),
                        None => return exec_err!("ivo_healpix_center: index {h} out of range for order {o}"),
                    }
                }
                (Some(_), Some(h)) => return exec_err!("ivo_healpix_center: negative index {h}"),
                _ => b.push_null(),
            }
        }
        finish(b.finish()?, all_scalar)
    }
}

/// Gaia DR3 source_id encodes the order-12 NESTED HEALPix index in its top bits
/// (source_id = 2^35 · healpix12 + …): the index at `norder` ≤ 12 is an integer division.
pub fn gaia_healpix(norder: u8, source_id: i64) -> i64 {
    source_id / ((1i64 << 35) * 4i64.pow(12 - norder as u32))
}

impl ScalarUDFImpl for GaiaHealpixUdf {
    fn name(&self) -> &str {
        "gaia_healpix_index"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.len() != 2 {
            return plan_err!("gaia_healpix_index expects (norder INTEGER, source_id BIGINT)");
        }
        int_types(t, "gaia_healpix_index")?;
        Ok(vec![DataType::Int64; 2])
    }
    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let order = IntArg::new(&args.args[0])?;
        let sid = IntArg::new(&args.args[1])?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(match (order.get(i), sid.get(i)) {
                (Some(o), Some(s)) => Some(gaia_healpix(check_order(o, 12, "gaia_healpix_index")?, s)),
                _ => None,
            });
        }
        finish(Arc::new(Int64Array::from(out)), all_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaia_index() {
        // Gaia DR3 4295806720 (a real source id) lies in order-12 pixel 0, and
        // 5853498713190525696 (Proxima Cen) in order-12 pixel 170358272... check by definition.
        assert_eq!(gaia_healpix(12, 4295806720), 0);
        let sid = 5_853_498_713_190_525_696i64;
        assert_eq!(gaia_healpix(12, sid), sid >> 35);
        assert_eq!(gaia_healpix(0, sid), sid >> (35 + 24));
        // Consistency with the order-12 index: order k = order-12 index >> 2(12-k).
        for k in 0..=12u8 {
            assert_eq!(gaia_healpix(k, sid), (sid >> 35) >> (2 * (12 - k) as u32));
        }
    }
}
