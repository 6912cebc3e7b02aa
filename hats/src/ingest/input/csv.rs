//! Plain CSV (RFC 4180, header line, optionally gzip-compressed): column types are inferred from
//! a sample of the first rows, which are kept and replayed so nothing is read twice.

use std::collections::{HashMap, HashSet, VecDeque};

use super::column::{parse_f64, ColumnSpec, Shape, ValueKind};
use super::error::InputError;
use super::position::{find_position, Candidate};
use super::rows::{Row, RowReader};
use super::source::Source;
use super::text_table::{Dialect, TextTableReader, CSV_NULLS};
use super::InputOptions;

/// What the sampled values of one column allow.
#[derive(Debug, Clone, Copy)]
struct Inference {
    any: bool,
    boolean: bool,
    int: bool,
    float: bool,
}

impl Default for Inference {
    fn default() -> Self {
        Inference { any: false, boolean: true, int: true, float: true }
    }
}

impl Inference {
    fn observe(&mut self, text: &str) {
        let t = text.trim();
        if CSV_NULLS.contains(&t) {
            return;
        }
        self.any = true;
        if self.boolean && !(t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false")) {
            self.boolean = false;
        }
        if self.int && t.parse::<i64>().is_err() {
            self.int = false;
        }
        if self.float && parse_f64(t).is_none() {
            self.float = false;
        }
    }

    /// The narrowest type that holds every sampled value; a column with no value in the sample
    /// becomes a string column, the one type no later value can fail.
    fn kind(&self) -> ValueKind {
        if !self.any {
            ValueKind::Utf8
        } else if self.boolean {
            ValueKind::Boolean
        } else if self.int {
            ValueKind::Int64
        } else if self.float {
            ValueKind::Float64
        } else {
            ValueKind::Utf8
        }
    }
}

/// Opens a CSV stream whose first non-comment line is the header.
pub(crate) fn open_csv(source: Source, opts: &InputOptions) -> Result<TextTableReader, InputError> {
    let lower = source.name.to_ascii_lowercase();
    let default_delimiter =
        if lower.ends_with(".tsv") || lower.ends_with(".tsv.gz") { b'\t' } else { b',' };
    let delimiter = opts.delimiter.unwrap_or(default_delimiter);
    let mut rows = RowReader::new(&source.name, source.reader, source.compressed, delimiter);

    let mut header = Row::default();
    loop {
        if !rows.next_row(&mut header)? {
            return Err(InputError::MalformedRow {
                location: super::error::Location::file(&source.name),
                reason: "empty file: no header line".to_string(),
            });
        }
        // Comment lines before the header are common in survey exports.
        if !header.get(0).starts_with('#') || header.quoted(0) {
            break;
        }
    }
    let names = header_names(&rows, &header)?;
    rows.set_names(names.clone());

    let mut inference = vec![Inference::default(); names.len()];
    let mut pending = VecDeque::new();
    while pending.len() < opts.infer_rows {
        let mut row = Row::default();
        if !rows.next_row(&mut row)? {
            break;
        }
        for (i, inf) in inference.iter_mut().enumerate().take(row.len()) {
            inf.observe(row.get(i));
        }
        pending.push_back(row);
    }

    let candidates: Vec<Candidate<'_>> =
        names.iter().map(|n| Candidate { name: n, ucd: None }).collect();
    let position = find_position(
        &source.name,
        &candidates,
        opts.ra_column.as_deref(),
        opts.dec_column.as_deref(),
        opts.require_position,
    )?;

    let specs = names
        .iter()
        .zip(&inference)
        .enumerate()
        .map(|(i, (name, inf))| {
            // Positions are always degrees as float64: a bad value must be reported where it
            // is, not silently turn the column into strings.
            let is_position =
                position.as_ref().is_some_and(|p| p.ra_index == i || p.dec_index == i);
            let kind = if is_position { ValueKind::Float64 } else { inf.kind() };
            let mut spec = ColumnSpec::new(name, kind, Shape::Scalar);
            if is_position {
                spec.meta("unit", Some("deg"));
            }
            spec
        })
        .collect();
    Ok(TextTableReader::new(
        rows,
        specs,
        HashMap::new(),
        Dialect::Csv,
        pending,
        opts.batch_size,
        position,
    ))
}

fn header_names(rows: &RowReader, header: &Row) -> Result<Vec<String>, InputError> {
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(header.len());
    for i in 0..header.len() {
        let mut name = header.get(i).trim().to_string();
        if name.is_empty() {
            name = format!("col{}", i + 1);
        }
        if !seen.insert(name.clone()) {
            return Err(InputError::MalformedRow {
                location: super::error::Location::cell(rows.name(), header.line, i + 1, Some(&name)),
                reason: "duplicate column name in header".to_string(),
            });
        }
        names.push(name);
    }
    Ok(names)
}
