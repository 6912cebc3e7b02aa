//! ECSV 1.0 (astropy APE 6), as written by astropy and by the Gaia DR1–DR3 bulk `.csv.gz` files.
//!
//! The header is `# %ECSV 1.0`, `# ---`, then YAML (each line prefixed by `# `) with `delimiter`
//! (space or comma, default space), `datatype` (one entry per column: `name`, `datatype`, and
//! optional `unit`, `description`, `format`, `meta`, `subtype`) and table `meta`. The first line
//! after the header repeats the column names. Array columns have `datatype: string` and a
//! `subtype` such as `float64[55]` or `float64[null]` (variable length), their cells being JSON
//! arrays; `subtype: json` marks arbitrary JSON, kept as text here.

use std::collections::{HashMap, VecDeque};

use serde_norway::Value;

use super::column::{ColumnSpec, Shape, ValueKind};
use super::error::{InputError, Location};
use super::position::{find_position, Candidate};
use super::rows::{Row, RowReader};
use super::source::Source;
use super::text_table::{Dialect, TextTableReader};
use super::InputOptions;

/// Opens an ECSV stream (the caller has checked it starts with `# %ECSV`).
pub(crate) fn open_ecsv(source: Source, opts: &InputOptions) -> Result<TextTableReader, InputError> {
    let name = source.name.clone();
    let mut rows = RowReader::new(&name, source.reader, source.compressed, b' ');
    let bad = |line: u64, reason: String| InputError::EcsvHeader {
        location: Location::line(&name, line),
        reason,
    };

    // Collect the `# ` lines; the first non-comment line holds the column names.
    let mut header: Vec<(u64, String)> = Vec::new();
    let names_line = loop {
        let Some(line) = rows.read_line()? else {
            return Err(bad(header.len() as u64 + 1, "file ends inside the header".into()));
        };
        let text = rows.line_text()?;
        if let Some(rest) = text.strip_prefix('#') {
            header.push((line, rest.strip_prefix(' ').unwrap_or(rest).to_string()));
        } else if text.trim().is_empty() {
            continue;
        } else {
            break line;
        }
    };
    let first = header.first().map(|(_, t)| t.trim()).unwrap_or("");
    let version = first.strip_prefix("%ECSV").map(str::trim);
    match version {
        Some("1.0") | Some("0.9") => {}
        Some(v) => return Err(bad(1, format!("unsupported ECSV version {v:?} (1.0 is read)"))),
        None => return Err(bad(1, "first line must be '# %ECSV 1.0'".into())),
    }
    let Some(start) = header.iter().position(|(_, t)| t.trim_end() == "---") else {
        return Err(bad(2, "missing '# ---' line that starts the YAML header".into()));
    };
    let first_yaml_line = header[start].0;
    let yaml: String = header[start..].iter().map(|(_, t)| format!("{t}\n")).collect();
    let doc: Value = serde_norway::from_str(&yaml).map_err(|e| {
        let offset = e.location().map(|l| l.line() as u64).unwrap_or(1);
        bad(first_yaml_line + offset.saturating_sub(1), format!("YAML: {e}"))
    })?;
    let header_line_of = |needle: &str| {
        header.iter().find(|(_, t)| t.contains(needle)).map(|(l, _)| *l).unwrap_or(first_yaml_line)
    };

    let delimiter = match doc.get("delimiter").and_then(Value::as_str) {
        None | Some(" ") => b' ',
        Some(",") => b',',
        Some(other) => {
            return Err(bad(
                header_line_of("delimiter"),
                format!("delimiter must be ' ' or ',', found {other:?}"),
            ))
        }
    };
    rows.set_delimiter(delimiter);

    let Some(columns) = doc.get("datatype").and_then(Value::as_sequence) else {
        return Err(bad(first_yaml_line, "no 'datatype' list of columns".into()));
    };
    let mut specs = Vec::with_capacity(columns.len());
    for column in columns {
        let Some(col_name) = column.get("name").and_then(scalar_string) else {
            return Err(bad(header_line_of("datatype"), "a datatype entry has no 'name'".into()));
        };
        let line = header_line_of(&format!("name: {col_name}"));
        specs.push(column_spec(&col_name, column).map_err(|reason| bad(line, reason))?);
    }

    // The column-name line must repeat the header's names, in order (ECSV 1.0).
    let mut names_row = Row::default();
    names_row.line = names_line;
    rows.split(&mut names_row)?;
    let found: Vec<&str> = (0..names_row.len()).map(|i| names_row.get(i)).collect();
    let expected: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    if found != expected {
        return Err(bad(
            names_line,
            format!(
                "column names line [{}] does not match the header's datatype names [{}]",
                found.join(", "),
                expected.join(", ")
            ),
        ));
    }
    rows.set_names(specs.iter().map(|s| s.name.clone()).collect());

    let candidates: Vec<Candidate<'_>> = specs
        .iter()
        .map(|s| Candidate { name: &s.name, ucd: s.metadata.get("ucd").map(String::as_str) })
        .collect();
    let position = find_position(
        &name,
        &candidates,
        opts.ra_column.as_deref(),
        opts.dec_column.as_deref(),
        opts.require_position,
    )?;
    if let Some(p) = &position {
        for index in [p.ra_index, p.dec_index] {
            let spec = &specs[index];
            if !(spec.kind.is_numeric() && spec.shape == Shape::Scalar) {
                return Err(InputError::PositionColumnType {
                    location: Location {
                        file: name.clone(),
                        line: Some(header_line_of(&format!("name: {}", spec.name))),
                        column: Some(super::error::ColumnRef {
                            index: index + 1,
                            name: Some(spec.name.clone()),
                        }),
                    },
                    found: spec.type_name(),
                });
            }
        }
    }

    let table_meta: HashMap<String, String> = doc
        .get("meta")
        .map(meta_entries)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| scalar_string(&v).map(|s| (k, s)))
        .collect();
    Ok(TextTableReader::new(
        rows,
        specs,
        table_meta,
        Dialect::Ecsv,
        VecDeque::new(),
        opts.batch_size,
        position,
    ))
}

/// Builds a column from one `datatype` entry.
fn column_spec(name: &str, column: &Value) -> Result<ColumnSpec, String> {
    let datatype = column.get("datatype").and_then(Value::as_str).unwrap_or("string");
    let kind = value_kind(datatype)
        .ok_or_else(|| format!("column '{name}': unsupported datatype {datatype:?}"))?;
    let (kind, shape) = match column.get("subtype").and_then(Value::as_str) {
        None => (kind, Shape::Scalar),
        Some("json") => (ValueKind::Utf8, Shape::Scalar),
        Some(sub) => {
            // `float64[55]`, `float64[null]`, `int64[2,3]`: element type then shape.
            let element = sub.split('[').next().unwrap_or(sub);
            let element_kind = value_kind(element)
                .ok_or_else(|| format!("column '{name}': unsupported subtype {sub:?}"))?;
            if !sub.contains('[') {
                (element_kind, Shape::Scalar)
            } else {
                (element_kind, Shape::List)
            }
        }
    };
    let mut spec = ColumnSpec::new(name, kind, shape);
    spec.meta("unit", column.get("unit").and_then(scalar_string).as_deref());
    spec.meta("description", column.get("description").and_then(scalar_string).as_deref());
    if let Some(meta) = column.get("meta") {
        for (key, value) in meta_entries(meta) {
            if let Some(text) = scalar_string(&value) {
                if key == "null_value" {
                    spec.null_token = Some(text);
                } else {
                    spec.meta(&key, Some(&text));
                }
            }
        }
    }
    if let Some(token) = column.get("null_value").and_then(scalar_string) {
        spec.null_token = Some(token);
    }
    Ok(spec)
}

fn value_kind(datatype: &str) -> Option<ValueKind> {
    Some(match datatype {
        "bool" => ValueKind::Boolean,
        "int8" => ValueKind::Int8,
        "int16" => ValueKind::Int16,
        "int32" => ValueKind::Int32,
        "int64" => ValueKind::Int64,
        "uint8" => ValueKind::UInt8,
        "uint16" => ValueKind::UInt16,
        "uint32" => ValueKind::UInt32,
        "uint64" => ValueKind::UInt64,
        "float16" | "float32" => ValueKind::Float32,
        // float128 has no Arrow type; float64 keeps every value astropy would print.
        "float64" | "float128" => ValueKind::Float64,
        "string" | "object" => ValueKind::Utf8,
        _ => return None,
    })
}

/// `meta` is a mapping, or astropy's `!!omap`: a sequence of one-entry mappings.
fn meta_entries(meta: &Value) -> Vec<(String, Value)> {
    match meta {
        Value::Mapping(map) => map
            .iter()
            .filter_map(|(k, v)| scalar_string(k).map(|k| (k, v.clone())))
            .collect(),
        Value::Sequence(items) => items.iter().flat_map(meta_entries).collect(),
        Value::Tagged(tagged) => meta_entries(&tagged.value),
        _ => Vec::new(),
    }
}

/// A YAML scalar as text (numbers and booleans too: a UCD or unit is never a list).
fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_string(&t.value),
        _ => None,
    }
}
