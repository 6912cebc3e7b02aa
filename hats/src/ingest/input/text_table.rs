//! Turning delimited rows (CSV or ECSV) into Arrow batches of bounded size.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use super::column::{ColumnBuilder, ColumnSpec, ParseFailure, Shape, ValueKind};
use super::error::InputError;
use super::position::PositionColumns;
use super::rows::{Row, RowReader};
use super::InputReader;

/// Tokens read as null in non-string CSV columns. CSV has no null convention, so this is the
/// union of what astronomy tools write: empty, SQL/Gaia `null`, pandas `NaN`/`NA`, Postgres `\N`.
pub(crate) const CSV_NULLS: &[&str] =
    &["", "null", "NULL", "Null", "None", "none", "NaN", "nan", "NAN", "NA", "N/A", "n/a", "\\N"];

/// How null cells are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Plain CSV: see [`CSV_NULLS`]; in string columns only unquoted empty/`null`/`\N`.
    Csv,
    /// ECSV 1.0: an empty field is masked; Gaia bulk files also write `null`; plus the column's
    /// declared null token. `nan` stays a float NaN, as astropy writes unmasked NaN values.
    Ecsv,
}

/// A streaming reader over a delimited text table whose columns are known.
pub(crate) struct TextTableReader {
    rows: RowReader,
    specs: Vec<ColumnSpec>,
    schema: SchemaRef,
    dialect: Dialect,
    pending: VecDeque<Row>,
    batch_size: usize,
    position: Option<PositionColumns>,
    scratch: Row,
    finished: bool,
}

impl TextTableReader {
    pub fn new(
        rows: RowReader,
        specs: Vec<ColumnSpec>,
        table_metadata: HashMap<String, String>,
        dialect: Dialect,
        pending: VecDeque<Row>,
        batch_size: usize,
        position: Option<PositionColumns>,
    ) -> Self {
        let fields: Vec<_> = specs.iter().map(ColumnSpec::field).collect();
        let schema = Arc::new(Schema::new_with_metadata(fields, table_metadata));
        TextTableReader {
            rows,
            specs,
            schema,
            dialect,
            pending,
            batch_size: batch_size.max(1),
            position,
            scratch: Row::default(),
            finished: false,
        }
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, InputError> {
        let mut builders: Vec<ColumnBuilder> =
            self.specs.iter().map(|s| ColumnBuilder::new(s, self.batch_size)).collect();
        let mut n = 0;
        while n < self.batch_size {
            if let Some(row) = self.pending.pop_front() {
                append_row(&self.specs, &self.rows, self.dialect, &row, &mut builders)?;
            } else if self.rows.next_row(&mut self.scratch)? {
                append_row(&self.specs, &self.rows, self.dialect, &self.scratch, &mut builders)?;
            } else {
                break;
            }
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        let columns = builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| InputError::Arrow { file: self.rows.name().to_string(), source })?;
        RecordBatch::try_new(self.schema.clone(), columns)
            .map(Some)
            .map_err(|source| InputError::Arrow { file: self.rows.name().to_string(), source })
    }
}

fn is_null(dialect: Dialect, spec: &ColumnSpec, text: &str, quoted: bool) -> bool {
    match dialect {
        Dialect::Csv => {
            if spec.kind == ValueKind::Utf8 && spec.shape == Shape::Scalar {
                !quoted && matches!(text, "" | "null" | "NULL" | "\\N")
            } else {
                CSV_NULLS.contains(&text.trim())
            }
        }
        Dialect::Ecsv => {
            text.is_empty() || text == "null" || spec.null_token.as_deref() == Some(text)
        }
    }
}

fn append_row(
    specs: &[ColumnSpec],
    rows: &RowReader,
    dialect: Dialect,
    row: &Row,
    builders: &mut [ColumnBuilder],
) -> Result<(), InputError> {
    if row.len() != specs.len() {
        let index = row.len().min(specs.len()) + 1;
        return Err(InputError::MalformedRow {
            location: rows.cell(row.line, index),
            reason: format!("expected {} fields, found {}", specs.len(), row.len()),
        });
    }
    for (i, (spec, builder)) in specs.iter().zip(builders.iter_mut()).enumerate() {
        let text = row.get(i);
        if is_null(dialect, spec, text, row.quoted(i)) {
            builder.push_null();
            continue;
        }
        let result = match spec.shape {
            Shape::Scalar => builder.push_text(text),
            Shape::List | Shape::Fixed(_) => push_json_array(builder, spec.kind, text),
        };
        if result.is_err() {
            return Err(InputError::BadValue {
                location: rows.cell(row.line, i + 1),
                value: text.to_string(),
                expected: spec.type_name(),
            });
        }
    }
    Ok(())
}

/// Parses an ECSV array cell: JSON text such as `[1.0,2.5,null]` (ECSV 1.0 "subtype" columns;
/// nested multidimensional arrays are flattened in row-major order).
fn push_json_array(
    builder: &mut ColumnBuilder,
    kind: ValueKind,
    text: &str,
) -> Result<(), ParseFailure> {
    let t = text.trim();
    if !(t.starts_with('[') && t.ends_with(']')) {
        return Err(ParseFailure);
    }
    if kind == ValueKind::Utf8 {
        let value: serde_json::Value = serde_json::from_str(t).map_err(|_| ParseFailure)?;
        let mut items = Vec::new();
        flatten_json(&value, &mut items);
        for item in &items {
            match item {
                None => builder.values.push_null(),
                Some(s) => builder.values.push_str(s)?,
            }
        }
        return builder.end_array(items.len());
    }
    let inner: String = t.chars().filter(|c| *c != '[' && *c != ']').collect();
    let mut count = 0;
    if !inner.trim().is_empty() {
        for item in inner.split(',') {
            let item = item.trim();
            if item == "null" {
                builder.values.push_null();
            } else {
                builder.values.push_text(item)?;
            }
            count += 1;
        }
    }
    builder.end_array(count)
}

fn flatten_json(value: &serde_json::Value, out: &mut Vec<Option<String>>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| flatten_json(v, out)),
        serde_json::Value::Null => out.push(None),
        serde_json::Value::String(s) => out.push(Some(s.clone())),
        other => out.push(Some(other.to_string())),
    }
}

impl Iterator for TextTableReader {
    type Item = Result<RecordBatch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_batch() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

impl InputReader for TextTableReader {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn position_columns(&self) -> Option<&PositionColumns> {
        self.position.as_ref()
    }
}
