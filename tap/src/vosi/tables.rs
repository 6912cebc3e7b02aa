//! VOSI /tables (VOSI 1.1 §3.4) as a VODataService 1.2 `tableset`, with VOTable datatypes exactly as
//! TAP_SCHEMA.columns has them: TAP types such as `DOUBLE` here broke pyvo on other services (see
//! the traps list in `../shared/design/STANDARDS.md`).

use astrotap_xml::XmlWriter;

use crate::tap_schema::{adql_column_name, ColumnMeta, TableMeta, TapMetadata};

const NAMESPACES: [(&str, &str); 3] = [
    ("xmlns:vosi", "http://www.ivoa.net/xml/VOSITables/v1.0"),
    ("xmlns:vs", "http://www.ivoa.net/xml/VODataService/v1.1"),
    ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
];

/// How much of each table to describe (VOSI 1.1 §3.4 `detail` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Names and descriptions of tables only (`detail=min`).
    Min,
    /// Columns and foreign keys too (`detail=max`, the default for small tablesets).
    Max,
}

fn column(w: &mut XmlWriter, c: &ColumnMeta) {
    let attrs: &[(&str, &str)] = if c.std { &[("std", "true")] } else { &[] };
    w.open_inline("column", attrs);
    w.leaf("name", &[], &c.adql_name());
    w.optional_leaf("description", c.description.as_deref());
    w.optional_leaf("unit", c.unit.as_deref());
    w.optional_leaf("ucd", c.ucd.as_deref());
    w.optional_leaf("utype", c.utype.as_deref());
    let mut data_type = vec![("xsi:type", "vs:VOTableType")];
    if let Some(a) = &c.arraysize {
        data_type.push(("arraysize", a.as_str()));
    }
    // VODataService 1.2 §3.5.3: an extendedType without extendedSchema is a DALI/VOTable xtype.
    if let Some(x) = &c.xtype {
        data_type.push(("extendedType", x.as_str()));
    }
    w.leaf("dataType", &data_type, &c.datatype);
    if c.indexed {
        w.leaf("flag", &[], "indexed");
    }
    if c.principal {
        w.leaf("flag", &[], "principal");
    }
    w.close();
}

fn table_body(w: &mut XmlWriter, t: &TableMeta, detail: Detail) {
    w.leaf("name", &[], &t.qualified_name());
    w.optional_leaf("description", t.description.as_deref());
    w.optional_leaf("utype", t.utype.as_deref());
    if detail == Detail::Min {
        return;
    }
    for c in &t.columns {
        column(w, c);
    }
    for fk in &t.foreign_keys {
        w.open_inline("foreignKey", &[]);
        w.leaf("targetTable", &[], &fk.target_table);
        for (from, target) in &fk.columns {
            w.open_inline("fkColumn", &[]);
            w.leaf("fromColumn", &[], &adql_column_name(from));
            w.leaf("targetColumn", &[], &adql_column_name(target));
            w.close();
        }
        w.optional_leaf("description", fk.description.as_deref());
        w.close();
    }
}

/// The whole `vosi:tableset` document.
pub fn tableset(meta: &TapMetadata, detail: Detail) -> String {
    let mut w = XmlWriter::with_capacity(64 * 1024);
    w.open("vosi:tableset", &NAMESPACES);
    for schema in &meta.schemas {
        w.open("schema", &[]);
        w.leaf("name", &[], &schema.name);
        w.optional_leaf("description", schema.description.as_deref());
        w.optional_leaf("utype", schema.utype.as_deref());
        for t in &schema.tables {
            w.open("table", &[("type", t.table_type.as_str())]);
            table_body(&mut w, t, detail);
            w.close();
        }
        w.close();
    }
    w.finish()
}

/// One table as a `vosi:table` document (VOSI 1.1 §3.4: `/tables/{name}`), always with columns.
pub fn single_table(t: &TableMeta) -> String {
    let mut w = XmlWriter::with_capacity(16 * 1024);
    let mut attrs = NAMESPACES.to_vec();
    attrs.push(("type", t.table_type.as_str()));
    w.open("vosi:table", &attrs);
    table_body(&mut w, t, Detail::Max);
    w.finish()
}
