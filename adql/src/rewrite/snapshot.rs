//! [`PlanningSnapshot`]: what the rewrite needs to know about the session, taken once,
//! asynchronously, before the synchronous rewrite: the schemas of the tables the query names
//! and which functions are registered.

use std::collections::{HashMap, HashSet};

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::sql::sqlparser::ast::{Ident, ObjectName};
use datafusion::common::TableReference;

use healpix::keys::{DEC_COLUMN_KEY, INDEX_COLUMN, RA_COLUMN_KEY};

/// One table of the catalog.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Resolved name, `catalog.schema.table`.
    pub name: String,
    /// Arrow schema of the table.
    pub schema: SchemaRef,
}

impl TableInfo {
    /// The (ra, dec) columns from which `_healpix_29` was computed (schema metadata under the
    /// HATS `properties` keys, else `ra` / `dec`), when the table has an Int64 `_healpix_29`
    /// column: only then can spatial predicates prune it.
    pub fn healpix_position_columns(&self) -> Option<(String, String)> {
        let f = self.schema.field_with_name(INDEX_COLUMN).ok()?;
        if f.data_type() != &DataType::Int64 {
            return None;
        }
        let md = self.schema.metadata();
        let ra = md.get(RA_COLUMN_KEY).cloned().unwrap_or_else(|| "ra".to_string());
        let dec = md.get(DEC_COLUMN_KEY).cloned().unwrap_or_else(|| "dec".to_string());
        Some((ra, dec))
    }

    /// The column of this table a reference resolves to (regular identifiers match
    /// case-insensitively, delimited ones exactly), returned with the schema's spelling.
    pub fn column(&self, id: &Ident) -> Option<String> {
        self.schema.fields().iter().find(|f| ident_matches(id, f.name())).map(|f| f.name().clone())
    }
}

/// ADQL 2.1 §2.1.2: regular identifiers are case-insensitive, delimited ones case-sensitive.
pub fn ident_matches(id: &Ident, name: &str) -> bool {
    if id.quote_style.is_some() {
        id.value == name
    } else {
        id.value.eq_ignore_ascii_case(name)
    }
}

/// The tables a query names (by resolved name) and the registered functions, as the session
/// had them when planning began.
#[derive(Debug, Clone, Default)]
pub struct PlanningSnapshot {
    tables: HashMap<String, TableInfo>,
    functions: HashSet<String>,
    default_catalog: String,
    default_schema: String,
}

impl PlanningSnapshot {
    /// An empty snapshot with DataFusion's default catalog and schema names.
    pub fn new(default_catalog: &str, default_schema: &str) -> Self {
        PlanningSnapshot {
            tables: HashMap::new(),
            functions: HashSet::new(),
            default_catalog: default_catalog.to_string(),
            default_schema: default_schema.to_string(),
        }
    }

    /// Adds a table under its resolved name.
    pub fn add_table(&mut self, info: TableInfo) {
        self.tables.insert(info.name.clone(), info);
    }

    /// Declares a registered (scalar or aggregate) function name, lower case.
    pub fn add_function(&mut self, name: &str) {
        self.functions.insert(name.to_ascii_lowercase());
    }

    /// True if a function of that (lower-case) name is registered.
    pub fn has_function(&self, name: &str) -> bool {
        self.functions.contains(&name.to_ascii_lowercase())
    }

    /// Resolves a FROM name as DataFusion will (regular parts lower-cased).
    pub fn resolve_name(&self, name: &ObjectName) -> Option<String> {
        let r = table_reference(name)?;
        Some(r.resolve(&self.default_catalog, &self.default_schema).to_string())
    }

    /// For a regular identifier: the spelling of a column of the query's tables that matches
    /// it only case-insensitively (e.g. an uploaded `RAJ2000`), when no lower-case column of
    /// that name exists. ADQL 2.1 §2.1.2 makes `raj2000` and `RAJ2000` the same name.
    pub fn column_spelling(&self, regular: &str) -> Option<String> {
        let lower = regular.to_ascii_lowercase();
        let mut found: Option<String> = None;
        for t in self.tables.values() {
            for f in t.schema.fields() {
                if *f.name() == lower {
                    return None;
                }
                if f.name().eq_ignore_ascii_case(&lower) && found.is_none() {
                    found = Some(f.name().clone());
                }
            }
        }
        found
    }

    /// Looks up a FROM name.
    pub fn table(&self, name: &ObjectName) -> Option<&TableInfo> {
        self.tables.get(&self.resolve_name(name)?)
    }
}

/// The DataFusion table reference of an ADQL table name (1 to 3 parts).
pub fn table_reference(name: &ObjectName) -> Option<TableReference> {
    let parts: Option<Vec<String>> = name.0.iter().map(|p| p.as_ident().map(normalize_ident)).collect();
    let parts = parts?;
    match parts.as_slice() {
        [t] => Some(TableReference::bare(t.clone())),
        [s, t] => Some(TableReference::partial(s.clone(), t.clone())),
        [c, s, t] => Some(TableReference::full(c.clone(), s.clone(), t.clone())),
        _ => None,
    }
}

/// Regular identifiers fold to lower case (our schemas are lower case); delimited ones are kept.
pub fn normalize_ident(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_ascii_lowercase()
    }
}
