//! The metadata model behind TAP_SCHEMA (TAP 1.1 §4) and VOSI /tables (VODataService 1.2): one
//! source of truth, so the two can never disagree (taplint's TMS/TMC stages compare them).

use datafusion::arrow::datatypes::{DataType, Field, Schema};

/// One column as TAP_SCHEMA.columns and VODataService describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    /// Column name as it is queried (lower case for catalog columns).
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// VOUnit string.
    pub unit: Option<String>,
    /// UCD 1+.
    pub ucd: Option<String>,
    /// Utype.
    pub utype: Option<String>,
    /// VOTable datatype (`double`, `long`, `char`, ...), never a TAP/ADQL type: pyvo
    /// breaks on `DOUBLE` in /tables (traps list, `../shared/design/STANDARDS.md`).
    pub datatype: String,
    /// VOTable arraysize (`*`, `2`, `16*`), absent for scalars.
    pub arraysize: Option<String>,
    /// DALI xtype (`point`, `circle`, `polygon`, `timestamp`).
    pub xtype: Option<String>,
    /// Legacy TAP 1.0 `size`, the fixed array length where there is one.
    pub size: Option<i32>,
    /// Shown by default.
    pub principal: bool,
    /// Backed by an index (for us: the HEALPix partitioning and row-group pruning).
    pub indexed: bool,
    /// Defined by a standard (TAP_SCHEMA's own columns).
    pub std: bool,
}

/// A foreign key from one table to another (TAP_SCHEMA.keys, key_columns).
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeyMeta {
    /// Unique key id.
    pub key_id: String,
    /// Qualified name of the target table.
    pub target_table: String,
    /// (from column, target column) pairs.
    pub columns: Vec<(String, String)>,
    /// Free-text description.
    pub description: Option<String>,
}

/// One table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMeta {
    /// Schema name as shown (`gaiadr3`, `TAP_SCHEMA`).
    pub schema: String,
    /// Table name without schema.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Utype.
    pub utype: Option<String>,
    /// `table` or `view`.
    pub table_type: String,
    /// Columns, in order.
    pub columns: Vec<ColumnMeta>,
    /// Foreign keys from this table.
    pub foreign_keys: Vec<ForeignKeyMeta>,
}

impl TableMeta {
    /// `schema.table`, the name TAP_SCHEMA.tables.table_name carries and ADQL queries use.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// One schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaMeta {
    /// Schema name.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Utype.
    pub utype: Option<String>,
    /// Tables, in order.
    pub tables: Vec<TableMeta>,
}

/// Every schema served, TAP_SCHEMA included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TapMetadata {
    /// Schemas in display order.
    pub schemas: Vec<SchemaMeta>,
}

impl TapMetadata {
    /// All tables of all schemas.
    pub fn tables(&self) -> impl Iterator<Item = &TableMeta> {
        self.schemas.iter().flat_map(|s| s.tables.iter())
    }

    /// Finds a table by qualified name, case-insensitively (ADQL regular identifiers are).
    pub fn table(&self, qualified: &str) -> Option<&TableMeta> {
        self.tables().find(|t| t.qualified_name().eq_ignore_ascii_case(qualified))
    }
}

/// A column name as an ADQL query must spell it: regular identifiers as they are, anything else
/// (a leading `_` as in `_healpix_29`, a reserved word such as `size`, other characters) as a
/// delimited identifier with embedded quotes doubled. TAP 1.1 §4.3 asks TAP_SCHEMA.columns (and so
/// /tables and key_columns, which must agree with it) to carry this form; taplint reports the bare
/// form as E-TME-CNID / E-TMS-CRSV and then queries with whatever name it was given.
pub fn adql_column_name(name: &str) -> std::borrow::Cow<'_, str> {
    // ADQL 2.1 §2.1.1: a letter, then letters, digits or underscores.
    let regular = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if regular && !adql::check::reserved::is_reserved(name) {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
    }
}

impl ColumnMeta {
    /// The name as queries spell it (see [`adql_column_name`]).
    pub fn adql_name(&self) -> std::borrow::Cow<'_, str> {
        adql_column_name(&self.name)
    }
}

fn meta<'a>(field: &'a Field, key: &str) -> Option<&'a str> {
    field.metadata().get(key).map(String::as_str).filter(|s| !s.is_empty())
}

/// VOTable datatype, arraysize, xtype of an Arrow field: the output writers' mapping, so that a
/// column is declared in TAP_SCHEMA exactly as it is in result FIELDs.
pub fn votable_type(field: &Field) -> (String, Option<String>, Option<String>) {
    let vo = crate::output::votable_field(field);
    (vo.datatype.as_str().to_string(), vo.arraysize, vo.xtype)
}

/// Describes the columns of an Arrow schema from its Field metadata (`unit`, `ucd`, `description`,
/// `utype`, `xtype`, and the optional `principal`/`indexed` flags).
pub fn columns_from_schema(schema: &Schema, std: bool, indexed_hint: &dyn Fn(&str) -> bool) -> Vec<ColumnMeta> {
    schema
        .fields()
        .iter()
        .map(|field| {
            let (datatype, arraysize, xtype) = votable_type(field);
            let size = match field.data_type() {
                DataType::FixedSizeList(_, n) => Some(*n),
                _ => None,
            };
            let flag = |key: &str| meta(field, key).map(|v| matches!(v, "1" | "true" | "TRUE" | "yes"));
            ColumnMeta {
                name: field.name().clone(),
                description: meta(field, "description").map(str::to_string),
                unit: meta(field, "unit").map(str::to_string),
                ucd: meta(field, "ucd").map(str::to_string),
                utype: meta(field, "utype").map(str::to_string),
                datatype,
                arraysize,
                xtype: meta(field, "xtype").map(str::to_string).or(xtype),
                size,
                // Without explicit metadata, internal columns (leading `_`, like `_healpix_29`) are
                // not principal and everything else is.
                principal: flag("principal").unwrap_or(!field.name().starts_with('_')),
                indexed: flag("indexed").unwrap_or_else(|| indexed_hint(field.name())),
                std,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::adql_column_name;

    #[test]
    fn only_irregular_or_reserved_names_are_delimited() {
        assert_eq!(adql_column_name("phot_g_mean_mag"), "phot_g_mean_mag");
        assert_eq!(adql_column_name("Ra2"), "Ra2");
        assert_eq!(adql_column_name("_healpix_29"), "\"_healpix_29\"");
        assert_eq!(adql_column_name("size"), "\"size\"");
        assert_eq!(adql_column_name("DISTANCE"), "\"DISTANCE\"");
        assert_eq!(adql_column_name("2mass"), "\"2mass\"");
        assert_eq!(adql_column_name("a \"b\""), "\"a \"\"b\"\"\"");
    }
}
