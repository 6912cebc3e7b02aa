//! VOTable BINARY2 rows (VOTable 1.4 §5.4-5.5): per row a null bitmap of ceil(N/8) bytes, most
//! significant bit = first column, then each value big-endian; variable-length arrays and
//! strings carry a 4-byte element count. The byte stream is base64 in 76-column lines.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use datafusion::arrow::record_batch::RecordBatch;

use super::columns::{prepare, views, Kind, ListView, Plan, PrimView};
use super::driver::BodyEncoder;
use super::meta::ResultMeta;
use super::votable_doc::{header, trailer, DataKind, Ending};
use super::OutputError;

/// Raw bytes per base64 line: 57 bytes → 76 characters (RFC 2045 §6.8 line length).
const LINE_RAW: usize = 57;
/// Raw bytes buffered before encoding (a whole number of lines).
const RAW_FLUSH: usize = LINE_RAW * 1024;

pub(crate) struct Binary2Encoder {
    meta: ResultMeta,
    plans: Vec<Plan>,
    raw: Vec<u8>,
    scratch: Vec<u8>,
}

impl Binary2Encoder {
    pub(crate) fn new(meta: ResultMeta, plans: Vec<Plan>) -> Self {
        Binary2Encoder {
            meta,
            plans,
            raw: Vec::with_capacity(RAW_FLUSH * 2),
            scratch: Vec::new(),
        }
    }
}

/// Encodes all complete lines of `raw` into `out`; with `last`, also the final partial line.
fn encode_lines(raw: &mut Vec<u8>, out: &mut Vec<u8>, last: bool) -> Result<(), OutputError> {
    let full = raw.len() / LINE_RAW;
    let start = out.len();
    out.resize(start + full * 77, 0);
    for (k, line) in raw.chunks_exact(LINE_RAW).enumerate() {
        let at = start + k * 77;
        STANDARD
            .encode_slice(line, &mut out[at..at + 76])
            .map_err(std::io::Error::other)?;
        out[at + 76] = b'\n';
    }
    raw.drain(..full * LINE_RAW);
    if last && !raw.is_empty() {
        let at = out.len();
        out.resize(at + raw.len().div_ceil(3) * 4, 0);
        STANDARD.encode_slice(&raw[..], &mut out[at..]).map_err(std::io::Error::other)?;
        out.push(b'\n');
        raw.clear();
    }
    Ok(())
}

#[inline]
fn put_count(raw: &mut Vec<u8>, n: usize) {
    // Counts are unsigned 32-bit in BINARY2; larger arrays cannot be expressed at all.
    raw.extend_from_slice(&(n.min(u32::MAX as usize) as u32).to_be_bytes());
}

#[inline]
fn put_prim(raw: &mut Vec<u8>, v: &PrimView<'_>, i: usize) {
    match v {
        PrimView::F64(a) => raw.extend_from_slice(&a[i].to_be_bytes()),
        PrimView::F32(a) => raw.extend_from_slice(&a[i].to_be_bytes()),
        PrimView::I64(a) => raw.extend_from_slice(&a[i].to_be_bytes()),
        PrimView::I32(a) => raw.extend_from_slice(&a[i].to_be_bytes()),
        PrimView::I16(a) => raw.extend_from_slice(&a[i].to_be_bytes()),
        PrimView::U8(a) => raw.push(a[i]),
        PrimView::Bool(a) => raw.push(if a.value(i) { b'T' } else { b'F' }),
    }
}

/// A value standing for null where one must be written: NaN for floats (VOTable 1.4 §6),
/// `?` for booleans, 0 for integers (the bitmap carries the null).
#[inline]
fn put_prim_null(raw: &mut Vec<u8>, v: &PrimView<'_>) {
    match v {
        PrimView::F64(_) => raw.extend_from_slice(&f64::NAN.to_be_bytes()),
        PrimView::F32(_) => raw.extend_from_slice(&f32::NAN.to_be_bytes()),
        PrimView::I64(_) => raw.extend_from_slice(&[0; 8]),
        PrimView::I32(_) => raw.extend_from_slice(&[0; 4]),
        PrimView::I16(_) => raw.extend_from_slice(&[0; 2]),
        PrimView::U8(_) => raw.push(0),
        PrimView::Bool(_) => raw.push(b'?'),
    }
}

fn put_list(raw: &mut Vec<u8>, l: &ListView<'_>, i: usize) {
    let (start, end) = l.offsets.range(i);
    let len = end - start;
    let (written, pad) = match l.fixed {
        Some(n) => (len.min(n), n.saturating_sub(len)),
        None => {
            put_count(raw, len);
            (len, 0)
        }
    };
    match (&l.values, l.value_nulls) {
        // Hot path of geometry and spectra columns: a straight copy of big-endian doubles.
        (PrimView::F64(a), None) => {
            for v in &a[start..start + written] {
                raw.extend_from_slice(&v.to_be_bytes());
            }
        }
        (values, nulls) => {
            for j in start..start + written {
                if nulls.is_some_and(|n| n.is_null(j)) {
                    put_prim_null(raw, values);
                } else {
                    put_prim(raw, values, j);
                }
            }
        }
    }
    for _ in 0..pad {
        put_prim_null(raw, &l.values);
    }
}

fn put_null(raw: &mut Vec<u8>, kind: &Kind<'_>) {
    match kind {
        Kind::Prim(v) => put_prim_null(raw, v),
        Kind::List(l) => match l.fixed {
            Some(n) => (0..n).for_each(|_| put_prim_null(raw, &l.values)),
            None => put_count(raw, 0),
        },
        Kind::Bytes(_, Some(n)) => raw.resize(raw.len() + n, 0),
        Kind::Str(..) | Kind::Bytes(_, None) | Kind::Text(_) => put_count(raw, 0),
    }
}

fn put_str(raw: &mut Vec<u8>, s: &str, unicode: bool) {
    if unicode {
        // unicodeChar is UCS-2/UTF-16BE; the count is in 16-bit units (VOTable 1.4 §2.1).
        let count_at = raw.len();
        put_count(raw, 0);
        let mut units = 0usize;
        for u in s.encode_utf16() {
            raw.extend_from_slice(&u.to_be_bytes());
            units += 1;
        }
        raw[count_at..count_at + 4].copy_from_slice(&(units as u32).to_be_bytes());
    } else {
        put_count(raw, s.len());
        raw.extend_from_slice(s.as_bytes());
    }
}

impl BodyEncoder for Binary2Encoder {
    fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), OutputError> {
        out.extend_from_slice(header(&self.meta, DataKind::Binary2).as_bytes());
        Ok(())
    }

    fn rows(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let prepared = prepare(batch, &self.plans)?;
        let cols = views(&prepared)?;
        let mask_len = cols.len().div_ceil(8);
        let any_nulls = cols.iter().any(|c| c.nulls.is_some());
        let raw = &mut self.raw;
        for i in 0..batch.num_rows() {
            let mask_at = raw.len();
            raw.resize(mask_at + mask_len, 0);
            for (c, col) in cols.iter().enumerate() {
                if any_nulls && col.is_null(i) {
                    raw[mask_at + c / 8] |= 0x80 >> (c % 8);
                    put_null(raw, &col.kind);
                    continue;
                }
                match &col.kind {
                    Kind::Prim(v) => put_prim(raw, v, i),
                    Kind::Str(s, unicode) => put_str(raw, s.value(i), *unicode),
                    Kind::List(l) => put_list(raw, l, i),
                    Kind::Bytes(a, fixed) => {
                        let v = a.value(i);
                        match fixed {
                            Some(n) => {
                                let take = v.len().min(*n);
                                raw.extend_from_slice(&v[..take]);
                                raw.resize(raw.len() + (n - take), 0);
                            }
                            None => {
                                put_count(raw, v.len());
                                raw.extend_from_slice(v);
                            }
                        }
                    }
                    Kind::Text(f) => {
                        use std::io::Write as _;
                        self.scratch.clear();
                        let _ = write!(self.scratch, "{}", f.value(i));
                        put_count(raw, self.scratch.len());
                        raw.extend_from_slice(&self.scratch);
                    }
                }
            }
            if raw.len() >= RAW_FLUSH {
                encode_lines(raw, out, false)?;
            }
        }
        Ok(())
    }

    fn end(&mut self, ending: &Ending, out: &mut Vec<u8>) -> Result<(), OutputError> {
        encode_lines(&mut self.raw, out, true)?;
        out.extend_from_slice(trailer(DataKind::Binary2, ending).as_bytes());
        Ok(())
    }

    fn reports_errors_in_band(&self) -> bool {
        true
    }
}
