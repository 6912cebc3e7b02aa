//! VOSI /tables (VOSI 1.1 §3.4) as a VODataService 1.2 `tableset`, with VOTable datatypes exactly as
//! TAP_SCHEMA.columns has them: TAP types such as `DOUBLE` here broke pyvo on other services (see
//! the traps list in `../shared/design/STANDARDS.md`).

use std::fmt::Write;

use crate::tap_schema::{adql_column_name, ColumnMeta, TableMeta, TapMetadata};
use crate::xml::escape;

const NAMESPACES: &str = "xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" \
xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

/// How much of each table to describe (VOSI 1.1 §3.4 `detail` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Names and descriptions of tables only (`detail=min`).
    Min,
    /// Columns and foreign keys too (`detail=max`, the default for small tablesets).
    Max,
}

fn opt(out: &mut String, tag: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(v));
    }
}

fn column(out: &mut String, c: &ColumnMeta) {
    out.push_str("<column");
    if c.std {
        out.push_str(" std=\"true\"");
    }
    out.push('>');
    opt(out, "name", Some(&c.adql_name()));
    opt(out, "description", c.description.as_deref());
    opt(out, "unit", c.unit.as_deref());
    opt(out, "ucd", c.ucd.as_deref());
    opt(out, "utype", c.utype.as_deref());
    out.push_str("<dataType xsi:type=\"vs:VOTableType\"");
    if let Some(a) = &c.arraysize {
        let _ = write!(out, " arraysize=\"{}\"", escape(a));
    }
    // VODataService 1.2 §3.5.3: an extendedType without extendedSchema is a DALI/VOTable xtype.
    if let Some(x) = &c.xtype {
        let _ = write!(out, " extendedType=\"{}\"", escape(x));
    }
    let _ = write!(out, ">{}</dataType>", escape(&c.datatype));
    if c.indexed {
        out.push_str("<flag>indexed</flag>");
    }
    if c.principal {
        out.push_str("<flag>principal</flag>");
    }
    out.push_str("</column>\n");
}

fn table_body(out: &mut String, t: &TableMeta, detail: Detail) {
    opt(out, "name", Some(&t.qualified_name()));
    opt(out, "description", t.description.as_deref());
    opt(out, "utype", t.utype.as_deref());
    out.push('\n');
    if detail == Detail::Min {
        return;
    }
    for c in &t.columns {
        column(out, c);
    }
    for fk in &t.foreign_keys {
        out.push_str("<foreignKey>");
        opt(out, "targetTable", Some(&fk.target_table));
        for (from, target) in &fk.columns {
            out.push_str("<fkColumn>");
            opt(out, "fromColumn", Some(&adql_column_name(from)));
            opt(out, "targetColumn", Some(&adql_column_name(target)));
            out.push_str("</fkColumn>");
        }
        opt(out, "description", fk.description.as_deref());
        out.push_str("</foreignKey>\n");
    }
}

/// The whole `vosi:tableset` document.
pub fn tableset(meta: &TapMetadata, detail: Detail) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:tableset {NAMESPACES}>");
    for schema in &meta.schemas {
        out.push_str("<schema>");
        opt(&mut out, "name", Some(&schema.name));
        opt(&mut out, "description", schema.description.as_deref());
        opt(&mut out, "utype", schema.utype.as_deref());
        out.push('\n');
        for t in &schema.tables {
            let _ = write!(out, "<table type=\"{}\">", escape(&t.table_type));
            table_body(&mut out, t, detail);
            out.push_str("</table>\n");
        }
        out.push_str("</schema>\n");
    }
    out.push_str("</vosi:tableset>\n");
    out
}

/// One table as a `vosi:table` document (VOSI 1.1 §3.4: `/tables/{name}`), always with columns.
pub fn single_table(t: &TableMeta) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:table {NAMESPACES} type=\"{}\">",
        escape(&t.table_type)
    );
    table_body(&mut out, t, Detail::Max);
    out.push_str("</vosi:table>\n");
    out
}
