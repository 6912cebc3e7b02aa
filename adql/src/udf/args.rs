//! Shared argument handling for the ADQL UDFs: type coercion, scalar broadcasting, decoding of
//! geometry columns and building geometry results.
//!
//! Geometry in Arrow (the convention shared by all crates, DALI 1.1 §3.3 xtypes):
//! point = FixedSizeList<Float64, 2>, circle = FixedSizeList<Float64, 3>,
//! polygon = List<Float64> of flattened lon,lat pairs, all in degrees.

use crate::geometry::{parse_stcs, Circle, Point, Polygon, Shape};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, FixedSizeListArray, Float64Array, Int32Array,
    ListArray,
};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use std::collections::HashMap;
use std::sync::Arc;

/// Kinds of ADQL geometry values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomKind {
    /// POINT.
    Point,
    /// CIRCLE.
    Circle,
    /// POLYGON (and BOX).
    Polygon,
}

impl GeomKind {
    /// DALI xtype.
    pub fn xtype(self) -> &'static str {
        match self {
            GeomKind::Point => "point",
            GeomKind::Circle => "circle",
            GeomKind::Polygon => "polygon",
        }
    }

    /// Arrow type.
    pub fn data_type(self) -> DataType {
        let item = Arc::new(Field::new("item", DataType::Float64, true));
        match self {
            GeomKind::Point => DataType::FixedSizeList(item, 2),
            GeomKind::Circle => DataType::FixedSizeList(item, 3),
            GeomKind::Polygon => DataType::List(item),
        }
    }

    /// The kind an Arrow type encodes, if any.
    pub fn of(dt: &DataType) -> Option<GeomKind> {
        match dt {
            DataType::FixedSizeList(_, 2) => Some(GeomKind::Point),
            DataType::FixedSizeList(_, 3) => Some(GeomKind::Circle),
            DataType::List(_) | DataType::LargeList(_) => Some(GeomKind::Polygon),
            _ => None,
        }
    }

    /// A nullable result field with `xtype` and `unit` metadata.
    pub fn field(self, name: &str) -> FieldRef {
        let mut md = HashMap::new();
        md.insert("xtype".to_string(), self.xtype().to_string());
        md.insert("unit".to_string(), "deg".to_string());
        Arc::new(Field::new(name, self.data_type(), true).with_metadata(md))
    }
}

/// A nullable Float64 field with a `unit` (and optional `ucd`) in its metadata.
pub fn f64_field(name: &str, unit: Option<&str>) -> FieldRef {
    let mut f = Field::new(name, DataType::Float64, true);
    if let Some(u) = unit {
        f = f.with_metadata(HashMap::from([("unit".to_string(), u.to_string())]));
    }
    Arc::new(f)
}

/// Whether `dt` is a numeric type coercible to Float64.
pub fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric() || matches!(dt, DataType::Null)
}

/// Whether `dt` is a string type.
pub fn is_string(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Coercion used by every geometry function: numbers → Float64, strings → Utf8, geometry as is.
pub fn coerce_geometry_args(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    arg_types
        .iter()
        .map(|t| {
            if is_numeric(t) {
                Ok(DataType::Float64)
            } else if is_string(t) {
                Ok(DataType::Utf8)
            } else if let Some(k) = GeomKind::of(t) {
                Ok(k.data_type())
            } else {
                Err(DataFusionError::Plan(format!("{name}: unsupported argument type {t}")))
            }
        })
        .collect()
}

/// Number of leading coordinate-system string arguments to skip (ADQL 2.1 §4.2.2: optional and
/// deprecated, accepted and ignored).
pub fn coordsys_offset(types: &[DataType]) -> usize {
    usize::from(types.first().is_some_and(is_string))
}

/// A Float64 argument: a broadcast scalar or a column.
pub enum NumArg {
    /// Broadcast scalar.
    Scalar(Option<f64>),
    /// Column.
    Array(Float64Array),
}

impl NumArg {
    /// From a columnar value (cast to Float64 if needed).
    pub fn new(cv: &ColumnarValue) -> Result<Self> {
        match cv {
            ColumnarValue::Scalar(s) => {
                if s.is_null() {
                    return Ok(NumArg::Scalar(None));
                }
                match s.cast_to(&DataType::Float64)? {
                    ScalarValue::Float64(v) => Ok(NumArg::Scalar(v)),
                    other => exec_err!("expected a number, got {other}"),
                }
            }
            ColumnarValue::Array(a) => {
                let a = if a.data_type() == &DataType::Float64 { a.clone() } else { cast(a, &DataType::Float64)? };
                Ok(NumArg::Array(a.as_primitive().clone()))
            }
        }
    }

    /// Value at row `i` (None = NULL).
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        match self {
            NumArg::Scalar(v) => *v,
            NumArg::Array(a) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(a.value(i))
                }
            }
        }
    }

    /// Whether this is a broadcast scalar.
    pub fn is_scalar(&self) -> bool {
        matches!(self, NumArg::Scalar(_))
    }
}

/// A string argument.
pub enum StrArg {
    /// Broadcast scalar.
    Scalar(Option<String>),
    /// Column.
    Array(ArrayRef),
}

impl StrArg {
    /// From a columnar value (cast to Utf8 if needed).
    pub fn new(cv: &ColumnarValue) -> Result<Self> {
        match cv {
            ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Utf8)? {
                ScalarValue::Utf8(v) => Ok(StrArg::Scalar(v)),
                other => exec_err!("expected a string, got {other}"),
            },
            ColumnarValue::Array(a) => Ok(StrArg::Array(cast(a, &DataType::Utf8)?)),
        }
    }

    /// Value at row `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            StrArg::Scalar(v) => v.as_deref(),
            StrArg::Array(a) => {
                let s = a.as_string::<i32>();
                if s.is_null(i) {
                    None
                } else {
                    Some(s.value(i))
                }
            }
        }
    }
}

/// A geometry argument (point/circle/polygon column, STC-S string, or a broadcast scalar of
/// those, decoded once).
pub enum GeomArg {
    /// Broadcast scalar shape.
    Scalar(Option<Shape>),
    /// Column of POINT / CIRCLE values (interleaved child values).
    Fixed {
        /// The list array.
        list: FixedSizeListArray,
        /// Its Float64 child values.
        values: Float64Array,
        /// 2 (point) or 3 (circle).
        size: usize,
    },
    /// Column of POLYGON values.
    Polygons {
        /// The list array.
        list: ListArray,
        /// Its Float64 child values.
        values: Float64Array,
    },
    /// Column of STC-S strings.
    Stcs(ArrayRef),
}

fn f64_values(a: &ArrayRef) -> Result<Float64Array> {
    let a = if a.data_type() == &DataType::Float64 { a.clone() } else { cast(a, &DataType::Float64)? };
    Ok(a.as_primitive().clone())
}

fn geometry_error(e: crate::geometry::GeometryError) -> DataFusionError {
    DataFusionError::Execution(e.to_string())
}

/// Decodes row `i` of a point/circle list.
fn fixed_shape(list: &FixedSizeListArray, values: &Float64Array, size: usize, i: usize) -> Result<Option<Shape>> {
    if list.is_null(i) {
        return Ok(None);
    }
    let o = list.value_offset(i) as usize;
    if (0..size).any(|k| values.is_null(o + k)) {
        return Ok(None);
    }
    let v = &values.values()[o..o + size];
    let shape = if size == 2 {
        Shape::Point(Point::new(v[0], v[1]).map_err(geometry_error)?)
    } else {
        Shape::Circle(Circle::new(v[0], v[1], v[2]).map_err(geometry_error)?)
    };
    Ok(Some(shape))
}

impl GeomArg {
    /// From a columnar value.
    pub fn new(cv: &ColumnarValue) -> Result<Self> {
        match cv {
            ColumnarValue::Scalar(s) => {
                let arr = s.to_array_of_size(1)?;
                let col = GeomArg::from_array(&arr)?;
                Ok(GeomArg::Scalar(col.shape_at(0)?))
            }
            ColumnarValue::Array(a) => GeomArg::from_array(a),
        }
    }

    fn from_array(a: &ArrayRef) -> Result<Self> {
        match a.data_type() {
            DataType::FixedSizeList(_, n) if *n == 2 || *n == 3 => {
                let list = a.as_fixed_size_list().clone();
                let values = f64_values(list.values())?;
                Ok(GeomArg::Fixed { list, values, size: *n as usize })
            }
            DataType::List(_) => {
                let list = a.as_list::<i32>().clone();
                let values = f64_values(list.values())?;
                Ok(GeomArg::Polygons { list, values })
            }
            DataType::LargeList(f) => {
                let a = cast(a, &DataType::List(f.clone()))?;
                GeomArg::from_array(&a)
            }
            t if is_string(t) => Ok(GeomArg::Stcs(cast(a, &DataType::Utf8)?)),
            t => exec_err!("expected a geometry value, got {t}"),
        }
    }

    /// Whether this is a broadcast scalar.
    pub fn is_scalar(&self) -> bool {
        matches!(self, GeomArg::Scalar(_))
    }

    /// The shape at row `i` (None = NULL).
    pub fn shape_at(&self, i: usize) -> Result<Option<Shape>> {
        match self {
            GeomArg::Scalar(s) => Ok(s.clone()),
            GeomArg::Fixed { list, values, size } => fixed_shape(list, values, *size, i),
            GeomArg::Polygons { list, values } => {
                if list.is_null(i) {
                    return Ok(None);
                }
                let offs = list.value_offsets();
                let (a, b) = (offs[i] as usize, offs[i + 1] as usize);
                if values.null_count() > 0 && (a..b).any(|k| values.is_null(k)) {
                    return Ok(None);
                }
                Ok(Some(Shape::Polygon(Polygon::from_flat(&values.values()[a..b]).map_err(geometry_error)?)))
            }
            GeomArg::Stcs(a) => {
                let s = a.as_string::<i32>();
                if s.is_null(i) {
                    return Ok(None);
                }
                Ok(Some(parse_stcs(s.value(i)).map_err(geometry_error)?))
            }
        }
    }

    /// Fast access to a point column's (lon, lat) at row `i` without validation.
    #[inline]
    pub fn raw_point(&self, i: usize) -> Option<(f64, f64)> {
        match self {
            GeomArg::Fixed { list, values, size: 2 } => {
                if list.is_null(i) {
                    return None;
                }
                let o = list.value_offset(i) as usize;
                if values.is_null(o) || values.is_null(o + 1) {
                    return None;
                }
                Some((values.value(o), values.value(o + 1)))
            }
            _ => None,
        }
    }

    /// Whether this is a (non-scalar) point column.
    pub fn is_point_column(&self) -> bool {
        matches!(self, GeomArg::Fixed { size: 2, .. })
    }
}

/// Number of rows of the batch and whether every argument is a scalar.
pub fn rows(args: &[ColumnarValue], number_rows: usize) -> (usize, bool) {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    (if all_scalar { 1 } else { number_rows }, all_scalar)
}

/// Wraps a computed array as the UDF result (a scalar when every input was a scalar).
pub fn finish(array: ArrayRef, all_scalar: bool) -> Result<ColumnarValue> {
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// Builds POINT / CIRCLE / POLYGON arrays row by row.
pub struct GeomBuilder {
    kind: GeomKind,
    values: Vec<f64>,
    offsets: Vec<i32>,
    valid: Vec<bool>,
}

impl GeomBuilder {
    /// A builder for `kind` with room for `n` rows.
    pub fn new(kind: GeomKind, n: usize) -> Self {
        let per = match kind {
            GeomKind::Point => 2,
            GeomKind::Circle => 3,
            GeomKind::Polygon => 8,
        };
        GeomBuilder { kind, values: Vec::with_capacity(n * per), offsets: vec![0], valid: Vec::with_capacity(n) }
    }

    /// Appends a value (its flattened numbers).
    pub fn push(&mut self, v: &[f64]) {
        self.values.extend_from_slice(v);
        self.offsets.push(self.values.len() as i32);
        self.valid.push(true);
    }

    /// Appends a NULL.
    pub fn push_null(&mut self) {
        if let Some(w) = match self.kind {
            GeomKind::Point => Some(2),
            GeomKind::Circle => Some(3),
            GeomKind::Polygon => None,
        } {
            self.values.extend(std::iter::repeat_n(0.0, w));
        }
        self.offsets.push(self.values.len() as i32);
        self.valid.push(false);
    }

    /// Appends a shape (must match the builder's kind).
    pub fn push_shape(&mut self, s: &Shape) {
        match s {
            Shape::Point(p) => self.push(&[p.lon, p.lat]),
            Shape::Circle(c) => self.push(&[c.center.lon, c.center.lat, c.radius]),
            Shape::Polygon(p) => self.push(&p.to_flat()),
        }
    }

    /// The finished array.
    pub fn finish(self) -> Result<ArrayRef> {
        let item = Arc::new(Field::new("item", DataType::Float64, true));
        let nulls = if self.valid.iter().all(|&v| v) { None } else { Some(NullBuffer::from(self.valid)) };
        let values: ArrayRef = Arc::new(Float64Array::from(self.values));
        Ok(match self.kind {
            GeomKind::Point => Arc::new(FixedSizeListArray::try_new(item, 2, values, nulls)?),
            GeomKind::Circle => Arc::new(FixedSizeListArray::try_new(item, 3, values, nulls)?),
            GeomKind::Polygon => Arc::new(ListArray::try_new(
                item,
                OffsetBuffer::new(self.offsets.into()),
                values,
                nulls,
            )?),
        })
    }
}

/// A boolean array from LSB-first packed bits and a validity.
pub fn bool_array(bits: Vec<u64>, len: usize, nulls: Option<NullBuffer>) -> BooleanArray {
    BooleanArray::new(BooleanBuffer::new(Buffer::from_vec(bits), 0, len), nulls)
}

/// ADQL predicates return INTEGER 1/0 (ADQL 2.1 §4.2.6, §4.2.10): an Int32 array from bits.
pub fn int_flags(bits: &[u64], len: usize, nulls: Option<NullBuffer>) -> Int32Array {
    let vals: Vec<i32> = (0..len).map(|i| (bits[i / 64] >> (i % 64) & 1) as i32).collect();
    Int32Array::new(vals.into(), nulls)
}

/// Null buffer that is the AND of the given arrays' validities.
pub fn union_nulls(arrays: &[&dyn Array]) -> Option<NullBuffer> {
    arrays.iter().fold(None, |acc, a| NullBuffer::union(acc.as_ref(), a.logical_nulls().as_ref()))
}
