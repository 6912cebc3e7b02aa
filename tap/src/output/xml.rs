//! XML 1.0 escaping into a byte buffer, without allocating for clean text.

/// True for bytes that need attention in XML text or attribute values: markup characters and
/// C0 controls (XML 1.0 §2.2 forbids all but TAB, LF, CR; CR would be normalised away).
#[inline]
fn needs_escape(b: u8) -> bool {
    matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'') || (b < 0x20 && b != b'\t' && b != b'\n')
}

/// Appends `text` escaped for use in element content or a double-quoted attribute.
/// Characters XML 1.0 cannot carry at all become U+FFFD.
pub fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        let rep: &[u8] = match b {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'"' => b"&quot;",
            b'\'' => b"&apos;",
            b'\r' => b"&#13;",
            _ => "\u{FFFD}".as_bytes(),
        };
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Escaped copy, for building small documents.
pub fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    escape_into(&mut out, text);
    // Only ASCII replacements and whole UTF-8 sequences were copied.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{1}y\r\n\tz"), "x\u{FFFD}y&#13;\n\tz");
        assert_eq!(escape("Ωmega ✓"), "Ωmega ✓");
    }
}
