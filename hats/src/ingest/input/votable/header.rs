//! The VOTable header: the first TABLE's FIELDs (VOTable 1.4 §4 FIELD, §5 VALUES, §7 DESCRIPTION)
//! mapped to columns, up to the DATA element that follows them.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;

use super::super::column::{ColumnSpec, Shape, ValueKind};
use super::super::error::{InputError, Location};
use super::{entity_text, xml_error, XmlReader};

/// VOTable primitive datatypes (VOTable 1.4 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VoType {
    Boolean,
    Bit,
    UnsignedByte,
    Short,
    Int,
    Long,
    Char,
    UnicodeChar,
    Float,
    Double,
}

impl VoType {
    fn parse(s: &str) -> Option<VoType> {
        Some(match s {
            "boolean" => VoType::Boolean,
            "bit" => VoType::Bit,
            "unsignedByte" => VoType::UnsignedByte,
            "short" => VoType::Short,
            "int" => VoType::Int,
            "long" => VoType::Long,
            "char" => VoType::Char,
            "unicodeChar" => VoType::UnicodeChar,
            "float" => VoType::Float,
            "double" => VoType::Double,
            _ => return None,
        })
    }

    /// Bytes per element in BINARY/BINARY2 (bits are packed separately).
    pub fn size(self) -> usize {
        match self {
            VoType::Boolean | VoType::Bit | VoType::UnsignedByte | VoType::Char => 1,
            VoType::Short | VoType::UnicodeChar => 2,
            VoType::Int | VoType::Float => 4,
            VoType::Long | VoType::Double => 8,
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            VoType::Boolean | VoType::Bit => ValueKind::Boolean,
            VoType::UnsignedByte => ValueKind::UInt8,
            VoType::Short => ValueKind::Int16,
            VoType::Int => ValueKind::Int32,
            VoType::Long => ValueKind::Int64,
            VoType::Char | VoType::UnicodeChar => ValueKind::Utf8,
            VoType::Float => ValueKind::Float32,
            VoType::Double => ValueKind::Float64,
        }
    }
}

/// Element count of a FIELD (`arraysize`, multidimensional sizes flattened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArraySize {
    Scalar,
    Fixed(usize),
    Variable,
}

fn parse_arraysize(s: Option<&str>) -> Option<ArraySize> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Some(ArraySize::Scalar);
    };
    let mut total = 1usize;
    let mut variable = false;
    for dim in s.split('x') {
        if let Some(n) = dim.strip_suffix('*') {
            // `*` or `10*`: the last dimension is variable (VOTable 1.4 §2.2).
            if !n.is_empty() {
                n.parse::<usize>().ok()?;
            }
            variable = true;
        } else {
            total = total.checked_mul(dim.parse::<usize>().ok()?)?;
        }
    }
    Some(if variable { ArraySize::Variable } else { ArraySize::Fixed(total) })
}

/// One FIELD: its column and what the binary decoders need.
#[derive(Debug, Clone)]
pub(crate) struct VoField {
    pub spec: ColumnSpec,
    pub vo_type: VoType,
    pub arraysize: ArraySize,
    /// `VALUES null="..."`: the value standing for null (integers, chars).
    pub null: Option<String>,
    /// The null value parsed as an integer, for binary integer columns.
    pub null_int: Option<i64>,
}

/// What follows the FIELDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataKind {
    TableData,
    Binary,
    Binary2,
    /// The TABLE has no DATA: an empty table.
    Empty,
}

/// The parsed header of the first TABLE.
pub(crate) struct Header {
    pub fields: Vec<VoField>,
    pub table_meta: HashMap<String, String>,
    pub data: DataKind,
}

enum TextTarget {
    None,
    FieldDescription,
    TableDescription,
}

fn attributes(file: &str, line: u64, e: &BytesStart<'_>) -> Result<HashMap<String, String>, InputError> {
    let mut out = HashMap::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| InputError::VoTable {
            location: Location::line(file, line),
            reason: format!("bad attribute: {err}"),
        })?;
        let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|err| InputError::VoTable {
            location: Location::line(file, line),
            reason: format!("bad attribute value: {err}"),
        })?;
        out.insert(attr.key.local_name().as_ref().to_string(), value.into_owned());
    }
    Ok(out)
}

fn field_from(file: &str, line: u64, attrs: &HashMap<String, String>) -> Result<VoField, InputError> {
    let bad = |reason: String| InputError::VoTable { location: Location::line(file, line), reason };
    let name = attrs
        .get("name")
        .or_else(|| attrs.get("ID"))
        .ok_or_else(|| bad("FIELD without name or ID".into()))?;
    let datatype = attrs.get("datatype").ok_or_else(|| bad(format!("FIELD '{name}' has no datatype")))?;
    let vo_type = VoType::parse(datatype).ok_or_else(|| InputError::Unsupported {
        location: Location::line(file, line),
        reason: format!("FIELD '{name}' datatype {datatype:?}"),
    })?;
    let arraysize = parse_arraysize(attrs.get("arraysize").map(String::as_str))
        .ok_or_else(|| bad(format!("FIELD '{name}' has a bad arraysize")))?;
    let shape = match (vo_type, arraysize) {
        // Character arrays are strings.
        (VoType::Char | VoType::UnicodeChar, _) => Shape::Scalar,
        (_, ArraySize::Scalar) => Shape::Scalar,
        (_, ArraySize::Fixed(n)) => Shape::Fixed(
            i32::try_from(n).map_err(|_| bad(format!("FIELD '{name}' arraysize too large")))?,
        ),
        (_, ArraySize::Variable) => Shape::List,
    };
    let mut spec = ColumnSpec::new(name, vo_type.kind(), shape);
    for key in ["unit", "ucd", "utype", "xtype", "datatype", "arraysize"] {
        spec.meta(key, attrs.get(key).map(String::as_str));
    }
    Ok(VoField { spec, vo_type, arraysize, null: None, null_int: None })
}

/// Reads events up to the start of the first TABLE's data.
pub(crate) fn read_header<R: BufRead>(xml: &mut XmlReader<R>, file: &str) -> Result<Header, InputError> {
    let mut buf = Vec::new();
    let mut fields: Vec<VoField> = Vec::new();
    let mut current: Option<VoField> = None;
    let mut table_meta = HashMap::new();
    let mut in_table = false;
    let mut root_seen = false;
    let mut target = TextTarget::None;
    let mut text = String::new();
    loop {
        let line = xml.get_ref().line();
        let event = xml.read_event_into(&mut buf).map_err(|e| xml_error(file, xml, e))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = e.local_name();
                let tag = local.as_ref();
                if !root_seen {
                    root_seen = true;
                    if tag != "VOTABLE" {
                        return Err(InputError::VoTable {
                            location: Location::line(file, line),
                            reason: format!("root element is <{tag}>, not <VOTABLE>"),
                        });
                    }
                }
                match tag {
                    "TABLE" if !in_table => {
                        in_table = true;
                        let attrs = attributes(file, line, e)?;
                        for key in ["name", "ucd", "utype"] {
                            if let Some(v) = attrs.get(key) {
                                table_meta.insert(key.to_string(), v.clone());
                            }
                        }
                        if empty {
                            return Ok(Header { fields, table_meta, data: DataKind::Empty });
                        }
                    }
                    "FIELD" if in_table => {
                        let field = field_from(file, line, &attributes(file, line, e)?)?;
                        if empty {
                            fields.push(field);
                        } else {
                            current = Some(field);
                        }
                    }
                    "VALUES" => {
                        if let Some(field) = current.as_mut() {
                            let attrs = attributes(file, line, e)?;
                            if let Some(null) = attrs.get("null") {
                                field.null_int = null.trim().parse::<i64>().ok();
                                field.null = Some(null.clone());
                            }
                        }
                    }
                    "DESCRIPTION" if !empty => {
                        text.clear();
                        target = if current.is_some() {
                            TextTarget::FieldDescription
                        } else if in_table {
                            TextTarget::TableDescription
                        } else {
                            TextTarget::None
                        };
                    }
                    "TABLEDATA" | "BINARY" | "BINARY2" | "FITS" if in_table => {
                        if let Some(field) = current.take() {
                            fields.push(field);
                        }
                        let data = match tag {
                            "TABLEDATA" => DataKind::TableData,
                            "BINARY" => DataKind::Binary,
                            "BINARY2" => DataKind::Binary2,
                            _ => {
                                return Err(InputError::Unsupported {
                                    location: Location::line(file, line),
                                    reason: "FITS-serialised VOTable data".into(),
                                })
                            }
                        };
                        return Ok(Header {
                            fields,
                            table_meta,
                            data: if empty { DataKind::Empty } else { data },
                        });
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "FIELD" => {
                    if let Some(field) = current.take() {
                        fields.push(field);
                    }
                }
                "DESCRIPTION" => {
                    let description = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    match target {
                        TextTarget::FieldDescription => {
                            if let Some(field) = current.as_mut() {
                                field.spec.meta("description", Some(&description));
                            }
                        }
                        TextTarget::TableDescription => {
                            table_meta.insert("description".to_string(), description);
                        }
                        TextTarget::None => {}
                    }
                    target = TextTarget::None;
                }
                "TABLE" if in_table => {
                    return Ok(Header { fields, table_meta, data: DataKind::Empty });
                }
                _ => {}
            },
            Event::Text(t) if !matches!(target, TextTarget::None) => text.push_str(&t.xml10_content()),
            Event::CData(t) if !matches!(target, TextTarget::None) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if !matches!(target, TextTarget::None) => {
                text.push_str(&entity_text(file, line, r)?)
            }
            Event::Eof => {
                let reason = if !root_seen {
                    "no <VOTABLE> element".to_string()
                } else if in_table {
                    "document ends inside <TABLE>".to_string()
                } else {
                    "no <TABLE> element".to_string()
                };
                return Err(InputError::VoTable { location: Location::line(file, line), reason });
            }
            _ => {}
        }
        buf.clear();
    }
}
