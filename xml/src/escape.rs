//! XML 1.0 escaping into a byte buffer, without allocating for clean text.
//!
//! - Markup (`& < > " '`) becomes the predefined entities (§2.4), so one escaper serves element
//!   content and attribute values in either quote style.
//! - CR becomes `&#13;`: a literal CR would be normalised away by every parser (§2.11).
//! - In attribute values TAB and LF become `&#9;`/`&#10;`: literal ones are normalised to spaces
//!   (§3.3.3), so a multi-line description would not round-trip.
//! - Characters XML 1.0 cannot carry at all (C0 controls other than TAB/LF/CR, U+FFFE, U+FFFF;
//!   §2.2 `Char`) become U+FFFD, so a stray byte in a value never makes a document ill-formed.
//!   Surrogates cannot occur in a Rust `str`.

use std::borrow::Cow;

const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// Where the text goes; only attribute values need TAB and LF protected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Text,
    Attribute,
}

/// The replacement for the character starting at `bytes[i]` and the length of what it replaces,
/// or `None` if the byte is copied as is.
#[inline(always)]
fn replacement(bytes: &[u8], i: usize, context: Context) -> Option<(&'static [u8], usize)> {
    let rep: &'static [u8] = match bytes[i] {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'"' => b"&quot;",
        b'\'' => b"&apos;",
        b'\r' => b"&#13;",
        b'\t' if context == Context::Attribute => b"&#9;",
        b'\n' if context == Context::Attribute => b"&#10;",
        b'\t' | b'\n' => return None,
        0x00..=0x1F => REPLACEMENT,
        // U+FFFE and U+FFFF are EF BF BE / EF BF BF in UTF-8.
        0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => {
            return Some((REPLACEMENT, 3))
        }
        _ => return None,
    };
    Some((rep, 1))
}

#[inline(always)]
fn escape_into(out: &mut Vec<u8>, text: &str, context: Context) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match replacement(bytes, i, context) {
            None => i += 1,
            Some((rep, len)) => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(rep);
                i += len;
                start = i;
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

fn needs_escape(text: &str, context: Context) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| replacement(bytes, i, context).is_some())
}

fn escape(text: &str, context: Context) -> Cow<'_, str> {
    if !needs_escape(text, context) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len() + 16);
    escape_into(&mut out, text, context);
    // Only whole UTF-8 sequences and ASCII replacements were copied, so this cannot fail; the
    // lossy fallback keeps the function total anyway.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Appends `text` escaped for element content (TABLEDATA cells, INFO text).
pub fn escape_text_into(out: &mut Vec<u8>, text: &str) {
    escape_into(out, text, Context::Text)
}

/// Appends `text` escaped for a quoted attribute value.
pub fn escape_attr_into(out: &mut Vec<u8>, text: &str) {
    escape_into(out, text, Context::Attribute)
}

/// `text` escaped for element content; borrowed when nothing needs escaping.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, Context::Text)
}

/// `text` escaped for a quoted attribute value; borrowed when nothing needs escaping.
pub fn escape_attr(text: &str) -> Cow<'_, str> {
    escape(text, Context::Attribute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_clean_text_borrowed() {
        assert_eq!(escape_text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert!(matches!(escape_text("Ωmega ✓ plain"), Cow::Borrowed("Ωmega ✓ plain")));
    }

    #[test]
    fn characters_xml_cannot_carry_become_the_replacement_character() {
        assert_eq!(escape_text("x\u{0}y\u{1b}z"), "x\u{FFFD}y\u{FFFD}z");
        assert_eq!(escape_text("a\u{FFFE}b\u{FFFF}c\u{FFFD}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
        // U+FFEF and U+EFBF share leading bytes with U+FFFE but are legal.
        assert_eq!(escape_text("\u{FFEF}\u{EFBF}"), "\u{FFEF}\u{EFBF}");
    }

    #[test]
    fn whitespace_survives_parsing_in_both_contexts() {
        assert_eq!(escape_text("a\r\n\tb"), "a&#13;\n\tb");
        assert_eq!(escape_attr("a\r\n\tb"), "a&#13;&#10;&#9;b");
    }

    #[test]
    fn byte_and_string_forms_agree() {
        for s in ["", "plain", "a&b", "\u{1}\u{FFFF}", "tail<"] {
            let mut v = Vec::new();
            escape_text_into(&mut v, s);
            assert_eq!(String::from_utf8(v).expect("utf8"), escape_text(s));
            let mut v = Vec::new();
            escape_attr_into(&mut v, s);
            assert_eq!(String::from_utf8(v).expect("utf8"), escape_attr(s));
        }
    }
}
