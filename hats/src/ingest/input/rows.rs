//! Splitting delimited text (CSV, ECSV) into rows of fields, keeping the 1-based line number each
//! row starts on.
//!
//! RFC 4180 quoting: a field may be enclosed in `"`, with `""` standing for a quote; a quoted
//! field may span lines. A quote that is never closed, or a closing quote followed by anything but
//! a delimiter, is reported as an unbalanced quote at the line where the field opened: that is
//! where a curator has to look, not at the end of the file the quote swallowed.
//!
//! Hand-written rather than the `csv` crate, which cannot do three things this needs: say whether
//! a field was quoted (in CSV a quoted empty string is a value, an unquoted one a null; a quoted
//! `"#..."` first field is not a comment), treat a run of spaces as one delimiter (ECSV with
//! `delimiter: ' '`), and reject malformed quoting (csv-core copies text after a closing quote
//! into the field and lets a quote that is never closed swallow the rest of the file, buffering
//! it whole).

use std::io::BufRead;

use super::error::{InputError, Location};
use super::source::io_error;

/// A quoted field longer than this is taken as an unbalanced quote rather than data, so a stray
/// quote cannot make the reader buffer the rest of a multi-gigabyte file.
const MAX_QUOTED_FIELD: usize = 1 << 20;

/// One row: its fields as text, and whether each was quoted.
#[derive(Debug, Default, Clone)]
pub(crate) struct Row {
    /// 1-based line the row starts on.
    pub line: u64,
    text: String,
    bounds: Vec<(usize, usize, bool)>,
}

impl Row {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Field `i` (0-based) as text, quotes removed.
    pub fn get(&self, i: usize) -> &str {
        self.bounds.get(i).map(|&(s, e, _)| &self.text[s..e]).unwrap_or("")
    }

    /// Whether field `i` was quoted (a quoted empty string is a value, not a null, in CSV).
    pub fn quoted(&self, i: usize) -> bool {
        self.bounds.get(i).map(|b| b.2).unwrap_or(false)
    }
}

/// Reads rows from a text stream.
pub(crate) struct RowReader {
    name: String,
    reader: Box<dyn BufRead + Send>,
    compressed: bool,
    delimiter: u8,
    /// ECSV with a space delimiter: runs of spaces separate fields, edge spaces are ignored.
    collapse_spaces: bool,
    /// 1-based number of the next line to be read.
    next_line: u64,
    /// Column names for error messages, once the header is known.
    names: Vec<String>,
    raw: Vec<u8>,
    bytes: Vec<u8>,
}

impl RowReader {
    pub fn new(
        name: &str,
        reader: Box<dyn BufRead + Send>,
        compressed: bool,
        delimiter: u8,
    ) -> Self {
        RowReader {
            name: name.to_string(),
            reader,
            compressed,
            delimiter,
            collapse_spaces: delimiter == b' ',
            next_line: 1,
            names: Vec::new(),
            raw: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// The file name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the column names used in error locations.
    pub fn set_names(&mut self, names: Vec<String>) {
        self.names = names;
    }

    /// Changes the delimiter (ECSV declares it in its header).
    pub fn set_delimiter(&mut self, delimiter: u8) {
        self.delimiter = delimiter;
        self.collapse_spaces = delimiter == b' ';
    }

    /// A location for 1-based column `index` on `line`.
    pub fn cell(&self, line: u64, index: usize) -> Location {
        let name = self.names.get(index.wrapping_sub(1)).map(String::as_str);
        Location::cell(&self.name, line, index, name)
    }

    /// Reads one physical line into `self.raw` (without the line terminator) and returns its
    /// number, or `None` at the end of the stream.
    pub fn read_line(&mut self) -> Result<Option<u64>, InputError> {
        self.raw.clear();
        let line = self.next_line;
        let n = self
            .reader
            .read_until(b'\n', &mut self.raw)
            .map_err(|e| io_error(&self.name, self.compressed, Some(line), e))?;
        if n == 0 {
            return Ok(None);
        }
        self.next_line += 1;
        if self.raw.last() == Some(&b'\n') {
            self.raw.pop();
        }
        if self.raw.last() == Some(&b'\r') {
            self.raw.pop();
        }
        if line == 1 && self.raw.starts_with(&[0xef, 0xbb, 0xbf]) {
            self.raw.drain(..3);
        }
        Ok(Some(line))
    }

    /// The last line read by [`read_line`](Self::read_line), as text.
    pub fn line_text(&self) -> Result<&str, InputError> {
        std::str::from_utf8(&self.raw).map_err(|_| InputError::MalformedRow {
            location: Location::line(&self.name, self.next_line.saturating_sub(1)),
            reason: "line is not valid UTF-8".to_string(),
        })
    }

    /// Reads the next non-blank row into `row`; `false` at the end of the stream.
    pub fn next_row(&mut self, row: &mut Row) -> Result<bool, InputError> {
        loop {
            let Some(line) = self.read_line()? else { return Ok(false) };
            if self.raw.iter().all(|b| *b == b' ' || *b == b'\t') {
                continue;
            }
            row.line = line;
            self.split(row)?;
            return Ok(true);
        }
    }

    /// Splits the last line read (continuing onto further lines inside quotes) into `row`;
    /// `row.line` must already be set.
    pub fn split(&mut self, row: &mut Row) -> Result<(), InputError> {
        row.bounds.clear();
        self.bytes.clear();
        let delim = self.delimiter;
        let mut i = 0usize;
        if self.collapse_spaces {
            i = skip_spaces(&self.raw, i);
        }
        loop {
            let field_index = row.bounds.len() + 1;
            let start = self.bytes.len();
            let quoted = self.raw.get(i) == Some(&b'"');
            if quoted {
                i += 1;
                loop {
                    match self.raw[i..].iter().position(|b| *b == b'"') {
                        Some(q) => {
                            self.bytes.extend_from_slice(&self.raw[i..i + q]);
                            i += q + 1;
                            if self.raw.get(i) == Some(&b'"') {
                                self.bytes.push(b'"');
                                i += 1;
                                continue;
                            }
                            break;
                        }
                        None => {
                            self.bytes.extend_from_slice(&self.raw[i..]);
                            self.bytes.push(b'\n');
                            if self.bytes.len() - start > MAX_QUOTED_FIELD
                                || self.read_line()?.is_none()
                            {
                                return Err(InputError::MalformedRow {
                                    location: self.cell(row.line, field_index),
                                    reason: "unbalanced quote: the quoted field opened here is \
                                             never closed"
                                        .to_string(),
                                });
                            }
                            i = 0;
                        }
                    }
                }
                let next = self.raw.get(i).copied();
                let at_separator = next.is_none()
                    || next == Some(delim)
                    || (self.collapse_spaces && next == Some(b' '));
                if !at_separator {
                    return Err(InputError::MalformedRow {
                        location: self.cell(row.line, field_index),
                        reason: "unbalanced quote: text follows the closing quote of this field"
                            .to_string(),
                    });
                }
            } else {
                let rest = &self.raw[i..];
                let end = if self.collapse_spaces {
                    rest.iter().position(|b| *b == b' ' || *b == b'\t')
                } else {
                    rest.iter().position(|b| *b == delim)
                }
                .unwrap_or(rest.len());
                self.bytes.extend_from_slice(&rest[..end]);
                i += end;
            }
            row.bounds.push((start, self.bytes.len(), quoted));
            if i >= self.raw.len() {
                break;
            }
            // At a delimiter.
            i += 1;
            if self.collapse_spaces {
                i = skip_spaces(&self.raw, i);
                if i >= self.raw.len() {
                    break;
                }
            } else if i == self.raw.len() {
                // A trailing delimiter ends with an empty last field.
                row.bounds.push((self.bytes.len(), self.bytes.len(), false));
                break;
            }
        }
        row.text.clear();
        match std::str::from_utf8(&self.bytes) {
            Ok(s) => row.text.push_str(s),
            Err(e) => {
                let bad = e.valid_up_to();
                let index = row.bounds.iter().position(|b| b.1 > bad).unwrap_or(0) + 1;
                return Err(InputError::MalformedRow {
                    location: self.cell(row.line, index),
                    reason: "field is not valid UTF-8".to_string(),
                });
            }
        }
        Ok(())
    }
}

fn skip_spaces(raw: &[u8], mut i: usize) -> usize {
    while i < raw.len() && (raw[i] == b' ' || raw[i] == b'\t') {
        i += 1;
    }
    i
}
