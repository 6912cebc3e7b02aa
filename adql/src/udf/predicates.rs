//! ADQL CONTAINS and INTERSECTS (ADQL 2.1 §4.2.6, §4.2.10): INTEGER 1/0, NULL if an argument is.
//!
//! `CONTAINS(point column, constant circle/polygon)` — the shape of every cone search — runs the
//! fused kernels; other combinations build shapes per row.

use super::args::{coerce_geometry_args, finish, int_flags, rows, GeomArg};
use crate::geometry::kernels::pack_bits;
use crate::geometry::{contains, intersects, ConeKernel, PolygonKernel, Shape};
use datafusion::arrow::array::{Array, Int32Array};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// `CONTAINS(a, b)`: 1 if `a` lies entirely within `b`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ContainsUdf {
    signature: Signature,
}

/// `INTERSECTS(a, b)`: 1 if the regions overlap.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IntersectsUdf {
    signature: Signature,
}

impl Default for ContainsUdf {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}
impl Default for IntersectsUdf {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}
impl ContainsUdf {
    /// The UDF implementation.
    pub fn new() -> Self {
        Self::default()
    }
}
impl IntersectsUdf {
    /// The UDF implementation.
    pub fn new() -> Self {
        Self::default()
    }
}

fn coerce_two_geometries(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    if arg_types.len() != 2 {
        return plan_err!("{name} expects two geometry arguments");
    }
    let t = coerce_geometry_args(name, arg_types)?;
    if t.iter().any(|t| t == &DataType::Float64) {
        return plan_err!("{name} expects geometry arguments (POINT, CIRCLE, BOX, POLYGON, REGION)");
    }
    Ok(t)
}

/// Point column against a constant circle/polygon: the fused kernels.
fn point_column_fast_path(a: &GeomArg, b: &Shape, n: usize) -> Option<Int32Array> {
    let GeomArg::Fixed { list, values, size: 2 } = a else { return None };
    if n == 0 || list.len() < n {
        return None;
    }
    let base = list.value_offset(0) as usize;
    let v = &values.values()[base..];
    let bits = match b {
        Shape::Circle(c) => {
            let k = ConeKernel::new(c.center.lon, c.center.lat, c.radius).ok()?;
            pack_bits(n, |i| k.contains(v[2 * i], v[2 * i + 1]))
        }
        Shape::Polygon(p) => {
            let k = PolygonKernel::new(p);
            pack_bits(n, |i| k.contains(v[2 * i], v[2 * i + 1]))
        }
        Shape::Point(_) => return None,
    };
    // A row is NULL if the point or either coordinate is NULL.
    let mut nulls = list.logical_nulls();
    if values.null_count() > 0 {
        let coords: Vec<bool> = (0..n).map(|i| values.is_valid(base + 2 * i) && values.is_valid(base + 2 * i + 1)).collect();
        nulls = NullBuffer::union(nulls.as_ref(), Some(&NullBuffer::from(coords)));
    }
    Some(int_flags(&bits, n, nulls))
}

fn relate(args: ScalarFunctionArgs, rel: fn(&Shape, &Shape) -> bool, is_contains: bool) -> Result<ColumnarValue> {
    let (n, all_scalar) = rows(&args.args, args.number_rows);
    let a = GeomArg::new(&args.args[0])?;
    let b = GeomArg::new(&args.args[1])?;
    if let GeomArg::Scalar(Some(shape_b)) = &b {
        if a.is_point_column() {
            // For a point, CONTAINS and INTERSECTS agree.
            if let Some(res) = point_column_fast_path(&a, shape_b, n) {
                return finish(Arc::new(res), all_scalar);
            }
        }
    }
    if let (GeomArg::Scalar(Some(shape_a)), false) = (&a, is_contains) {
        // INTERSECTS is symmetric: constant shape first, point column second.
        if b.is_point_column() {
            if let Some(res) = point_column_fast_path(&b, shape_a, n) {
                return finish(Arc::new(res), all_scalar);
            }
        }
    }
    let mut out: Vec<Option<i32>> = Vec::with_capacity(n);
    for i in 0..n {
        let r = match (a.shape_at(i)?, b.shape_at(i)?) {
            (Some(x), Some(y)) => Some(rel(&x, &y) as i32),
            _ => None,
        };
        out.push(r);
    }
    finish(Arc::new(Int32Array::from(out)), all_scalar)
}

impl ScalarUDFImpl for ContainsUdf {
    fn name(&self) -> &str {
        "contains"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_two_geometries("CONTAINS", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        relate(args, contains, true)
    }
}

impl ScalarUDFImpl for IntersectsUdf {
    fn name(&self) -> &str {
        "intersects"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_two_geometries("INTERSECTS", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        relate(args, intersects, false)
    }
}
