//! Column and document metadata of a result: Arrow `Field` → VOTable `FIELD` (VOTable 1.4 §4),
//! shared by every writer and by TAP_SCHEMA/VOSI type names.

use datafusion::arrow::datatypes::{DataType, Field, Schema};

/// VOTable primitive datatypes (VOTable 1.4 §2.1) that results are written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoDatatype {
    /// `boolean`
    Boolean,
    /// `unsignedByte`
    UnsignedByte,
    /// `short`
    Short,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `char` (UTF-8 bytes, as VOTable 1.5 §2.1 allows; ASCII for strict 1.4 readers)
    Char,
    /// `unicodeChar` (UTF-16BE in binary serialisations)
    UnicodeChar,
    /// `float`
    Float,
    /// `double`
    Double,
}

impl VoDatatype {
    /// The attribute value, also the TAP_SCHEMA.columns `datatype` (TAP 1.1 §4.3).
    pub fn as_str(&self) -> &'static str {
        match self {
            VoDatatype::Boolean => "boolean",
            VoDatatype::UnsignedByte => "unsignedByte",
            VoDatatype::Short => "short",
            VoDatatype::Int => "int",
            VoDatatype::Long => "long",
            VoDatatype::Char => "char",
            VoDatatype::UnicodeChar => "unicodeChar",
            VoDatatype::Float => "float",
            VoDatatype::Double => "double",
        }
    }
}

/// Description of one result column as a VOTable `FIELD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoField {
    /// Column name (`name` attribute).
    pub name: String,
    /// `datatype` attribute.
    pub datatype: VoDatatype,
    /// `arraysize` attribute: `None` for scalars, `*` for variable, `n` for fixed arrays.
    pub arraysize: Option<String>,
    /// DALI xtype (`timestamp`, `point`, `circle`, `polygon`, ...).
    pub xtype: Option<String>,
    /// VOUnit string.
    pub unit: Option<String>,
    /// UCD1+ word list.
    pub ucd: Option<String>,
    /// utype.
    pub utype: Option<String>,
    /// Free-text `<DESCRIPTION>`.
    pub description: Option<String>,
}

/// Field metadata key that may force `unicodeChar` for a string column (value `unicodeChar`).
/// Strings are `char` by default; strict VOTable 1.4 readers (astropy) refuse non-ASCII bytes
/// in binary `char`, so a catalog with non-ASCII text can opt in per column.
pub const DATATYPE_KEY: &str = "datatype";

/// Maps an Arrow field to its VOTable description, taking `unit`, `ucd`, `description`, `utype`
/// and `xtype` from the field metadata (the convention TAP_SCHEMA shares).
pub fn votable_field(field: &Field) -> VoField {
    let meta = field.metadata();
    let get = |k: &str| meta.get(k).filter(|v| !v.is_empty()).cloned();
    let (datatype, arraysize, derived_xtype) = vo_type(field.data_type());
    let datatype = match (datatype, meta.get(DATATYPE_KEY).map(String::as_str)) {
        (VoDatatype::Char, Some("unicodeChar")) if is_string(field.data_type()) => {
            VoDatatype::UnicodeChar
        }
        (d, _) => d,
    };
    VoField {
        name: field.name().clone(),
        datatype,
        arraysize,
        xtype: get("xtype").or(derived_xtype.map(str::to_string)),
        unit: get("unit"),
        ucd: get("ucd"),
        utype: get("utype"),
        description: get("description"),
    }
}

/// VOTable `(datatype, arraysize, xtype)` of an Arrow type; types without a VOTable
/// counterpart are written as their text rendering in `char[*]`.
pub fn vo_type(dt: &DataType) -> (VoDatatype, Option<String>, Option<&'static str>) {
    let star = || Some("*".to_string());
    match dt {
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f)
        | DataType::LargeListView(f) => match scalar_type(f.data_type()) {
            Some(d) => (d, star(), None),
            None => (VoDatatype::Char, star(), None),
        },
        DataType::FixedSizeList(f, n) => match scalar_type(f.data_type()) {
            Some(d) => (d, Some(n.to_string()), None),
            None => (VoDatatype::Char, star(), None),
        },
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            (VoDatatype::UnsignedByte, star(), None)
        }
        DataType::FixedSizeBinary(n) => (VoDatatype::UnsignedByte, Some(n.to_string()), None),
        // DALI 1.1 §3.3.3: timestamps are ISO 8601 strings with xtype="timestamp".
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
            (VoDatatype::Char, star(), Some("timestamp"))
        }
        DataType::Dictionary(_, v) => vo_type(v),
        other => match scalar_type(other) {
            Some(VoDatatype::Char) | None => (VoDatatype::Char, star(), None),
            Some(d) => (d, None, None),
        },
    }
}

/// VOTable scalar type of a numeric/boolean/string Arrow type (strings map to `char`).
fn scalar_type(dt: &DataType) -> Option<VoDatatype> {
    Some(match dt {
        DataType::Boolean => VoDatatype::Boolean,
        DataType::UInt8 => VoDatatype::UnsignedByte,
        // VOTable has no signed byte: widen.
        DataType::Int8 | DataType::Int16 => VoDatatype::Short,
        DataType::UInt16 | DataType::Int32 => VoDatatype::Int,
        // UInt64 values above i64::MAX are written as null (no unsigned long in VOTable).
        DataType::UInt32 | DataType::Int64 | DataType::UInt64 => VoDatatype::Long,
        DataType::Float16 | DataType::Float32 => VoDatatype::Float,
        DataType::Float64
        | DataType::Decimal32(_, _)
        | DataType::Decimal64(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _) => VoDatatype::Double,
        dt if is_string(dt) => VoDatatype::Char,
        _ => return None,
    })
}

pub(crate) fn is_string(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}

/// An `<INFO name=".." value="..">content</INFO>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoItem {
    /// `name` attribute.
    pub name: String,
    /// `value` attribute.
    pub value: String,
    /// Optional element content (human-readable text).
    pub content: Option<String>,
}

impl InfoItem {
    /// An INFO without content.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        InfoItem { name: name.into(), value: value.into(), content: None }
    }
}

/// Everything the writers need besides the rows: column descriptions and the INFO items to
/// emit at the start of the results RESOURCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultMeta {
    /// One entry per result column, in column order.
    pub fields: Vec<VoField>,
    /// INFO elements emitted after `QUERY_STATUS=OK` (query text, request parameters, RUNID...).
    pub infos: Vec<InfoItem>,
    /// `name` attribute of the TABLE, if any.
    pub table_name: Option<String>,
}

impl ResultMeta {
    /// Column descriptions derived from the result schema (see [`votable_field`]).
    pub fn from_schema(schema: &Schema) -> Self {
        ResultMeta {
            fields: schema.fields().iter().map(|f| votable_field(f)).collect(),
            infos: Vec::new(),
            table_name: None,
        }
    }

    /// Adds an INFO item.
    pub fn with_info(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.infos.push(InfoItem::new(name, value));
        self
    }

    /// Adds `<INFO name="QUERY" value="...">`, the query text as received (common practice
    /// of DaCHS/CADC; lets a client reproduce the result).
    pub fn with_query(self, adql: &str) -> Self {
        self.with_info("QUERY", adql)
    }

    /// Adds the client's RUNID (DALI 1.1 §3.3.7: the service should echo it in its output).
    pub fn with_runid(self, runid: &str) -> Self {
        self.with_info("RUNID", runid)
    }

    /// Sets the TABLE name.
    pub fn with_table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = Some(name.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::TimeUnit;
    use std::collections::HashMap;
    use std::sync::Arc;

    fn ty(dt: DataType) -> (&'static str, Option<String>, Option<String>) {
        let f = votable_field(&Field::new("c", dt, true));
        (f.datatype.as_str(), f.arraysize, f.xtype)
    }

    #[test]
    fn arrow_types_map_to_votable_types() {
        let item = |d: DataType| Arc::new(Field::new("item", d, true));
        let s = |x: &str| Some(x.to_string());
        assert_eq!(ty(DataType::Int16), ("short", None, None));
        assert_eq!(ty(DataType::Int32), ("int", None, None));
        assert_eq!(ty(DataType::Int64), ("long", None, None));
        assert_eq!(ty(DataType::Float32), ("float", None, None));
        assert_eq!(ty(DataType::Float64), ("double", None, None));
        assert_eq!(ty(DataType::Boolean), ("boolean", None, None));
        assert_eq!(ty(DataType::UInt8), ("unsignedByte", None, None));
        assert_eq!(ty(DataType::Decimal128(10, 3)), ("double", None, None));
        for d in [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View] {
            assert_eq!(ty(d), ("char", s("*"), None));
        }
        assert_eq!(ty(DataType::List(item(DataType::Float32))), ("float", s("*"), None));
        assert_eq!(ty(DataType::LargeList(item(DataType::Int64))), ("long", s("*"), None));
        assert_eq!(ty(DataType::FixedSizeList(item(DataType::Float64), 3)), ("double", s("3"), None));
        assert_eq!(
            ty(DataType::Timestamp(TimeUnit::Microsecond, None)),
            ("char", s("*"), s("timestamp"))
        );
        assert_eq!(ty(DataType::Date32), ("char", s("*"), s("timestamp")));
    }

    #[test]
    fn metadata_keys_fill_the_field() {
        let md: HashMap<String, String> = [
            ("unit", "deg"),
            ("ucd", "pos.eq;meta.main"),
            ("xtype", "point"),
            ("description", "position"),
            ("utype", "stc:Pos"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let dt = DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float64, true)), 2);
        let f = votable_field(&Field::new("pos", dt, true).with_metadata(md));
        assert_eq!(f.datatype, VoDatatype::Double);
        assert_eq!(f.arraysize.as_deref(), Some("2"));
        assert_eq!(f.xtype.as_deref(), Some("point"));
        assert_eq!(f.unit.as_deref(), Some("deg"));
        assert_eq!(f.ucd.as_deref(), Some("pos.eq;meta.main"));
        assert_eq!(f.utype.as_deref(), Some("stc:Pos"));
        assert_eq!(f.description.as_deref(), Some("position"));
    }
}
