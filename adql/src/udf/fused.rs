//! Fused spatial predicates emitted by the rewriter in place of
//! `1 = CONTAINS(POINT(ra, dec), CIRCLE/POLYGON/BOX(...))` and `DISTANCE(...) <= r`: they take
//! the raw `ra`/`dec` Float64 columns, so no POINT array is ever materialised, and run the
//! vectorised kernels of [`crate::geometry::kernels`] when the shape is constant.
//! Boolean result; NULL when `ra` or `dec` is NULL.

use super::args::{bool_array, finish, rows, union_nulls, GeomArg, GeomKind, NumArg};
use crate::geometry::{
    distance_deg, BoxKernel, ConeKernel, Polygon, PolygonKernel, Shape, SkyBox,
};
use datafusion::arrow::array::{Array, BooleanArray, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use std::sync::Arc;

super::measures::simple_udf!(InConeUdf, "`adql_in_cone(ra, dec, ra0, dec0, r)` → Boolean.");
super::measures::simple_udf!(InPolygonUdf, "`adql_in_polygon(ra, dec, lon1, lat1, …, lonN, latN)` or `adql_in_polygon(ra, dec, polygon)` → Boolean.");
super::measures::simple_udf!(InBoxUdf, "`adql_in_box(ra, dec, ra0, dec0, width, height)` → Boolean.");

/// ra/dec as Float64 arrays (scalars expanded to `n` rows).
fn coords(args: &[ColumnarValue], n: usize) -> Result<(Float64Array, Float64Array)> {
    let get = |cv: &ColumnarValue| -> Result<Float64Array> {
        let a = cv.to_array(n)?;
        let a = if a.data_type() == &DataType::Float64 {
            a
        } else {
            datafusion::arrow::compute::cast(&a, &DataType::Float64)?
        };
        Ok(a.as_any().downcast_ref::<Float64Array>().cloned().unwrap_or_else(|| Float64Array::from(vec![None; n])))
    };
    Ok((get(&args[0])?, get(&args[1])?))
}

/// Runs a kernel's `eval_packed` (the code `benches/kernels.rs` measures) over the raw values,
/// with the ra/dec validity as result validity (a NULL row's bit is never looked at).
fn eval_kernel(ra: &Float64Array, dec: &Float64Array, packed: impl FnOnce(&[f64], &[f64]) -> Vec<u64>) -> BooleanArray {
    let n = ra.len();
    let bits = packed(ra.values(), dec.values());
    bool_array(bits, n, union_nulls(&[ra, dec]))
}

fn numeric_coercion(name: &str, arg_types: &[DataType], ok: impl Fn(usize) -> bool) -> Result<Vec<DataType>> {
    if !ok(arg_types.len()) {
        return plan_err!("{name}: wrong number of arguments ({})", arg_types.len());
    }
    arg_types
        .iter()
        .map(|t| {
            if super::args::is_numeric(t) {
                Ok(DataType::Float64)
            } else if GeomKind::of(t) == Some(GeomKind::Polygon) {
                Ok(GeomKind::Polygon.data_type())
            } else {
                plan_err!("{name}: unsupported argument type {t}")
            }
        })
        .collect()
}

/// Shared driver: a constant-shape kernel when all shape parameters are non-NULL scalars
/// (monomorphised per kernel so the per-row test inlines), else a per-row test.
fn run(
    args: ScalarFunctionArgs,
    constant: impl FnOnce(&[f64], &Float64Array, &Float64Array) -> Result<BooleanArray>,
    per_row: impl Fn(f64, f64, &[f64]) -> Option<bool>,
) -> Result<ColumnarValue> {
    let (n, all_scalar) = rows(&args.args, args.number_rows);
    let (ra, dec) = coords(&args.args, n)?;
    let params: Vec<NumArg> = args.args[2..].iter().map(NumArg::new).collect::<Result<_>>()?;
    if params.iter().all(NumArg::is_scalar) {
        let vals: Option<Vec<f64>> = params.iter().map(|p| p.get(0)).collect();
        let out = match vals {
            Some(v) => constant(&v, &ra, &dec)?,
            None => BooleanArray::from(vec![None; n]),
        };
        return finish(Arc::new(out), all_scalar);
    }
    let mut buf = Vec::with_capacity(params.len());
    let out: BooleanArray = (0..n)
        .map(|i| {
            if ra.is_null(i) || dec.is_null(i) {
                return None;
            }
            buf.clear();
            for p in &params {
                buf.push(p.get(i)?);
            }
            per_row(ra.value(i), dec.value(i), &buf)
        })
        .collect();
    finish(Arc::new(out), all_scalar)
}

fn geometry_err(e: crate::geometry::GeometryError) -> datafusion::common::DataFusionError {
    datafusion::common::DataFusionError::Execution(e.to_string())
}

impl ScalarUDFImpl for InConeUdf {
    fn name(&self) -> &str {
        "adql_in_cone"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        numeric_coercion(self.name(), arg_types, |n| n == 5)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        run(
            args,
            |v, ra, dec| {
                let k = ConeKernel::new(v[0], v[1], v[2]).map_err(geometry_err)?;
                Ok(eval_kernel(ra, dec, |r, d| k.eval_packed(r, d)))
            },
            // Per-row cones (crossmatch-like): the plain distance test.
            |a, b, p| Some(distance_deg(a, b, p[0], p[1]) <= p[2]),
        )
    }
}

impl ScalarUDFImpl for InBoxUdf {
    fn name(&self) -> &str {
        "adql_in_box"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        numeric_coercion(self.name(), arg_types, |n| n == 6)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        run(
            args,
            |v, ra, dec| {
                let k = BoxKernel::new(&SkyBox::new(v[0], v[1], v[2], v[3]).map_err(geometry_err)?);
                Ok(eval_kernel(ra, dec, |r, d| k.eval_packed(r, d)))
            },
            |a, b, p| {
                let bx = SkyBox::new(p[0], p[1], p[2], p[3]).ok()?;
                Some(BoxKernel::new(&bx).contains(a, b))
            },
        )
    }
}

impl ScalarUDFImpl for InPolygonUdf {
    fn name(&self) -> &str {
        "adql_in_polygon"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        numeric_coercion(self.name(), arg_types, |n| n == 3 || (n >= 8 && n % 2 == 0))
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.args.len() == 3 {
            // (ra, dec, polygon value)
            let (n, all_scalar) = rows(&args.args, args.number_rows);
            let (ra, dec) = coords(&args.args, n)?;
            let g = GeomArg::new(&args.args[2])?;
            let out = match &g {
                GeomArg::Scalar(Some(Shape::Polygon(p))) => {
                    let k = PolygonKernel::new(p);
                    eval_kernel(&ra, &dec, |r, d| k.eval_packed(r, d))
                }
                GeomArg::Scalar(_) => BooleanArray::from(vec![None; n]),
                _ => {
                    let mut v = Vec::with_capacity(n);
                    for i in 0..n {
                        v.push(match g.shape_at(i)? {
                            Some(Shape::Polygon(p)) if ra.is_valid(i) && dec.is_valid(i) => {
                                Some(p.contains_lonlat(ra.value(i), dec.value(i)))
                            }
                            _ => None,
                        });
                    }
                    BooleanArray::from(v)
                }
            };
            return finish(Arc::new(out), all_scalar);
        }
        run(
            args,
            |v, ra, dec| {
                let k = PolygonKernel::from_flat(v).map_err(geometry_err)?;
                Ok(eval_kernel(ra, dec, |r, d| k.eval_packed(r, d)))
            },
            |a, b, p| {
                let poly = Polygon::from_flat(p).ok()?;
                Some(poly.contains_lonlat(a, b))
            },
        )
    }
}
