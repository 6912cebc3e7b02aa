//! The parts of a VOTable 1.4 document around the data: header with FIELDs, trailer with the
//! DALI status INFOs, the DALI error document, and the data-less VOTable of VOParquet.
//! One FIELD generator serves TABLEDATA, BINARY2 and Parquet.

use std::fmt::Write as _;

use super::meta::{InfoItem, ResultMeta, VoField};
use astrotap_xml::{escape_attr, escape_text};

/// VOTable 1.4 keeps the 1.3 namespace (VOTable 1.4 §1.2).
const VOTABLE_OPEN: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\" ",
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
    "xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3 ",
    "http://www.ivoa.net/xml/VOTable/votable-1.4.xsd\">\n"
);

/// Which data serialisation follows the FIELDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataKind {
    TableData,
    Binary2,
    /// No DATA element (VOParquet metadata document, MAXREC=0 is still written with DATA).
    None,
}

/// How a document ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    Complete,
    /// DALI 1.1 §4.4.1: truncated at MAXREC, signalled after the TABLE.
    Overflow,
    /// DALI 1.1 §4.4.1: a failure after the results began.
    Error(String),
}

fn push_info(s: &mut String, info: &InfoItem) {
    let _ = write!(s, "<INFO name=\"{}\" value=\"{}\"", escape_attr(&info.name), escape_attr(&info.value));
    match &info.content {
        Some(c) => {
            let _ = writeln!(s, ">{}</INFO>", escape_text(c));
        }
        None => s.push_str("/>\n"),
    }
}

/// DALI 1.1 §4.4.3: the error status with the message as the INFO's content.
fn push_error_status(s: &mut String, message: &str) {
    let _ = writeln!(s, "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">{}</INFO>", escape_text(message));
}

fn push_attr(s: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = write!(s, " {name}=\"{}\"", escape_attr(v));
    }
}

/// One `<FIELD>` element.
pub(crate) fn push_field(s: &mut String, f: &VoField) {
    let _ = write!(s, "<FIELD name=\"{}\" datatype=\"{}\"", escape_attr(&f.name), f.datatype.as_str());
    push_attr(s, "arraysize", f.arraysize.as_deref());
    push_attr(s, "unit", f.unit.as_deref());
    push_attr(s, "ucd", f.ucd.as_deref());
    push_attr(s, "utype", f.utype.as_deref());
    push_attr(s, "xtype", f.xtype.as_deref());
    match f.description.as_deref() {
        Some(d) => {
            let _ = writeln!(s, "><DESCRIPTION>{}</DESCRIPTION></FIELD>", escape_text(d));
        }
        None => s.push_str("/>\n"),
    }
}

/// Everything up to and including the opening of the data serialisation.
pub(crate) fn header(meta: &ResultMeta, data: DataKind) -> String {
    let mut s = String::with_capacity(512 + 160 * meta.fields.len());
    s.push_str(VOTABLE_OPEN);
    s.push_str("<RESOURCE type=\"results\">\n");
    // DALI 1.1 §4.4.1: QUERY_STATUS first in the results RESOURCE.
    if data != DataKind::None {
        s.push_str("<INFO name=\"QUERY_STATUS\" value=\"OK\"/>\n");
    }
    for info in &meta.infos {
        push_info(&mut s, info);
    }
    s.push_str("<TABLE");
    push_attr(&mut s, "name", meta.table_name.as_deref());
    s.push_str(">\n");
    for f in &meta.fields {
        push_field(&mut s, f);
    }
    match data {
        DataKind::TableData => s.push_str("<DATA><TABLEDATA>\n"),
        DataKind::Binary2 => s.push_str("<DATA><BINARY2><STREAM encoding=\"base64\">\n"),
        DataKind::None => {}
    }
    s
}

/// Closes the data serialisation, the TABLE and the document.
pub(crate) fn trailer(data: DataKind, ending: &Ending) -> String {
    let mut s = String::with_capacity(128);
    match data {
        DataKind::TableData => s.push_str("</TABLEDATA></DATA>\n"),
        DataKind::Binary2 => s.push_str("</STREAM></BINARY2></DATA>\n"),
        DataKind::None => {}
    }
    s.push_str("</TABLE>\n");
    match ending {
        Ending::Complete => {}
        Ending::Overflow => s.push_str("<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n"),
        Ending::Error(msg) => {
            push_error_status(&mut s, msg);
        }
    }
    s.push_str("</RESOURCE>\n</VOTABLE>\n");
    s
}

/// The data-less VOTable that VOParquet 1.0 stores as `IVOA.VOTable-Parquet.content`.
/// MAXREC truncation is recorded in it the way DALI does in VOTable (trailing OVERFLOW INFO).
pub(crate) fn metadata_document(meta: &ResultMeta, ending: &Ending) -> String {
    let mut s = header(meta, DataKind::None);
    s.push_str(&trailer(DataKind::None, ending));
    s
}

/// The DALI 1.1 §4.4.3 error document: a results RESOURCE whose QUERY_STATUS is ERROR, with
/// the message as INFO content, followed by any extra INFO items (e.g. QUERY, RUNID).
pub fn error_document(message: &str, extra_infos: &[InfoItem]) -> String {
    let mut s = String::with_capacity(512 + message.len());
    s.push_str(VOTABLE_OPEN);
    s.push_str("<RESOURCE type=\"results\">\n");
    push_error_status(&mut s, message);
    for info in extra_infos {
        push_info(&mut s, info);
    }
    s.push_str("</RESOURCE>\n</VOTABLE>\n");
    s
}
