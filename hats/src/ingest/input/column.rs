//! Column descriptions shared by all readers, and the Arrow builders that turn text or binary
//! cells into arrays.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, FixedSizeListArray, Float32Builder, Float64Builder,
    Int16Builder, Int32Builder, Int64Builder, Int8Builder, ListArray, NullBufferBuilder,
    StringBuilder, UInt16Builder, UInt32Builder, UInt64Builder, UInt8Builder,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::arrow::error::ArrowError;

/// The type of one scalar value (or of the elements of an array column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    Utf8,
}

impl ValueKind {
    pub fn data_type(self) -> DataType {
        match self {
            ValueKind::Boolean => DataType::Boolean,
            ValueKind::Int8 => DataType::Int8,
            ValueKind::Int16 => DataType::Int16,
            ValueKind::Int32 => DataType::Int32,
            ValueKind::Int64 => DataType::Int64,
            ValueKind::UInt8 => DataType::UInt8,
            ValueKind::UInt16 => DataType::UInt16,
            ValueKind::UInt32 => DataType::UInt32,
            ValueKind::UInt64 => DataType::UInt64,
            ValueKind::Float32 => DataType::Float32,
            ValueKind::Float64 => DataType::Float64,
            ValueKind::Utf8 => DataType::Utf8,
        }
    }

    /// The name used in messages (ECSV / numpy spelling).
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Boolean => "bool",
            ValueKind::Int8 => "int8",
            ValueKind::Int16 => "int16",
            ValueKind::Int32 => "int32",
            ValueKind::Int64 => "int64",
            ValueKind::UInt8 => "uint8",
            ValueKind::UInt16 => "uint16",
            ValueKind::UInt32 => "uint32",
            ValueKind::UInt64 => "uint64",
            ValueKind::Float32 => "float32",
            ValueKind::Float64 => "float64",
            ValueKind::Utf8 => "string",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, ValueKind::Float32 | ValueKind::Float64)
    }

    pub fn is_numeric(self) -> bool {
        !matches!(self, ValueKind::Boolean | ValueKind::Utf8)
    }
}

/// Scalar, variable-length array (Arrow `List`) or fixed-length array (`FixedSizeList`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Scalar,
    List,
    Fixed(i32),
}

/// One column as declared by (or inferred from) an input file.
#[derive(Debug, Clone)]
pub(crate) struct ColumnSpec {
    pub name: String,
    pub kind: ValueKind,
    pub shape: Shape,
    /// Arrow field metadata (`unit`, `ucd`, `description`, `utype`, `xtype`, ...).
    pub metadata: HashMap<String, String>,
    /// A text token that stands for null in this column (ECSV `null_value`, VOTable `VALUES null`).
    pub null_token: Option<String>,
}

impl ColumnSpec {
    pub fn new(name: &str, kind: ValueKind, shape: Shape) -> Self {
        ColumnSpec {
            name: name.to_string(),
            kind,
            shape,
            metadata: HashMap::new(),
            null_token: None,
        }
    }

    /// Adds a metadata entry if the value is present and non-empty.
    pub fn meta(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.metadata.insert(key.to_string(), v.to_string());
        }
    }

    fn item_field(&self) -> Arc<Field> {
        Arc::new(Field::new("item", self.kind.data_type(), true))
    }

    pub fn data_type(&self) -> DataType {
        match self.shape {
            Shape::Scalar => self.kind.data_type(),
            Shape::List => DataType::List(self.item_field()),
            Shape::Fixed(n) => DataType::FixedSizeList(self.item_field(), n),
        }
    }

    pub fn field(&self) -> Field {
        Field::new(&self.name, self.data_type(), true).with_metadata(self.metadata.clone())
    }

    /// Type name for messages, e.g. `float64` or `float64[]`.
    pub fn type_name(&self) -> String {
        match self.shape {
            Shape::Scalar => self.kind.name().to_string(),
            Shape::List => format!("{}[]", self.kind.name()),
            Shape::Fixed(n) => format!("{}[{n}]", self.kind.name()),
        }
    }
}

/// Raised when a text cell does not parse; the caller adds the location.
#[derive(Debug)]
pub(crate) struct ParseFailure;

/// Parses a boolean as written by astropy (`True`/`False`), VOTable (`T`/`F`/`1`/`0`) or SQL.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "True" | "TRUE" | "T" | "t" | "1" => Some(true),
        "false" | "False" | "FALSE" | "F" | "f" | "0" => Some(false),
        _ => None,
    }
}

fn parse_i64(s: &str) -> Option<i64> {
    let t = s.trim();
    // VOTable 1.4 §2.1 allows hexadecimal integers in TABLEDATA.
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    t.parse::<i64>().ok()
}

fn parse_u64(s: &str) -> Option<u64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    t.parse::<u64>().ok()
}

/// Parses a float; Rust accepts `nan`, `inf`, `infinity` in any case, as astropy writes them.
pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

/// A typed Arrow builder for one value kind.
pub(crate) enum Values {
    Boolean(BooleanBuilder),
    Int8(Int8Builder),
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    UInt8(UInt8Builder),
    UInt16(UInt16Builder),
    UInt32(UInt32Builder),
    UInt64(UInt64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Utf8(StringBuilder),
}

macro_rules! each_int {
    ($self:expr, $b:ident => $body:expr, else $other:expr) => {
        match $self {
            Values::Int8($b) => $body,
            Values::Int16($b) => $body,
            Values::Int32($b) => $body,
            Values::Int64($b) => $body,
            Values::UInt8($b) => $body,
            Values::UInt16($b) => $body,
            Values::UInt32($b) => $body,
            Values::UInt64($b) => $body,
            _ => $other,
        }
    };
}

impl Values {
    pub fn new(kind: ValueKind, capacity: usize) -> Values {
        match kind {
            ValueKind::Boolean => Values::Boolean(BooleanBuilder::with_capacity(capacity)),
            ValueKind::Int8 => Values::Int8(Int8Builder::with_capacity(capacity)),
            ValueKind::Int16 => Values::Int16(Int16Builder::with_capacity(capacity)),
            ValueKind::Int32 => Values::Int32(Int32Builder::with_capacity(capacity)),
            ValueKind::Int64 => Values::Int64(Int64Builder::with_capacity(capacity)),
            ValueKind::UInt8 => Values::UInt8(UInt8Builder::with_capacity(capacity)),
            ValueKind::UInt16 => Values::UInt16(UInt16Builder::with_capacity(capacity)),
            ValueKind::UInt32 => Values::UInt32(UInt32Builder::with_capacity(capacity)),
            ValueKind::UInt64 => Values::UInt64(UInt64Builder::with_capacity(capacity)),
            ValueKind::Float32 => Values::Float32(Float32Builder::with_capacity(capacity)),
            ValueKind::Float64 => Values::Float64(Float64Builder::with_capacity(capacity)),
            ValueKind::Utf8 => Values::Utf8(StringBuilder::with_capacity(capacity, capacity * 8)),
        }
    }

    pub fn push_null(&mut self) {
        match self {
            Values::Boolean(b) => b.append_null(),
            Values::Float32(b) => b.append_null(),
            Values::Float64(b) => b.append_null(),
            Values::Utf8(b) => b.append_null(),
            other => each_int!(other, b => b.append_null(), else ()),
        }
    }

    /// Appends a parsed text value.
    pub fn push_text(&mut self, s: &str) -> Result<(), ParseFailure> {
        match self {
            Values::Boolean(b) => b.append_value(parse_bool(s).ok_or(ParseFailure)?),
            Values::Float32(b) => b.append_value(parse_f64(s).ok_or(ParseFailure)? as f32),
            Values::Float64(b) => b.append_value(parse_f64(s).ok_or(ParseFailure)?),
            Values::Utf8(b) => b.append_value(s),
            Values::UInt64(b) => b.append_value(parse_u64(s).ok_or(ParseFailure)?),
            other => {
                let v = parse_i64(s).ok_or(ParseFailure)?;
                return other.push_i64(v);
            }
        }
        Ok(())
    }

    /// Appends an integer, checking that it fits the column's width.
    pub fn push_i64(&mut self, v: i64) -> Result<(), ParseFailure> {
        macro_rules! fit {
            ($b:expr) => {
                $b.append_value(v.try_into().map_err(|_| ParseFailure)?)
            };
        }
        match self {
            Values::Int8(b) => fit!(b),
            Values::Int16(b) => fit!(b),
            Values::Int32(b) => fit!(b),
            Values::Int64(b) => b.append_value(v),
            Values::UInt8(b) => fit!(b),
            Values::UInt16(b) => fit!(b),
            Values::UInt32(b) => fit!(b),
            Values::UInt64(b) => fit!(b),
            Values::Float32(b) => b.append_value(v as f32),
            Values::Float64(b) => b.append_value(v as f64),
            Values::Boolean(b) => b.append_value(v != 0),
            Values::Utf8(b) => b.append_value(v.to_string()),
        }
        Ok(())
    }

    pub fn push_f64(&mut self, v: f64) {
        match self {
            Values::Float32(b) => b.append_value(v as f32),
            Values::Float64(b) => b.append_value(v),
            Values::Utf8(b) => b.append_value(v.to_string()),
            Values::Boolean(b) => b.append_value(v != 0.0),
            other => each_int!(other, b => b.append_value(num_cast(v)), else ()),
        }
    }

    pub fn push_bool(&mut self, v: bool) {
        match self {
            Values::Boolean(b) => b.append_value(v),
            other => {
                let _ = other.push_i64(v as i64);
            }
        }
    }

    pub fn push_str(&mut self, s: &str) -> Result<(), ParseFailure> {
        match self {
            Values::Utf8(b) => {
                b.append_value(s);
                Ok(())
            }
            other => other.push_text(s),
        }
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Values::Boolean(b) => Arc::new(b.finish()),
            Values::Float32(b) => Arc::new(b.finish()),
            Values::Float64(b) => Arc::new(b.finish()),
            Values::Utf8(b) => Arc::new(b.finish()),
            Values::Int8(b) => Arc::new(b.finish()),
            Values::Int16(b) => Arc::new(b.finish()),
            Values::Int32(b) => Arc::new(b.finish()),
            Values::Int64(b) => Arc::new(b.finish()),
            Values::UInt8(b) => Arc::new(b.finish()),
            Values::UInt16(b) => Arc::new(b.finish()),
            Values::UInt32(b) => Arc::new(b.finish()),
            Values::UInt64(b) => Arc::new(b.finish()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Boolean(b) => b.len(),
            Values::Float32(b) => b.len(),
            Values::Float64(b) => b.len(),
            Values::Utf8(b) => b.len(),
            other => each_int!(other, b => b.len(), else 0),
        }
    }
}

/// Saturating float-to-integer conversion (only reached for floats stored into integer columns).
fn num_cast<T: TryFrom<i64> + Default>(v: f64) -> T {
    T::try_from(v as i64).unwrap_or_default()
}

/// Builds one output column: scalars directly, arrays as offsets/validity over a child builder.
pub(crate) struct ColumnBuilder {
    spec: Arc<Field>,
    shape: Shape,
    pub values: Values,
    offsets: Vec<i32>,
    list_nulls: NullBufferBuilder,
    rows: usize,
}

impl ColumnBuilder {
    pub fn new(spec: &ColumnSpec, capacity: usize) -> Self {
        let child_capacity = match spec.shape {
            Shape::Scalar => capacity,
            Shape::List => capacity * 4,
            Shape::Fixed(n) => capacity * n.max(1) as usize,
        };
        ColumnBuilder {
            spec: spec.item_field(),
            shape: spec.shape,
            values: Values::new(spec.kind, child_capacity),
            offsets: vec![0],
            list_nulls: NullBufferBuilder::new(capacity),
            rows: 0,
        }
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Appends a null cell.
    pub fn push_null(&mut self) {
        match self.shape {
            Shape::Scalar => self.values.push_null(),
            Shape::List => {
                self.offsets.push(self.values.len() as i32);
                self.list_nulls.append_null();
            }
            Shape::Fixed(n) => {
                for _ in 0..n {
                    self.values.push_null();
                }
                self.list_nulls.append_null();
            }
        }
        self.rows += 1;
    }

    /// Appends a scalar cell from text.
    pub fn push_text(&mut self, s: &str) -> Result<(), ParseFailure> {
        self.values.push_text(s)?;
        self.rows += 1;
        Ok(())
    }

    /// Closes an array cell whose `count` elements were pushed into `values`.
    pub fn end_array(&mut self, count: usize) -> Result<(), ParseFailure> {
        if let Shape::Fixed(n) = self.shape {
            if count != n as usize {
                return Err(ParseFailure);
            }
        }
        self.offsets.push(self.values.len() as i32);
        self.list_nulls.append_non_null();
        self.rows += 1;
        Ok(())
    }

    /// Marks a scalar pushed directly into `values` (binary readers).
    pub fn end_scalar(&mut self) {
        self.rows += 1;
    }

    pub fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let child = self.values.finish();
        let rows = std::mem::take(&mut self.rows);
        match self.shape {
            Shape::Scalar => Ok(child),
            Shape::List => {
                let offsets = std::mem::replace(&mut self.offsets, vec![0]);
                let offsets = OffsetBuffer::new(offsets.into());
                let nulls = self.list_nulls.finish();
                Ok(Arc::new(ListArray::try_new(self.spec.clone(), offsets, child, nulls)?))
            }
            Shape::Fixed(n) => {
                self.offsets = vec![0];
                let nulls = self.list_nulls.finish();
                debug_assert_eq!(child.len(), rows * n as usize);
                Ok(Arc::new(FixedSizeListArray::try_new(self.spec.clone(), n, child, nulls)?))
            }
        }
    }
}
