//! Text rendering of values shared by TABLEDATA, CSV and TSV: numbers via `itoa`/`ryu` straight
//! into the output buffer, arrays as space-separated values (VOTable 1.4 §6, DALI 1.1 §3.2).

use std::io::Write as _;

use super::columns::{Kind, ListView, PrimView};

/// How strings must be protected in the surrounding syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quoting {
    Xml,
    Csv,
    Tsv,
}

#[inline]
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64, buf: &mut ryu::Buffer) {
    if v.is_finite() {
        out.extend_from_slice(buf.format_finite(v).as_bytes());
    } else {
        write_non_finite(out, v.is_nan(), v > 0.0);
    }
}

#[inline]
pub(crate) fn write_f32(out: &mut Vec<u8>, v: f32, buf: &mut ryu::Buffer) {
    if v.is_finite() {
        out.extend_from_slice(buf.format_finite(v).as_bytes());
    } else {
        write_non_finite(out, v.is_nan(), v > 0.0);
    }
}

/// VOTable 1.4 §6 spellings of the IEEE specials.
#[cold]
fn write_non_finite(out: &mut Vec<u8>, nan: bool, positive: bool) {
    out.extend_from_slice(match (nan, positive) {
        (true, _) => b"NaN",
        (false, true) => b"+Inf",
        (false, false) => b"-Inf",
    });
}

#[inline]
fn write_int<I: itoa::Integer>(out: &mut Vec<u8>, v: I, buf: &mut itoa::Buffer) {
    out.extend_from_slice(buf.format(v).as_bytes());
}

/// Reusable number-formatting buffers and a scratch area for display rendering.
#[derive(Default)]
pub(crate) struct TextBuffers {
    ryu: ryu::Buffer,
    itoa: itoa::Buffer,
    scratch: Vec<u8>,
}

/// Text of element `i` of a scalar column. `bools` are the true/false spellings.
#[inline]
pub(crate) fn write_prim(
    out: &mut Vec<u8>,
    v: &PrimView<'_>,
    i: usize,
    b: &mut TextBuffers,
    bools: (&[u8], &[u8]),
) {
    match v {
        PrimView::F64(a) => write_f64(out, a[i], &mut b.ryu),
        PrimView::F32(a) => write_f32(out, a[i], &mut b.ryu),
        PrimView::I64(a) => write_int(out, a[i], &mut b.itoa),
        PrimView::I32(a) => write_int(out, a[i], &mut b.itoa),
        PrimView::I16(a) => write_int(out, a[i], &mut b.itoa),
        PrimView::U8(a) => write_int(out, a[i], &mut b.itoa),
        PrimView::Bool(a) => out.extend_from_slice(if a.value(i) { bools.0 } else { bools.1 }),
    }
}

/// Space-separated elements of list `i`; null floats inside arrays are NaN (VOTable 1.4 §6),
/// null integers have no representation and are written as 0.
fn write_list(out: &mut Vec<u8>, l: &ListView<'_>, i: usize, b: &mut TextBuffers, bools: (&[u8], &[u8])) {
    let (start, end) = l.offsets.range(i);
    for j in start..end {
        if j > start {
            out.push(b' ');
        }
        if l.value_nulls.is_some_and(|n| n.is_null(j)) {
            match l.values {
                PrimView::F32(_) | PrimView::F64(_) => out.extend_from_slice(b"NaN"),
                PrimView::Bool(_) => out.push(b'?'),
                _ => out.push(b'0'),
            }
        } else {
            write_prim(out, &l.values, j, b, bools);
        }
    }
}

pub(crate) fn write_str(out: &mut Vec<u8>, s: &str, q: Quoting) {
    match q {
        Quoting::Xml => astrotap_xml::escape_text_into(out, s),
        Quoting::Csv => {
            // RFC 4180 §2.6-2.7: quote fields holding separators, quotes or line breaks.
            if s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
                out.push(b'"');
                for part in s.split('"').enumerate() {
                    if part.0 > 0 {
                        out.extend_from_slice(b"\"\"");
                    }
                    out.extend_from_slice(part.1.as_bytes());
                }
                out.push(b'"');
            } else {
                out.extend_from_slice(s.as_bytes());
            }
        }
        // IANA text/tab-separated-values cannot carry TAB or line breaks in a field: they
        // become spaces (documented lossy choice; no escape convention is standard).
        Quoting::Tsv => {
            let start = out.len();
            out.extend_from_slice(s.as_bytes());
            for c in &mut out[start..] {
                if matches!(*c, b'\t' | b'\n' | b'\r') {
                    *c = b' ';
                }
            }
        }
    }
}

/// Text of a non-null value `i` of any column kind.
pub(crate) fn write_value(
    out: &mut Vec<u8>,
    kind: &Kind<'_>,
    i: usize,
    b: &mut TextBuffers,
    q: Quoting,
    bools: (&[u8], &[u8]),
) {
    match kind {
        Kind::Prim(v) => write_prim(out, v, i, b, bools),
        Kind::Str(s, _) => write_str(out, s.value(i), q),
        Kind::List(l) => write_list(out, l, i, b, bools),
        Kind::Bytes(a, _) => {
            // unsignedByte arrays are space-separated numbers, like any array.
            for (k, byte) in a.value(i).iter().enumerate() {
                if k > 0 {
                    out.push(b' ');
                }
                write_int(out, *byte, &mut b.itoa);
            }
        }
        Kind::Text(f) => {
            b.scratch.clear();
            // Display errors (unrepresentable values) leave what was written so far.
            let _ = write!(b.scratch, "{}", f.value(i));
            // Display implementations write `str`s, so this is always UTF-8.
            if let Ok(text) = std::str::from_utf8(&b.scratch) {
                write_str(out, text, q);
            }
        }
    }
}
