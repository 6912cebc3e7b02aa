//! Per-column encoding plans and per-batch typed views: every Arrow type is brought to one of a
//! few canonical shapes once per batch (cheap casts), so the row loops of the writers only see
//! plain slices and never downcast or allocate per value.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, LargeStringArray, StringArray,
    StringViewArray,
};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Schema, UInt8Type,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::meta::{is_string, vo_type, VoDatatype, VoField};
use super::OutputError;

/// Canonical scalar element types, one per numeric/boolean VOTable datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prim {
    Bool,
    U8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

impl Prim {
    fn from_vo(d: VoDatatype) -> Option<Prim> {
        Some(match d {
            VoDatatype::Boolean => Prim::Bool,
            VoDatatype::UnsignedByte => Prim::U8,
            VoDatatype::Short => Prim::I16,
            VoDatatype::Int => Prim::I32,
            VoDatatype::Long => Prim::I64,
            VoDatatype::Float => Prim::F32,
            VoDatatype::Double => Prim::F64,
            VoDatatype::Char | VoDatatype::UnicodeChar => return None,
        })
    }

    fn data_type(self) -> DataType {
        match self {
            Prim::Bool => DataType::Boolean,
            Prim::U8 => DataType::UInt8,
            Prim::I16 => DataType::Int16,
            Prim::I32 => DataType::Int32,
            Prim::I64 => DataType::Int64,
            Prim::F32 => DataType::Float32,
            Prim::F64 => DataType::Float64,
        }
    }
}

/// How one column is encoded, fixed for the whole result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Prim(Prim),
    Str { unicode: bool },
    Bytes { fixed: Option<usize> },
    List { elem: Prim, fixed: Option<usize> },
    /// Anything else, rendered by Arrow's display kernel into `char[*]` (timestamps as ISO 8601).
    Text,
}

/// Plans for every column plus the FIELD descriptions that match them. The declared datatype
/// and arraysize always come from the Arrow type so the FIELDs can never disagree with the
/// bytes; names, units, UCDs etc. come from `fields` when the caller supplied them.
pub(crate) fn plan_columns(schema: &Schema, fields: &[VoField]) -> (Vec<Plan>, Vec<VoField>) {
    let mut plans = Vec::with_capacity(schema.fields().len());
    let mut out = Vec::with_capacity(schema.fields().len());
    for (i, af) in schema.fields().iter().enumerate() {
        let mut vf = match fields.get(i) {
            Some(f) if fields.len() == schema.fields().len() => f.clone(),
            _ => super::meta::votable_field(af),
        };
        let (datatype, arraysize, _) = vo_type(af.data_type());
        let unicode = vf.datatype == VoDatatype::UnicodeChar && is_string(af.data_type());
        vf.datatype = if unicode { VoDatatype::UnicodeChar } else { datatype };
        vf.arraysize = arraysize.clone();
        let fixed = arraysize.as_deref().and_then(|a| a.parse::<usize>().ok());
        let plan = if is_string(af.data_type()) {
            Plan::Str { unicode }
        } else if matches!(
            af.data_type(),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_)
        ) {
            Plan::Bytes { fixed }
        } else {
            match (Prim::from_vo(datatype), arraysize.is_some()) {
                (Some(p), false) => Plan::Prim(p),
                (Some(elem), true) if is_list(af.data_type()) => Plan::List { elem, fixed },
                _ => Plan::Text,
            }
        };
        if plan == Plan::Text {
            vf.datatype = VoDatatype::Char;
            vf.arraysize = Some("*".to_string());
        }
        plans.push(plan);
        out.push(vf);
    }
    (plans, out)
}

fn is_list(dt: &DataType) -> bool {
    matches!(dt, DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _))
}

/// Start/end of each list element in the child values.
pub(crate) enum Offsets {
    Small(ScalarBuffer<i32>),
    Large(ScalarBuffer<i64>),
    Fixed { size: usize, first: usize },
}

impl Offsets {
    #[inline]
    pub(crate) fn range(&self, i: usize) -> (usize, usize) {
        match self {
            Offsets::Small(o) => (o[i] as usize, o[i + 1] as usize),
            Offsets::Large(o) => (o[i] as usize, o[i + 1] as usize),
            Offsets::Fixed { size, first } => (first + i * size, first + (i + 1) * size),
        }
    }
}

/// A column brought to its canonical shape; owns its (possibly cast) arrays.
pub(crate) struct Prepared {
    plan: Plan,
    nulls: Option<NullBuffer>,
    array: ArrayRef,
    list: Option<(Offsets, ArrayRef)>,
}

fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, OutputError> {
    if array.data_type() == to {
        return Ok(array.clone());
    }
    // safe: values that do not fit (UInt64 > i64::MAX) become null instead of failing the query.
    let options = CastOptions { safe: true, ..Default::default() };
    Ok(cast_with_options(array, to, &options)?)
}

/// Casts/extracts every column of `batch` according to `plans`.
pub(crate) fn prepare(batch: &RecordBatch, plans: &[Plan]) -> Result<Vec<Prepared>, OutputError> {
    batch
        .columns()
        .iter()
        .zip(plans)
        .map(|(col, plan)| prepare_column(col, *plan))
        .collect()
}

fn prepare_column(col: &ArrayRef, plan: Plan) -> Result<Prepared, OutputError> {
    let nulls = col.logical_nulls().filter(|n| n.null_count() > 0);
    let (array, list) = match plan {
        Plan::Prim(p) => (cast(col, &p.data_type())?, None),
        Plan::Str { .. } => match col.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => (col.clone(), None),
            _ => (cast(col, &DataType::Utf8)?, None),
        },
        Plan::Bytes { .. } => (cast(col, &DataType::Binary)?, None),
        Plan::List { elem, .. } => {
            let to = elem.data_type();
            let (offsets, values) = match col.data_type() {
                DataType::List(_) => {
                    let l = col.as_list::<i32>();
                    (Offsets::Small(l.offsets().inner().clone()), cast(l.values(), &to)?)
                }
                DataType::LargeList(_) => {
                    let l = col.as_list::<i64>();
                    (Offsets::Large(l.offsets().inner().clone()), cast(l.values(), &to)?)
                }
                _ => {
                    let l = col.as_fixed_size_list();
                    let size = l.value_length().max(0) as usize;
                    let first = if l.is_empty() { 0 } else { l.value_offset(0).max(0) as usize };
                    (Offsets::Fixed { size, first }, cast(l.values(), &to)?)
                }
            };
            (col.clone(), Some((offsets, values)))
        }
        Plan::Text => (col.clone(), None),
    };
    Ok(Prepared { plan, nulls, array, list })
}

/// Typed slice of canonical scalar values.
pub(crate) enum PrimView<'a> {
    Bool(&'a BooleanArray),
    U8(&'a [u8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
}

fn prim_view(array: &ArrayRef, p: Prim) -> PrimView<'_> {
    match p {
        Prim::Bool => PrimView::Bool(array.as_boolean()),
        Prim::U8 => PrimView::U8(array.as_primitive::<UInt8Type>().values()),
        Prim::I16 => PrimView::I16(array.as_primitive::<Int16Type>().values()),
        Prim::I32 => PrimView::I32(array.as_primitive::<Int32Type>().values()),
        Prim::I64 => PrimView::I64(array.as_primitive::<Int64Type>().values()),
        Prim::F32 => PrimView::F32(array.as_primitive::<Float32Type>().values()),
        Prim::F64 => PrimView::F64(array.as_primitive::<Float64Type>().values()),
    }
}

/// The three Arrow string layouts, read without copying.
pub(crate) enum StrView<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl StrView<'_> {
    #[inline]
    pub(crate) fn value(&self, i: usize) -> &str {
        match self {
            StrView::Utf8(a) => a.value(i),
            StrView::Large(a) => a.value(i),
            StrView::View(a) => a.value(i),
        }
    }
}

/// A list column: offsets into typed child values.
pub(crate) struct ListView<'a> {
    pub(crate) offsets: &'a Offsets,
    pub(crate) values: PrimView<'a>,
    /// Null elements inside arrays (written as NaN / 0, VOTable 1.4 §6).
    pub(crate) value_nulls: Option<&'a NullBuffer>,
    pub(crate) fixed: Option<usize>,
}

pub(crate) enum Kind<'a> {
    Prim(PrimView<'a>),
    Str(StrView<'a>, bool),
    Bytes(&'a BinaryArray, Option<usize>),
    List(ListView<'a>),
    Text(ArrayFormatter<'a>),
}

/// One column of a batch as the row loops see it.
pub(crate) struct ColView<'a> {
    pub(crate) nulls: Option<&'a NullBuffer>,
    pub(crate) kind: Kind<'a>,
}

impl ColView<'_> {
    #[inline]
    pub(crate) fn is_null(&self, i: usize) -> bool {
        self.nulls.is_some_and(|n| n.is_null(i))
    }
}

/// DALI 1.1 §3.3.3 timestamp rendering; zone-aware timestamps are rendered in their zone
/// without an offset (our catalogs store UTC).
const ISO: Option<&str> = Some("%Y-%m-%dT%H:%M:%S%.f");
static TEXT_OPTIONS: FormatOptions<'static> = FormatOptions::new()
    .with_timestamp_format(ISO)
    .with_timestamp_tz_format(ISO)
    .with_datetime_format(ISO)
    .with_null("");

/// Borrowed typed views over prepared columns.
pub(crate) fn views(prepared: &[Prepared]) -> Result<Vec<ColView<'_>>, OutputError> {
    prepared
        .iter()
        .map(|p| {
            let kind = match p.plan {
                Plan::Prim(prim) => Kind::Prim(prim_view(&p.array, prim)),
                Plan::Str { unicode } => {
                    let s = match p.array.data_type() {
                        DataType::LargeUtf8 => StrView::Large(p.array.as_string::<i64>()),
                        DataType::Utf8View => StrView::View(p.array.as_string_view()),
                        _ => StrView::Utf8(p.array.as_string::<i32>()),
                    };
                    Kind::Str(s, unicode)
                }
                Plan::Bytes { fixed } => Kind::Bytes(p.array.as_binary::<i32>(), fixed),
                Plan::List { elem, fixed } => match &p.list {
                    Some((offsets, values)) => Kind::List(ListView {
                        offsets,
                        values: prim_view(values, elem),
                        value_nulls: values.nulls().filter(|n| n.null_count() > 0),
                        fixed,
                    }),
                    None => Kind::Text(ArrayFormatter::try_new(p.array.as_ref(), &TEXT_OPTIONS)?),
                },
                Plan::Text => Kind::Text(ArrayFormatter::try_new(p.array.as_ref(), &TEXT_OPTIONS)?),
            };
            Ok(ColView { nulls: p.nulls.as_ref(), kind })
        })
        .collect()
}
