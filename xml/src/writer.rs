//! A small streaming element writer for the service's metadata documents (VOSI, UWS).
//!
//! Elements opened with [`XmlWriter::open`] are "blocks": each child starts on its own line,
//! indented by depth, which keeps documents readable with `curl`. Elements opened with
//! [`XmlWriter::open_inline`] keep their whole content on one line (a VODataService `column`, a
//! TAPRegExt limit), so a line of the document is one logical item. Names are written as given
//! (they are constants of the schemas); attribute values and text are always escaped.

use crate::escape::{escape_attr, escape_text};
use crate::PROLOG;

struct Open {
    name: String,
    inline: bool,
    has_children: bool,
}

/// Writes one XML document into a `String`.
pub struct XmlWriter {
    out: String,
    stack: Vec<Open>,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    /// A document starting with the XML declaration.
    pub fn new() -> Self {
        Self::with_capacity(4096)
    }

    /// As [`XmlWriter::new`], reserving `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push_str(PROLOG);
        Self { out, stack: Vec::new() }
    }

    fn inside_inline(&self) -> bool {
        self.stack.iter().any(|o| o.inline)
    }

    /// Line break and indentation before a child, unless inside an inline element.
    fn child_position(&mut self) {
        let inline = self.inside_inline();
        if let Some(parent) = self.stack.last_mut() {
            parent.has_children = true;
        }
        if !inline && !self.stack.is_empty() {
            self.out.push('\n');
            for _ in 0..self.stack.len() {
                self.out.push_str("  ");
            }
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)], end: &str) {
        self.child_position();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            self.out.push_str(&escape_attr(value));
            self.out.push('"');
        }
        self.out.push_str(end);
    }

    fn push(&mut self, name: &str, attrs: &[(&str, &str)], inline: bool) -> &mut Self {
        self.start_tag(name, attrs, ">");
        self.stack.push(Open { name: name.to_string(), inline, has_children: false });
        self
    }

    /// Opens a block element: its children go on lines of their own.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.push(name, attrs, false)
    }

    /// Opens an element whose whole content stays on one line.
    pub fn open_inline(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.push(name, attrs, true)
    }

    /// `<name attrs>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs, ">");
        self.out.push_str(&escape_text(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>` when `text` is present, nothing otherwise.
    pub fn optional_leaf(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, &[], text);
        }
        self
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs, "/>");
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(open) = self.stack.pop() {
            if open.has_children && !open.inline && !self.inside_inline() {
                self.out.push('\n');
                for _ in 0..self.stack.len() {
                    self.out.push_str("  ");
                }
            }
            self.out.push_str("</");
            self.out.push_str(&open.name);
            self.out.push('>');
        }
        self
    }

    /// Closes every open element and returns the document, ending in a newline.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out.push('\n');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_indent_inline_elements_stay_on_one_line() {
        let mut w = XmlWriter::new();
        w.open("root", &[("xmlns", "urn:x")]);
        w.leaf("name", &[], "a<b");
        w.open_inline("limit", &[]).leaf("default", &[], "1").leaf("hard", &[], "2").close();
        w.empty("nil", &[("note", "x\"y\n")]);
        w.open("emptyBlock", &[]).close();
        let doc = w.finish();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root xmlns=\"urn:x\">\n  <name>a&lt;b</name>\n  \
             <limit><default>1</default><hard>2</hard></limit>\n  <nil note=\"x&quot;y&#10;\"/>\n  \
             <emptyBlock></emptyBlock>\n</root>\n"
        );
    }

    #[test]
    fn finish_closes_what_is_open() {
        let mut w = XmlWriter::new();
        w.open("a", &[]).open_inline("b", &[]).leaf("c", &[], "t");
        assert!(w.finish().ends_with("<a>\n  <b><c>t</c></b>\n</a>\n"));
    }
}
