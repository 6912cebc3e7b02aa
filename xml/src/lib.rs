//! The one place XML is written: escaping per XML 1.0 (§2.2 characters, §2.4 markup, §3.3.3
//! attribute-value normalisation) and a small element writer for the VOSI and UWS documents.
//!
//! The VOTable TABLEDATA writer stays hand-tuned for speed but escapes through [`escape_text_into`],
//! so every document the service sends agrees on what is escaped and how.

mod escape;
mod writer;

pub use escape::{escape_attr, escape_attr_into, escape_text, escape_text_into};
pub use writer::XmlWriter;

/// The XML declaration every document starts with.
pub const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
