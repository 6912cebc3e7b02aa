//! VOTable input (VOTable 1.4/1.5): the first TABLE, serialised as TABLEDATA, BINARY or BINARY2
//! (base64 STREAM), read with `quick-xml` as a stream of events so memory stays bounded by the
//! batch size, whatever the document size.

mod binary;
mod header;
mod tabledata;

use std::io::{BufRead, Read};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use super::column::{ColumnBuilder, ColumnSpec};
use super::error::{ColumnRef, InputError, Location};
use super::position::{find_position, Candidate, PositionColumns};
use super::source::Source;
use super::{InputOptions, InputReader};
use binary::BinaryState;
use header::{read_header, DataKind, VoField};

/// Counts the newlines the XML parser has consumed, so errors can name a line: quick-xml only
/// knows byte offsets.
pub(crate) struct LineCounter<R> {
    inner: R,
    line: u64,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter { inner, line: 1 }
    }

    /// The 1-based line of the next unread byte.
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.line += out[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The buffer is already filled (callers consume only what fill_buf returned), so this
        // fill_buf does no I/O.
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amount.min(buf.len());
            self.line += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.inner.consume(amount);
    }
}

pub(crate) type XmlReader<R> = Reader<LineCounter<R>>;

pub(crate) fn xml_error<R>(file: &str, xml: &XmlReader<R>, e: quick_xml::Error) -> InputError {
    InputError::VoTable { location: Location::line(file, xml.get_ref().line()), reason: e.to_string() }
}

/// The text an entity or character reference stands for.
pub(crate) fn entity_text(file: &str, line: u64, r: &BytesRef<'_>) -> Result<String, InputError> {
    let bad = |reason: String| InputError::VoTable { location: Location::line(file, line), reason };
    if let Some(c) = r.resolve_char_ref().map_err(|e| bad(e.to_string()))? {
        return Ok(c.to_string());
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| bad(format!("unknown entity &{name};")))
}

/// Column descriptions (name and metadata) from a data-less VOTable document, as embedded in
/// VOParquet files.
pub(crate) fn header_fields_from_str(doc: &str) -> Result<Vec<ColumnSpec>, InputError> {
    let mut xml = Reader::from_reader(LineCounter::new(doc.as_bytes()));
    let header = read_header(&mut xml, "VOParquet metadata")?;
    Ok(header.fields.into_iter().map(|f| f.spec).collect())
}

enum Mode {
    TableData,
    Binary(BinaryState),
    Done,
}

/// Streams the first TABLE of a VOTable document.
pub(crate) struct VoTableInput {
    name: String,
    xml: XmlReader<Box<dyn BufRead + Send>>,
    fields: Vec<VoField>,
    schema: SchemaRef,
    position: Option<PositionColumns>,
    batch_size: usize,
    mode: Mode,
    buf: Vec<u8>,
}

/// Opens a VOTable stream (the caller has checked it starts with `<`).
pub(crate) fn open_votable(source: Source, opts: &InputOptions) -> Result<VoTableInput, InputError> {
    let name = source.name.clone();
    let mut xml = Reader::from_reader(LineCounter::new(source.reader));
    let header = read_header(&mut xml, &name)?;

    let candidates: Vec<Candidate<'_>> = header
        .fields
        .iter()
        .map(|f| Candidate {
            name: &f.spec.name,
            ucd: f.spec.metadata.get("ucd").map(String::as_str),
        })
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
            let spec = &header.fields[index].spec;
            if !(spec.kind.is_numeric() && spec.shape == super::column::Shape::Scalar) {
                return Err(InputError::PositionColumnType {
                    location: Location {
                        file: name.clone(),
                        line: None,
                        column: Some(ColumnRef { index: index + 1, name: Some(spec.name.clone()) }),
                    },
                    found: spec.metadata.get("datatype").cloned().unwrap_or_default(),
                });
            }
        }
    }

    let schema = Arc::new(Schema::new_with_metadata(
        header.fields.iter().map(|f| f.spec.field()).collect::<Vec<_>>(),
        header.table_meta.clone(),
    ));
    let mut input = VoTableInput {
        name,
        xml,
        fields: header.fields,
        schema,
        position,
        batch_size: opts.batch_size.max(1),
        mode: Mode::Done,
        buf: Vec::new(),
    };
    input.mode = match header.data {
        DataKind::Empty => Mode::Done,
        DataKind::TableData => Mode::TableData,
        DataKind::Binary => Mode::Binary(input.open_stream(false)?),
        DataKind::Binary2 => Mode::Binary(input.open_stream(true)?),
    };
    Ok(input)
}

impl VoTableInput {
    fn line(&self) -> u64 {
        self.xml.get_ref().line()
    }

    fn error(&self, reason: impl Into<String>) -> InputError {
        InputError::VoTable { location: Location::line(&self.name, self.line()), reason: reason.into() }
    }

    fn builders(&self) -> Vec<ColumnBuilder> {
        self.fields.iter().map(|f| ColumnBuilder::new(&f.spec, self.batch_size)).collect()
    }

    fn finish(&self, builders: &mut [ColumnBuilder]) -> Result<RecordBatch, InputError> {
        let columns = builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| InputError::Arrow { file: self.name.clone(), source })?;
        RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|source| InputError::Arrow { file: self.name.clone(), source })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, InputError> {
        let mut builders = self.builders();
        let rows = match std::mem::replace(&mut self.mode, Mode::Done) {
            Mode::Done => return Ok(None),
            Mode::TableData => {
                let (rows, more) = self.tabledata_rows(&mut builders)?;
                if more {
                    self.mode = Mode::TableData;
                }
                rows
            }
            Mode::Binary(mut state) => {
                let (rows, more) = self.binary_rows(&mut state, &mut builders)?;
                if more {
                    self.mode = Mode::Binary(state);
                }
                rows
            }
        };
        if rows == 0 {
            return Ok(None);
        }
        self.finish(&mut builders).map(Some)
    }
}

impl Iterator for VoTableInput {
    type Item = Result<RecordBatch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_batch() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => None,
            Err(e) => {
                self.mode = Mode::Done;
                Some(Err(e))
            }
        }
    }
}

impl InputReader for VoTableInput {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn position_columns(&self) -> Option<&PositionColumns> {
        self.position.as_ref()
    }
}

/// Reads the next event, skipping whitespace and comments.
fn next_significant<R: BufRead>(
    xml: &mut XmlReader<R>,
    buf: &mut Vec<u8>,
    file: &str,
) -> Result<Event<'static>, InputError> {
    loop {
        buf.clear();
        let event = xml.read_event_into(buf).map_err(|e| xml_error(file, xml, e))?;
        match event {
            Event::Text(t) if t.xml10_content().trim().is_empty() => continue,
            Event::Comment(_) | Event::PI(_) => continue,
            other => return Ok(other.into_owned()),
        }
    }
}
