//! TABLEDATA rows (VOTable 1.4 §5.1): `<TR>` of `<TD>` cells, in FIELD order.
//!
//! Nulls: an empty cell, the FIELD's `VALUES null` value, `NaN` for floating point, `?` for
//! booleans (VOTable 1.4 §6). Array cells are whitespace-separated values; char arrays are text.

use quick_xml::events::Event;

use super::super::column::{ColumnBuilder, ParseFailure, Shape, ValueKind};
use super::super::error::{InputError, Location};
use super::header::VoField;
use super::{entity_text, xml_error, VoTableInput};

impl VoTableInput {
    /// Appends up to a batch of rows; returns the row count and whether more may follow.
    pub(super) fn tabledata_rows(
        &mut self,
        builders: &mut [ColumnBuilder],
    ) -> Result<(usize, bool), InputError> {
        let mut rows = 0;
        let mut cell = String::new();
        let mut in_td = false;
        let mut col = 0usize;
        let mut row_line = 0u64;
        let mut cell_line = 0u64;
        let mut buf = std::mem::take(&mut self.buf);
        let result = loop {
            buf.clear();
            let line = self.line();
            let event = match self.xml.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => break Err(xml_error(&self.name, &self.xml, e)),
            };
            match event {
                Event::Start(e) if !in_td => match e.local_name().as_ref() {
                    "TR" => {
                        row_line = line;
                        col = 0;
                    }
                    "TD" => {
                        cell.clear();
                        cell_line = line;
                        in_td = true;
                    }
                    other => break Err(self.error(format!("unexpected <{other}> inside TABLEDATA"))),
                },
                Event::Empty(e) if !in_td => match e.local_name().as_ref() {
                    "TD" => {
                        if let Err(e) = self.push_cell(builders, col, line, "") {
                            break Err(e);
                        }
                        col += 1;
                    }
                    other => break Err(self.error(format!("unexpected <{other}/> inside TABLEDATA"))),
                },
                Event::Text(t) if in_td => cell.push_str(&t.xml10_content()),
                Event::CData(t) if in_td => cell.push_str(&t.xml10_content()),
                Event::GeneralRef(r) if in_td => match entity_text(&self.name, line, &r) {
                    Ok(s) => cell.push_str(&s),
                    Err(e) => break Err(e),
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "TD" => {
                        in_td = false;
                        if let Err(e) = self.push_cell(builders, col, cell_line, &cell) {
                            break Err(e);
                        }
                        col += 1;
                    }
                    "TR" => {
                        if col != self.fields.len() {
                            break Err(InputError::MalformedRow {
                                location: self.cell_location(row_line, col),
                                reason: format!(
                                    "expected {} TD cells, found {col}",
                                    self.fields.len()
                                ),
                            });
                        }
                        rows += 1;
                        if rows == self.batch_size {
                            break Ok((rows, true));
                        }
                    }
                    "TABLEDATA" => break Ok((rows, false)),
                    other => break Err(self.error(format!("unexpected </{other}> in TABLEDATA"))),
                },
                Event::Eof => break Err(self.error("document ends inside TABLEDATA")),
                _ => {}
            }
        };
        self.buf = buf;
        result
    }

    /// A location naming the 0-based column `col` (reported 1-based) on `line`.
    fn cell_location(&self, line: u64, col: usize) -> Location {
        let name = self.fields.get(col).map(|f| f.spec.name.as_str());
        Location::cell(&self.name, line, col + 1, name)
    }

    fn push_cell(
        &self,
        builders: &mut [ColumnBuilder],
        col: usize,
        line: u64,
        text: &str,
    ) -> Result<(), InputError> {
        let (Some(field), Some(builder)) = (self.fields.get(col), builders.get_mut(col)) else {
            return Err(InputError::MalformedRow {
                location: self.cell_location(line, col),
                reason: format!("more TD cells than the {} FIELDs", self.fields.len()),
            });
        };
        push_td(field, builder, text).map_err(|_| InputError::BadValue {
            location: self.cell_location(line, col),
            value: text.to_string(),
            expected: field.spec.metadata.get("datatype").cloned().unwrap_or_else(|| field.spec.type_name()),
        })
    }
}

fn is_null_token(field: &VoField, item: &str) -> bool {
    item.is_empty()
        || field.null.as_deref() == Some(item)
        || (field.spec.kind == ValueKind::Boolean && item == "?")
        || (field.spec.kind.is_float() && item.eq_ignore_ascii_case("nan"))
}

fn push_td(field: &VoField, builder: &mut ColumnBuilder, text: &str) -> Result<(), ParseFailure> {
    if field.spec.kind == ValueKind::Utf8 {
        if text.is_empty() || field.null.as_deref() == Some(text) {
            builder.push_null();
            return Ok(());
        }
        return builder.push_text(text);
    }
    let t = text.trim();
    match builder.shape() {
        Shape::Scalar => {
            if is_null_token(field, t) {
                builder.push_null();
                Ok(())
            } else {
                builder.push_text(t)
            }
        }
        Shape::List | Shape::Fixed(_) => {
            if t.is_empty() {
                builder.push_null();
                return Ok(());
            }
            let mut count = 0;
            for item in t.split_whitespace() {
                if field.null.as_deref() == Some(item)
                    || (field.spec.kind == ValueKind::Boolean && item == "?")
                {
                    builder.values.push_null();
                } else {
                    builder.values.push_text(item)?;
                }
                count += 1;
            }
            builder.end_array(count)
        }
    }
}
