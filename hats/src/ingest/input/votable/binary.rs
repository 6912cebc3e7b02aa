//! BINARY and BINARY2 serialisations (VOTable 1.4 §5.4–5.5): a base64 `<STREAM>` of rows, fields
//! big-endian in FIELD order, variable-length arrays prefixed by a 4-byte element count; BINARY2
//! rows start with a null bitmap of ceil(nfields/8) bytes, most significant bit first.
//!
//! The base64 text is decoded as it is read from the XML source (through quick-xml's raw
//! `stream()` access): a BINARY2 STREAM is a single XML text node that can be gigabytes long,
//! and quick-xml would otherwise buffer it whole.

use std::io::BufRead;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, DecodeError, Engine};
use quick_xml::events::Event;

use super::super::column::{ColumnBuilder, Shape, Values};
use super::super::error::{InputError, Location};
use super::header::{ArraySize, VoType};
use super::{next_significant, VoTableInput};

/// Compact the decoded buffer once this much of it has been consumed.
const COMPACT_AT: usize = 1 << 20;
/// Base64 text decoded per refill.
const CHUNK: usize = 256 * 1024;

/// The base64 VOTable writers produce (RFC 2045 alphabet). Decoding is lenient where writers
/// differ and no data is at stake: padding may be absent at the very end, and the unused low
/// bits of a final symbol need not be zero.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decoding state of one STREAM.
pub(crate) struct BinaryState {
    binary2: bool,
    decoded: Vec<u8>,
    pos: usize,
    /// Base64 symbols read but not decoded yet: fewer than four, an incomplete quad whose rest
    /// arrives with the next chunk of text.
    symbols: Vec<u8>,
    /// The STREAM's closing `<` has been reached: no more bytes.
    exhausted: bool,
    stream_line: u64,
}

impl BinaryState {
    /// Decodes base64 text, keeping an incomplete quad for the next call. Whitespace (line
    /// breaks every 76 characters, indentation) is not part of the data.
    fn feed(&mut self, text: &[u8]) -> Result<(), DecodeError> {
        self.symbols.extend(text.iter().copied().filter(|c| !c.is_ascii_whitespace()));
        let whole = self.symbols.len() / 4 * 4;
        self.decode_symbols(whole)?;
        self.symbols.drain(..whole);
        Ok(())
    }

    /// Decodes what is left once the STREAM text has ended (an unpadded last quad).
    fn finish(&mut self) -> Result<(), DecodeError> {
        self.decode_symbols(self.symbols.len())?;
        self.symbols.clear();
        Ok(())
    }

    /// Decodes `symbols[..end]` onto `decoded`. A padded quad ends one base64 text; writers that
    /// flush per block concatenate several, which a single decode call would reject, so each is
    /// decoded on its own.
    fn decode_symbols(&mut self, end: usize) -> Result<(), DecodeError> {
        let mut start = 0;
        while start < end {
            let stop = match self.symbols[start..end].iter().position(|c| *c == b'=') {
                Some(p) => ((start + p) / 4 + 1).saturating_mul(4).min(end),
                None => end,
            };
            BASE64.decode_vec(&self.symbols[start..stop], &mut self.decoded)?;
            start = stop;
        }
        Ok(())
    }

    fn available(&self) -> usize {
        self.decoded.len() - self.pos
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let start = self.pos;
        self.pos += n;
        &self.decoded[start..start + n]
    }
}

impl VoTableInput {
    /// Positions the reader inside `<STREAM encoding="base64">`.
    pub(super) fn open_stream(&mut self, binary2: bool) -> Result<BinaryState, InputError> {
        let mut buf = Vec::new();
        let event = next_significant(&mut self.xml, &mut buf, &self.name)?;
        let (attrs_ok, reason) = match &event {
            Event::Start(e) if e.local_name().as_ref() == "STREAM" => {
                let mut encoding = None;
                let mut href = false;
                for attr in e.attributes().flatten() {
                    match attr.key.local_name().as_ref() {
                        "encoding" => {
                            encoding = Some(attr.value.to_string())
                        }
                        "href" => href = true,
                        _ => {}
                    }
                }
                if href {
                    (false, "STREAM with href (remote data)".to_string())
                } else if encoding.as_deref() != Some("base64") {
                    (false, format!("STREAM encoding {encoding:?} (only base64 is read)"))
                } else {
                    (true, String::new())
                }
            }
            _ => return Err(self.error("expected <STREAM> inside BINARY/BINARY2")),
        };
        if !attrs_ok {
            return Err(InputError::Unsupported {
                location: Location::line(&self.name, self.line()),
                reason,
            });
        }
        Ok(BinaryState {
            binary2,
            decoded: Vec::new(),
            pos: 0,
            symbols: Vec::new(),
            exhausted: false,
            stream_line: self.line(),
        })
    }

    /// Decodes more base64 text from the document; false once the STREAM text has ended.
    fn refill(&mut self, state: &mut BinaryState) -> Result<bool, InputError> {
        if state.exhausted {
            return Ok(false);
        }
        if state.pos >= COMPACT_AT {
            state.decoded.drain(..state.pos);
            state.pos = 0;
        }
        let mut stream = self.xml.stream();
        let chunk = stream.fill_buf().map_err(|e| InputError::Io {
            location: Location::line(&self.name, state.stream_line),
            source: e,
        })?;
        if chunk.is_empty() {
            return Err(self.error("document ends inside <STREAM>"));
        }
        let limit = chunk.len().min(CHUNK);
        let end = chunk[..limit].iter().position(|b| *b == b'<');
        let take = end.unwrap_or(limit);
        let mut fed = state.feed(&chunk[..take]);
        stream.consume(take);
        if end.is_some() {
            state.exhausted = true;
            fed = fed.and_then(|()| state.finish());
        }
        match fed {
            Ok(()) => Ok(true),
            Err(DecodeError::InvalidByte(_, c) | DecodeError::InvalidLastSymbol(_, c)) => {
                Err(self.error(format!("invalid base64 character {:?} in STREAM", c as char)))
            }
            Err(e) => Err(self.error(format!("invalid base64 in STREAM: {e}"))),
        }
    }

    /// Makes `n` decoded bytes available; false if the stream ended first.
    fn need(&mut self, state: &mut BinaryState, n: usize) -> Result<bool, InputError> {
        while state.available() < n {
            if !self.refill(state)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Appends up to a batch of rows; returns the row count and whether more may follow.
    pub(super) fn binary_rows(
        &mut self,
        state: &mut BinaryState,
        builders: &mut [ColumnBuilder],
    ) -> Result<(usize, bool), InputError> {
        let nfields = self.fields.len();
        let mask_len = if state.binary2 { nfields.div_ceil(8) } else { 0 };
        let mut rows = 0;
        while rows < self.batch_size {
            // End of data: nothing left at a row boundary.
            if !self.need(state, 1)? {
                return Ok((rows, false));
            }
            if !self.need(state, mask_len)? {
                return Err(self.truncated(state, 0));
            }
            let mask = state.take(mask_len).to_vec();
            for i in 0..nfields {
                let null = state.binary2 && mask[i / 8] & (0x80 >> (i % 8)) != 0;
                self.decode_field(state, i, null, &mut builders[i])?;
            }
            rows += 1;
        }
        Ok((rows, true))
    }

    fn truncated(&self, state: &BinaryState, col: usize) -> InputError {
        let name = self.fields.get(col).map(|f| f.spec.name.as_str());
        InputError::VoTable {
            location: Location::cell(&self.name, state.stream_line, col + 1, name),
            reason: "STREAM ends inside a row".to_string(),
        }
    }

    fn decode_field(
        &mut self,
        state: &mut BinaryState,
        col: usize,
        null: bool,
        builder: &mut ColumnBuilder,
    ) -> Result<(), InputError> {
        let (vo_type, arraysize) = (self.fields[col].vo_type, self.fields[col].arraysize);
        let count = match arraysize {
            ArraySize::Scalar => 1,
            ArraySize::Fixed(n) => n,
            ArraySize::Variable => {
                if !self.need(state, 4)? {
                    return Err(self.truncated(state, col));
                }
                let b = state.take(4);
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
            }
        };
        let nbytes =
            if vo_type == VoType::Bit { count.div_ceil(8) } else { count * vo_type.size() };
        if !self.need(state, nbytes)? {
            return Err(self.truncated(state, col));
        }
        let field = &self.fields[col];
        let line = state.stream_line;
        let bytes = state.take(nbytes);
        if null {
            builder.push_null();
            return Ok(());
        }
        let bad = |value: String| InputError::BadValue {
            location: Location::cell(&self.name, line, col + 1, Some(&field.spec.name)),
            value,
            expected: field.spec.type_name(),
        };
        match vo_type {
            VoType::Char | VoType::UnicodeChar => {
                let text = if vo_type == VoType::Char {
                    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
                    String::from_utf8_lossy(&bytes[..end]).into_owned()
                } else {
                    let units: Vec<u16> = bytes
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .take_while(|u| *u != 0)
                        .collect();
                    String::from_utf16_lossy(&units)
                };
                if field.null.as_deref() == Some(text.as_str()) {
                    builder.push_null();
                } else {
                    builder.push_text(&text).map_err(|_| bad(text.clone()))?;
                }
                Ok(())
            }
            _ if builder.shape() == Shape::Scalar => {
                // A scalar bit should be 0x80 (first bit, MSB; VOTable 1.4 §5.4) but astropy
                // writes 0x08: any set bit means true.
                let value = if vo_type == VoType::Bit {
                    Scalar::Bool(bytes[0] != 0)
                } else {
                    scalar(vo_type, bytes, 0)
                };
                match value {
                    Scalar::Null => builder.values.push_null(),
                    Scalar::Int(v) if field.null_int == Some(v) => builder.values.push_null(),
                    other => push_scalar(&mut builder.values, other).map_err(|_| bad(format!("{other:?}")))?,
                }
                builder.end_scalar();
                Ok(())
            }
            _ => {
                for i in 0..count {
                    let v = scalar(vo_type, bytes, i);
                    match v {
                        Scalar::Int(x) if field.null_int == Some(x) => builder.values.push_null(),
                        Scalar::Null => builder.values.push_null(),
                        other => push_scalar(&mut builder.values, other).map_err(|_| bad(format!("{other:?}")))?,
                    }
                }
                builder.end_array(count).map_err(|_| bad(format!("{count} elements")))
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// Element `i` of a big-endian array of `vo_type`.
fn scalar(vo_type: VoType, bytes: &[u8], i: usize) -> Scalar {
    let s = vo_type.size();
    let b = &bytes[(i * s).min(bytes.len())..];
    match vo_type {
        VoType::Bit => Scalar::Bool(bytes[i / 8] & (0x80 >> (i % 8)) != 0),
        VoType::Boolean => match b[0] {
            b'T' | b't' | b'1' => Scalar::Bool(true),
            b'F' | b'f' | b'0' => Scalar::Bool(false),
            _ => Scalar::Null,
        },
        VoType::UnsignedByte => Scalar::Int(b[0] as i64),
        VoType::Short => Scalar::Int(i16::from_be_bytes([b[0], b[1]]) as i64),
        VoType::Int => Scalar::Int(i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64),
        VoType::Long => {
            Scalar::Int(i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        }
        VoType::Float => {
            let v = f32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            if v.is_nan() { Scalar::Null } else { Scalar::Float(v as f64) }
        }
        VoType::Double => {
            let v = f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            if v.is_nan() { Scalar::Null } else { Scalar::Float(v) }
        }
        VoType::Char | VoType::UnicodeChar => Scalar::Null,
    }
}

fn push_scalar(values: &mut Values, v: Scalar) -> Result<(), ()> {
    match v {
        Scalar::Null => values.push_null(),
        Scalar::Bool(b) => values.push_bool(b),
        Scalar::Int(i) => values.push_i64(i).map_err(|_| ())?,
        Scalar::Float(f) => values.push_f64(f),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> BinaryState {
        BinaryState {
            binary2: false,
            decoded: Vec::new(),
            pos: 0,
            symbols: Vec::new(),
            exhausted: false,
            stream_line: 1,
        }
    }

    #[test]
    fn decodes_across_chunks_and_whitespace() {
        // "hello world!" is aGVsbG8gd29ybGQh; split mid-quad, with line breaks and indentation.
        let mut s = state();
        for chunk in ["aGV", "sbG8\n  gd2", "9y", "bGQh\n"] {
            s.feed(chunk.as_bytes()).expect("valid");
        }
        s.finish().expect("valid");
        assert_eq!(s.decoded, b"hello world!");
    }

    #[test]
    fn padded_texts_may_follow_each_other_and_the_last_may_be_unpadded() {
        let mut s = state();
        s.feed(b"YQ==Yg").expect("valid");
        assert_eq!(s.decoded, b"a");
        s.finish().expect("valid");
        assert_eq!(s.decoded, b"ab");
    }

    #[test]
    fn invalid_character_is_reported() {
        let mut s = state();
        assert!(matches!(s.feed(b"aGV*"), Err(DecodeError::InvalidByte(_, b'*'))));
    }
}
