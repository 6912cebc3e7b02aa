//! ADQL geometry constructors: POINT, CIRCLE, BOX, POLYGON (ADQL 2.1 §4.2.4–§4.2.9) and REGION
//! (§4.2.14, STC-S text). A leading coordinate-system string is accepted and ignored (§4.2.2).

use super::args::{
    coerce_geometry_args, coordsys_offset, finish, rows, GeomArg, GeomBuilder, GeomKind, NumArg,
    StrArg,
};
use crate::geometry::{parse_stcs, Circle, Point, Polygon, Shape, SkyBox};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// An argument that is either a number or a POINT, resolved per row.
enum Part {
    Num(NumArg),
    Geom(GeomArg),
}

fn parts(args: &[ColumnarValue], types: &[DataType]) -> Result<Vec<Part>> {
    args.iter()
        .zip(types)
        .map(|(a, t)| {
            if GeomKind::of(t).is_some() {
                Ok(Part::Geom(GeomArg::new(a)?))
            } else {
                Ok(Part::Num(NumArg::new(a)?))
            }
        })
        .collect()
}

/// Flattens row `i` of the arguments into numbers (a POINT contributes lon, lat); None if any
/// is NULL.
fn flat_row(parts: &[Part], i: usize, out: &mut Vec<f64>) -> Result<bool> {
    out.clear();
    for p in parts {
        match p {
            Part::Num(n) => match n.get(i) {
                Some(v) => out.push(v),
                None => return Ok(false),
            },
            Part::Geom(g) => match g.shape_at(i)? {
                Some(Shape::Point(pt)) => {
                    out.push(pt.lon);
                    out.push(pt.lat);
                }
                Some(_) => return exec_err!("expected a POINT argument"),
                None => return Ok(false),
            },
        }
    }
    Ok(true)
}

/// Runs a constructor row by row: invalid values in a column give NULL (one bad row must not kill
/// a query), but invalid literals are reported as errors.
fn construct(
    args: ScalarFunctionArgs,
    kind: GeomKind,
    build: impl Fn(&[f64]) -> Result<Shape, crate::geometry::GeometryError>,
) -> Result<ColumnarValue> {
    let types: Vec<DataType> = args.arg_fields.iter().map(|f| f.data_type().clone()).collect();
    let skip = coordsys_offset(&types);
    let (n, all_scalar) = rows(&args.args[skip..], args.number_rows);
    let parts = parts(&args.args[skip..], &types[skip..])?;
    let mut b = GeomBuilder::new(kind, n);
    let mut buf = Vec::new();
    for i in 0..n {
        if !flat_row(&parts, i, &mut buf)? {
            b.push_null();
            continue;
        }
        match build(&buf) {
            Ok(s) => b.push_shape(&s),
            Err(e) if all_scalar => return exec_err!("{e}"),
            Err(_) => b.push_null(),
        }
    }
    finish(b.finish()?, all_scalar)
}

macro_rules! geometry_udf {
    ($ty:ident, $name:literal, $kind:expr, $doc:literal) => {
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

geometry_udf!(PointUdf, "point", GeomKind::Point, "`POINT([coordsys,] lon, lat)` → point.");
geometry_udf!(CircleUdf, "circle", GeomKind::Circle, "`CIRCLE([coordsys,] lon, lat, r)` or `CIRCLE([coordsys,] point, r)` → circle.");
geometry_udf!(BoxUdf, "box", GeomKind::Polygon, "`BOX([coordsys,] lon, lat, w, h)` or `BOX([coordsys,] point, w, h)` → polygon of its 4 corners.");
geometry_udf!(PolygonUdf, "polygon", GeomKind::Polygon, "`POLYGON([coordsys,] lon1, lat1, …)` or `POLYGON([coordsys,] p1, p2, p3, …)` → polygon.");
geometry_udf!(RegionUdf, "region", GeomKind::Polygon, "`REGION('STC-S')` → point, circle or polygon (by the literal's shape).");

/// Number of numbers the (non-coordsys) arguments flatten to, points counting 2.
fn flat_arity(types: &[DataType]) -> usize {
    let skip = coordsys_offset(types);
    types[skip..].iter().map(|t| if GeomKind::of(t) == Some(GeomKind::Point) { 2 } else { 1 }).sum()
}

fn check_arity(name: &str, types: &[DataType], ok: impl Fn(usize) -> bool, expect: &str) -> Result<()> {
    let skip = coordsys_offset(types);
    if types[skip..].iter().any(|t| matches!(GeomKind::of(t), Some(GeomKind::Circle | GeomKind::Polygon))) {
        return plan_err!("{name}: arguments must be numbers or POINTs");
    }
    let n = flat_arity(types);
    if ok(n) {
        Ok(())
    } else {
        plan_err!("{name} expects {expect}")
    }
}

impl ScalarUDFImpl for PointUdf {
    fn name(&self) -> &str {
        "point"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_geometry_args(self.name(), arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Point.data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args.arg_fields.iter().map(|f| f.data_type().clone()).collect();
        let skip = coordsys_offset(&types);
        if types.len() - skip != 2 || !types[skip..].iter().all(|t| t.is_numeric() || t.is_null()) {
            return plan_err!("POINT expects ([coordsys,] lon, lat)");
        }
        Ok(GeomKind::Point.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        construct(args, GeomKind::Point, |v| Ok(Shape::Point(Point::new(v[0], v[1])?)))
    }
}

impl ScalarUDFImpl for CircleUdf {
    fn name(&self) -> &str {
        "circle"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_geometry_args(self.name(), arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Circle.data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args.arg_fields.iter().map(|f| f.data_type().clone()).collect();
        check_arity("CIRCLE", &types, |n| n == 3, "([coordsys,] lon, lat, radius) or (point, radius)")?;
        Ok(GeomKind::Circle.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        construct(args, GeomKind::Circle, |v| Ok(Shape::Circle(Circle::new(v[0], v[1], v[2])?)))
    }
}

impl ScalarUDFImpl for BoxUdf {
    fn name(&self) -> &str {
        "box"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_geometry_args(self.name(), arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Polygon.data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args.arg_fields.iter().map(|f| f.data_type().clone()).collect();
        check_arity("BOX", &types, |n| n == 4, "([coordsys,] lon, lat, width, height) or (point, width, height)")?;
        Ok(GeomKind::Polygon.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        construct(args, GeomKind::Polygon, |v| {
            Ok(Shape::Polygon(SkyBox::new(v[0], v[1], v[2], v[3])?.to_polygon()?))
        })
    }
}

impl ScalarUDFImpl for PolygonUdf {
    fn name(&self) -> &str {
        "polygon"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_geometry_args(self.name(), arg_types)
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Polygon.data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let types: Vec<DataType> = args.arg_fields.iter().map(|f| f.data_type().clone()).collect();
        check_arity("POLYGON", &types, |n| n >= 6 && n % 2 == 0, "at least 3 vertices as (lon, lat) pairs or POINTs")?;
        Ok(GeomKind::Polygon.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // The value is returned with our internal orientation (smaller region inside, listed
        // counter-clockwise seen from outside the sphere), whatever winding the query used.
        construct(args, GeomKind::Polygon, |v| {
            Ok(Shape::Polygon(Polygon::from_flat(v)?))
        })
    }
}

fn literal_region(args: &ReturnFieldArgs) -> Option<Result<Shape, crate::geometry::GeometryError>> {
    match args.scalar_arguments.first() {
        Some(Some(ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)))) => {
            Some(parse_stcs(s))
        }
        _ => None,
    }
}

impl ScalarUDFImpl for RegionUdf {
    fn name(&self) -> &str {
        "region"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if super::args::is_string(t) || t.is_null() => Ok(vec![DataType::Utf8]),
            _ => plan_err!("REGION expects one STC-S string"),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::Polygon.data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        // The result type follows the literal's shape; a non-literal argument can only be
        // typed as polygon (Box/Polygon strings).
        let kind = match literal_region(&args) {
            Some(Ok(Shape::Point(_))) => GeomKind::Point,
            Some(Ok(Shape::Circle(_))) => GeomKind::Circle,
            Some(Ok(Shape::Polygon(_))) | None => GeomKind::Polygon,
            Some(Err(e)) => return plan_err!("{e}"),
        };
        Ok(kind.field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let kind = GeomKind::of(args.return_field.data_type()).unwrap_or(GeomKind::Polygon);
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let text = StrArg::new(&args.args[0])?;
        let mut b = GeomBuilder::new(kind, n);
        for i in 0..n {
            match text.get(i) {
                None => b.push_null(),
                Some(s) => {
                    let shape = match parse_stcs(s) {
                        Ok(shape) => shape,
                        Err(e) => return exec_err!("{e}"),
                    };
                    let k = match &shape {
                        Shape::Point(_) => GeomKind::Point,
                        Shape::Circle(_) => GeomKind::Circle,
                        Shape::Polygon(_) => GeomKind::Polygon,
                    };
                    if k != kind {
                        return exec_err!("REGION: {s:?} is a {}, expected a {}", k.xtype(), kind.xtype());
                    }
                    b.push_shape(&shape);
                }
            }
        }
        finish(b.finish()?, all_scalar)
    }
}
