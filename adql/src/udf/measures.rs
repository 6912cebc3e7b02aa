//! ADQL DISTANCE, AREA, CENTROID, COORD1, COORD2, COORDSYS (ADQL 2.1 §4.2.7, §4.2.11–§4.2.16).

use super::args::{coerce_geometry_args, f64_field, finish, rows, GeomArg, GeomBuilder, GeomKind, NumArg};
use crate::geometry::{distance_deg, Shape};
use datafusion::arrow::array::{Float64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

macro_rules! simple_udf {
    ($ty:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, PartialEq, Eq, Hash)]
        pub struct $ty {
            signature: Signature,
        }
        impl Default for $ty {
            fn default() -> Self {
                Self { signature: Signature::user_defined(Volatility::Immutable) }
            }
        }
        impl $ty {
            /// The UDF implementation.
            pub fn new() -> Self {
                Self::default()
            }
        }
    };
}
pub(crate) use simple_udf;

simple_udf!(DistanceUdf, "`DISTANCE(p1, p2)` or `DISTANCE(lon1, lat1, lon2, lat2)`: degrees (Vincenty).");
simple_udf!(AreaUdf, "`AREA(shape)`: square degrees.");
simple_udf!(CentroidUdf, "`CENTROID(shape)`: point.");
simple_udf!(Coord1Udf, "`COORD1(point)`: longitude in degrees.");
simple_udf!(Coord2Udf, "`COORD2(point)`: latitude in degrees.");
simple_udf!(CoordSysUdf, "`COORDSYS(shape)`: the coordinate system name ('ICRS').");

fn one_geometry(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    let t = coerce_geometry_args(name, arg_types)?;
    match t.as_slice() {
        [g] if GeomKind::of(g).is_some() || g == &DataType::Utf8 => Ok(t),
        _ => plan_err!("{name} expects one geometry argument"),
    }
}

impl ScalarUDFImpl for DistanceUdf {
    fn name(&self) -> &str {
        "distance"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let t = coerce_geometry_args("DISTANCE", arg_types)?;
        let points = t.iter().all(|x| GeomKind::of(x) == Some(GeomKind::Point));
        let numbers = t.iter().all(|x| x == &DataType::Float64);
        match t.len() {
            2 if points => Ok(t),
            4 if numbers => Ok(t),
            _ => plan_err!("DISTANCE expects (point, point) or (lon1, lat1, lon2, lat2)"),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(f64_field(self.name(), Some("deg")))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let out: Float64Array = if args.args.len() == 4 {
            let a: Vec<NumArg> = args.args.iter().map(NumArg::new).collect::<Result<_>>()?;
            (0..n)
                .map(|i| match (a[0].get(i), a[1].get(i), a[2].get(i), a[3].get(i)) {
                    (Some(l1), Some(b1), Some(l2), Some(b2)) => Some(distance_deg(l1, b1, l2, b2)),
                    _ => None,
                })
                .collect()
        } else {
            let p = GeomArg::new(&args.args[0])?;
            let q = GeomArg::new(&args.args[1])?;
            let point = |g: &GeomArg, i: usize| -> Result<Option<(f64, f64)>> {
                if let Some(v) = g.raw_point(i) {
                    return Ok(Some(v));
                }
                match g.shape_at(i)? {
                    Some(Shape::Point(p)) => Ok(Some((p.lon, p.lat))),
                    None => Ok(None),
                    Some(_) => exec_err!("DISTANCE expects POINT arguments"),
                }
            };
            let mut v = Vec::with_capacity(n);
            for i in 0..n {
                v.push(match (point(&p, i)?, point(&q, i)?) {
                    (Some((l1, b1)), Some((l2, b2))) => Some(distance_deg(l1, b1, l2, b2)),
                    _ => None,
                });
            }
            Float64Array::from(v)
        };
        finish(Arc::new(out), all_scalar)
    }
}

/// Applies `f` to the shape of every row.
fn per_shape<T>(args: &ScalarFunctionArgs, mut f: impl FnMut(&Shape) -> Result<T>) -> Result<(Vec<Option<T>>, bool)> {
    let (n, all_scalar) = rows(&args.args, args.number_rows);
    let g = GeomArg::new(&args.args[0])?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match g.shape_at(i)? {
            Some(s) => Some(f(&s)?),
            None => None,
        });
    }
    Ok((out, all_scalar))
}

impl ScalarUDFImpl for AreaUdf {
    fn name(&self) -> &str {
        "area"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        one_geometry("AREA", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(f64_field(self.name(), Some("deg**2")))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (v, s) = per_shape(&args, |sh| Ok(sh.area_deg2()))?;
        finish(Arc::new(Float64Array::from(v)), s)
    }
}

impl ScalarUDFImpl for CentroidUdf {
    fn name(&self) -> &str {
        "centroid"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        one_geometry("CENTROID", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Point.data_type())
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(GeomKind::Point.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (v, s) = per_shape(&args, |sh| Ok(sh.centroid()))?;
        let mut b = GeomBuilder::new(GeomKind::Point, v.len());
        for p in v {
            match p {
                Some(p) => b.push(&[p.lon, p.lat]),
                None => b.push_null(),
            }
        }
        finish(b.finish()?, s)
    }
}

fn coord(args: &ScalarFunctionArgs, second: bool) -> Result<ColumnarValue> {
    let (v, s) = per_shape(args, |sh| match sh {
        Shape::Point(p) => Ok(if second { p.lat } else { p.lon }),
        _ => exec_err!("COORD1/COORD2 expect a POINT"),
    })?;
    finish(Arc::new(Float64Array::from(v)), s)
}

impl ScalarUDFImpl for Coord1Udf {
    fn name(&self) -> &str {
        "coord1"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        one_geometry("COORD1", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(f64_field(self.name(), Some("deg")))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        coord(&args, false)
    }
}

impl ScalarUDFImpl for Coord2Udf {
    fn name(&self) -> &str {
        "coord2"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        one_geometry("COORD2", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(f64_field(self.name(), Some("deg")))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        coord(&args, true)
    }
}

impl ScalarUDFImpl for CoordSysUdf {
    fn name(&self) -> &str {
        "coordsys"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        one_geometry("COORDSYS", arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // Every astrotap geometry is ICRS (ADQL 2.1 §4.2.2 deprecates other systems).
        let (v, s) = per_shape(&args, |_| Ok("ICRS"))?;
        finish(Arc::new(StringArray::from(v)), s)
    }
}
