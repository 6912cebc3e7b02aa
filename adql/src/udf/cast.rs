//! `CAST(x AS POINT | CIRCLE | POLYGON)` (ADQL 2.1 §4.7.1): the rewriter turns each such cast
//! into `adql_cast_point(x)`, `adql_cast_circle(x)` or `adql_cast_polygon(x)`.
//!
//! Accepted operands: a character string in the DALI serialization of the target type, or in
//! STC-S (the REC requires the former and allows the latter); and an array of numbers in the
//! same DALI order (a geometry column of the target type is such an array, so that cast is the
//! identity). A geometry of another type — known from its `xtype` — is refused when planned.
//! A value that does not convert is an error, not NULL: like any SQL CAST, and as the REC asks
//! for values that do not fit the target type.

use super::args::{finish, is_string, rows, GeomBuilder, GeomKind};
use super::error::argument_error;
use crate::geometry::{parse_geometry_text, shape_from_numbers, GeometryError, ShapeKind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// The UDF a CAST to `kind` is rewritten into.
pub fn cast_udf_name(kind: ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Point => "adql_cast_point",
        ShapeKind::Circle => "adql_cast_circle",
        ShapeKind::Polygon => "adql_cast_polygon",
    }
}

impl From<ShapeKind> for GeomKind {
    fn from(k: ShapeKind) -> Self {
        match k {
            ShapeKind::Point => GeomKind::Point,
            ShapeKind::Circle => GeomKind::Circle,
            ShapeKind::Polygon => GeomKind::Polygon,
        }
    }
}

/// `adql_cast_<kind>(x)` → a geometry of `kind`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GeometryCastUdf {
    kind: ShapeKind,
    signature: Signature,
}

impl GeometryCastUdf {
    /// The cast to `kind`.
    pub fn new(kind: ShapeKind) -> Self {
        GeometryCastUdf { kind, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The element type of a list-like Arrow type.
fn list_item(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::ListView(f) => {
            Some(f.data_type())
        }
        _ => None,
    }
}

fn is_number_array(t: &DataType) -> bool {
    list_item(t).is_some_and(|i| i.is_numeric() || i.is_null())
}

fn geometry_error(e: GeometryError) -> DataFusionError {
    DataFusionError::Execution(e.to_string())
}

impl ScalarUDFImpl for GeometryCastUdf {
    fn name(&self) -> &str {
        cast_udf_name(self.kind)
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if is_string(t) || t.is_null() => Ok(vec![DataType::Utf8]),
            [t] if is_number_array(t) => Ok(vec![t.clone()]),
            // Refused with the operand's name in return_field_from_args.
            [t] => Ok(vec![t.clone()]),
            _ => plan_err!("CAST takes one value"),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(GeomKind::from(self.kind).data_type())
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let target = self.kind.adql_name();
        let Some(arg) = args.arg_fields.first() else {
            return plan_err!("CAST takes one value");
        };
        let t = arg.data_type();
        // A typed argument error: the planner points at the operand in the query text.
        let name = arg.name();
        if !(is_string(t) || t.is_null() || is_number_array(t)) {
            return argument_error(
                self.name(),
                0,
                format!("cannot cast '{name}' ({t}) to {target}: ADQL 2.1 §4.7.1 casts a character string in DALI form (or STC-S) to a geometry"),
            );
        }
        if let Some(x) = arg.metadata().get("xtype") {
            let other = ShapeKind::from_adql_name(x).filter(|k| *k != self.kind);
            if let Some(k) = other {
                return argument_error(self.name(), 0, format!("cannot cast '{name}', a {}, to {target}", k.adql_name()));
            }
        }
        Ok(GeomKind::from(self.kind).field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (n, all_scalar) = rows(&args.args, args.number_rows);
        let Some(arg) = args.args.first() else {
            return exec_err!("CAST takes one value");
        };
        let values: ArrayRef = arg.to_array(n)?;
        let mut b = GeomBuilder::new(self.kind.into(), n);
        let t = values.data_type().clone();
        if t.is_null() {
            (0..n).for_each(|_| b.push_null());
        } else if is_string(&t) {
            let text = cast(&values, &DataType::Utf8)?;
            let text = text.as_string::<i32>();
            for i in 0..n {
                if text.is_null(i) {
                    b.push_null();
                } else {
                    b.push_shape(&parse_geometry_text(text.value(i), self.kind).map_err(geometry_error)?);
                }
            }
        } else if is_number_array(&t) {
            let item = Arc::new(Field::new("item", DataType::Float64, true));
            let lists = cast(&values, &DataType::List(item))?;
            let lists = lists.as_list::<i32>();
            let numbers = lists.values().as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            let offsets = lists.value_offsets();
            for i in 0..n {
                let (a, z) = (offsets[i] as usize, offsets[i + 1] as usize);
                // A NULL element makes the value unknown, as for the geometry functions.
                if lists.is_null(i) || (a..z).any(|k| numbers.is_null(k)) {
                    b.push_null();
                    continue;
                }
                let nums = &numbers.values()[a..z];
                let shown = format!("{nums:?}");
                b.push_shape(&shape_from_numbers(self.kind, nums, &shown).map_err(geometry_error)?);
            }
        } else {
            return exec_err!("cannot cast a value of type {t} to {}", self.kind.adql_name());
        }
        finish(b.finish()?, all_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{FixedSizeListArray, Float64Array, ListArray, StringArray};
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::config::ConfigOptions;

    fn invoke(kind: ShapeKind, values: ArrayRef) -> Result<ArrayRef> {
        let udf = GeometryCastUdf::new(kind);
        let n = values.len();
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(values.clone())],
            arg_fields: vec![Arc::new(Field::new("x", values.data_type().clone(), true))],
            number_rows: n,
            return_field: GeomKind::from(kind).field(udf.name()),
            config_options: Arc::new(ConfigOptions::default()),
        };
        match udf.invoke_with_args(args)? {
            ColumnarValue::Array(a) => Ok(a),
            ColumnarValue::Scalar(s) => s.to_array(),
        }
    }

    #[test]
    fn strings_and_number_arrays_become_geometries() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("10 20"), None, Some("Position ICRS 1 2")]));
        let out = invoke(ShapeKind::Point, text).expect("casts");
        let out = out.as_fixed_size_list();
        assert_eq!(out.value_length(), 2);
        assert!(out.is_null(1));
        assert_eq!(out.value(0).as_primitive::<Float64Type>().values(), &[10.0, 20.0]);
        assert_eq!(out.value(2).as_primitive::<Float64Type>().values(), &[1.0, 2.0]);

        let arrays: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![
            Some(vec![Some(1.0), Some(0.1), Some(2.0), Some(0.2), Some(3.0), Some(0.3)]),
            Some(vec![Some(1.0), None, Some(2.0), Some(0.2), Some(3.0), Some(0.3)]),
        ]));
        let out = invoke(ShapeKind::Polygon, arrays).expect("casts");
        assert_eq!(out.as_list::<i32>().value(0).len(), 6);
        assert!(out.is_null(1));

        let circles: ArrayRef = Arc::new(FixedSizeListArray::new(
            Arc::new(Field::new("item", DataType::Float64, true)),
            3,
            Arc::new(Float64Array::from(vec![10.0, 20.0, 0.5])),
            None,
        ));
        let out = invoke(ShapeKind::Circle, circles).expect("identity");
        assert_eq!(out.as_fixed_size_list().value(0).as_primitive::<Float64Type>().values(), &[10.0, 20.0, 0.5]);
    }

    #[test]
    fn values_that_do_not_convert_are_errors() {
        let text: ArrayRef = Arc::new(StringArray::from(vec!["10 20 1"]));
        let e = invoke(ShapeKind::Point, text).expect_err("3 numbers are no point");
        assert!(e.to_string().contains("cannot cast '10 20 1' to POINT"), "{e}");
        let arrays: ArrayRef =
            Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(vec![Some(1.0), Some(2.0)])]));
        assert!(invoke(ShapeKind::Circle, arrays).is_err());
    }

    #[test]
    fn operand_types_are_checked_when_planned() {
        let udf = GeometryCastUdf::new(ShapeKind::Point);
        let field = |t: DataType, xtype: Option<&str>| -> FieldRef {
            let f = Field::new("ra", t, true);
            Arc::new(match xtype {
                Some(x) => f.with_metadata([("xtype".to_string(), x.to_string())].into()),
                None => f,
            })
        };
        let ask = |f: FieldRef| udf.return_field_from_args(ReturnFieldArgs { arg_fields: &[f], scalar_arguments: &[None] });
        let e = ask(field(DataType::Float64, None)).expect_err("a number is no point");
        assert!(e.to_string().contains("cannot cast 'ra' (Float64) to POINT"), "{e}");
        let e = ask(field(GeomKind::Circle.data_type(), Some("circle"))).expect_err("a circle is no point");
        assert!(e.to_string().contains("a CIRCLE, to POINT"), "{e}");
        let ok = ask(field(DataType::Utf8, None)).expect("strings cast");
        assert_eq!(ok.metadata().get("xtype").map(String::as_str), Some("point"));
        assert!(ask(field(GeomKind::Point.data_type(), Some("point"))).is_ok());
    }
}
