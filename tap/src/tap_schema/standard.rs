//! The five TAP_SCHEMA tables' own Arrow schemas (TAP 1.1 §4.1-§4.5), with the descriptions and
//! the `std` flag their rows in TAP_SCHEMA.columns carry.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// The schema name as TAP 1.1 spells it.
pub const TAP_SCHEMA: &str = "TAP_SCHEMA";

fn col(name: &str, data_type: DataType, nullable: bool, description: &str) -> Field {
    let metadata = HashMap::from([
        ("description".to_string(), description.to_string()),
        ("principal".to_string(), "1".to_string()),
    ]);
    Field::new(name, data_type, nullable).with_metadata(metadata)
}

fn text(name: &str, nullable: bool, description: &str) -> Field {
    col(name, DataType::Utf8, nullable, description)
}

fn int(name: &str, nullable: bool, description: &str) -> Field {
    col(name, DataType::Int32, nullable, description)
}

/// TAP 1.1 §4.1.
pub fn schemas() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("schema_name", false, "schema name for reference to tap_schema.schemas"),
        text("utype", true, "lists the utypes of schemas in the tableset"),
        text("description", true, "describes schemas in the tableset"),
        int("schema_index", true, "recommended sort order when listing schemas"),
    ]))
}

/// TAP 1.1 §4.2.
pub fn tables() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("schema_name", false, "the schema this table belongs to"),
        text("table_name", false, "the fully qualified table name"),
        text("table_type", false, "one of: table view"),
        text("utype", true, "lists the utype of tables in the tableset"),
        text("description", true, "describes tables in the tableset"),
        int("table_index", true, "recommended sort order when listing tables"),
    ]))
}

/// TAP 1.1 §4.3.
pub fn columns() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("table_name", false, "the table this column belongs to"),
        text("column_name", false, "the column name"),
        text("datatype", false, "lists the ADQL datatype of columns in the tableset"),
        text("arraysize", true, "lists the size of variable-length columns in the tableset"),
        text("xtype", true, "a DALI or custom extended type annotation"),
        int("size", true, "deprecated: use arraysize"),
        text("description", true, "describes the columns in the tableset"),
        text("utype", true, "lists the utypes of columns in the tableset"),
        text("unit", true, "lists the unit used for column values in the tableset"),
        text("ucd", true, "lists the UCDs of columns in the tableset"),
        int("indexed", false, "an indexed column; 1 means 1, 0 means 0"),
        int("principal", false, "a principal column; 1 means 1, 0 means 0"),
        int("std", false, "a standard column; 1 means 1, 0 means 0"),
        int("column_index", true, "recommended sort order when listing columns"),
    ]))
}

/// TAP 1.1 §4.4.
pub fn keys() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("key_id", false, "unique key identifier"),
        text("from_table", false, "fully qualified table name"),
        text("target_table", false, "fully qualified table name"),
        text("description", true, "description of this key"),
        text("utype", true, "utype of this key"),
    ]))
}

/// TAP 1.1 §4.5.
pub fn key_columns() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("key_id", false, "key identifier from TAP_SCHEMA.keys"),
        text("from_column", false, "key column name in the from_table"),
        text("target_column", false, "key column name in the target_table"),
    ]))
}

/// (table name, schema, description) of every TAP_SCHEMA table, in display order.
pub fn all() -> Vec<(&'static str, SchemaRef, &'static str)> {
    vec![
        ("schemas", schemas(), "description of schemas in this tableset"),
        ("tables", tables(), "description of tables in this tableset"),
        ("columns", columns(), "description of columns in this tableset"),
        ("keys", keys(), "description of foreign keys in this tableset"),
        ("key_columns", key_columns(), "description of foreign key columns in this tableset"),
    ]
}

/// The foreign keys between the TAP_SCHEMA tables themselves, as DaCHS and the TAP 1.1 example
/// TAP_SCHEMA declare them: (key id, from table, target table, (from column, target column)).
pub fn internal_keys() -> Vec<(&'static str, &'static str, &'static str, (&'static str, &'static str))> {
    vec![
        ("tap_schema_tables_schema", "tables", "schemas", ("schema_name", "schema_name")),
        ("tap_schema_columns_table", "columns", "tables", ("table_name", "table_name")),
        ("tap_schema_keys_from", "keys", "tables", ("from_table", "table_name")),
        ("tap_schema_keys_target", "keys", "tables", ("target_table", "table_name")),
        ("tap_schema_key_columns_key", "key_columns", "keys", ("key_id", "key_id")),
    ]
}
