//! TAP_SCHEMA (TAP 1.1 §4): the metadata model built from the configuration and the catalogs'
//! Arrow field metadata, and its five tables registered in DataFusion so ADQL can query them.

mod memtables;
mod model;
pub mod standard;

use std::collections::BTreeMap;

use datafusion::arrow::datatypes::SchemaRef;

pub use memtables::register;
pub use model::{
    adql_column_name, columns_from_schema, votable_type, ColumnMeta, ForeignKeyMeta, SchemaMeta, TableMeta, TapMetadata,
};

use crate::config::ForeignKeyConfig;

/// A table the service serves, as the engine opened it.
#[derive(Debug, Clone)]
pub struct ServedTable {
    /// ADQL schema name.
    pub schema: String,
    /// ADQL table name.
    pub name: String,
    /// Description (from the configuration or the catalog).
    pub description: Option<String>,
    /// Arrow schema with Field metadata.
    pub arrow_schema: SchemaRef,
    /// Columns that pruning makes cheap to constrain (flagged `indexed`).
    pub indexed_columns: Vec<String>,
    /// Configured foreign keys.
    pub foreign_keys: Vec<ForeignKeyConfig>,
}

/// Builds the metadata of every served table plus TAP_SCHEMA's own tables (which TAP 1.1 §4
/// requires to describe themselves).
pub fn build_metadata(served: &[ServedTable], schema_descriptions: &BTreeMap<String, String>) -> TapMetadata {
    let mut schemas: Vec<SchemaMeta> = Vec::new();
    for table in served {
        let schema = match schemas.iter_mut().position(|s| s.name == table.schema) {
            Some(i) => &mut schemas[i],
            None => {
                schemas.push(SchemaMeta {
                    name: table.schema.clone(),
                    description: schema_descriptions.get(&table.schema).cloned(),
                    utype: None,
                    tables: Vec::new(),
                });
                let last = schemas.len() - 1;
                &mut schemas[last]
            }
        };
        let indexed = |name: &str| table.indexed_columns.iter().any(|c| c == name);
        let qualified = format!("{}.{}", table.schema, table.name);
        let foreign_keys = table
            .foreign_keys
            .iter()
            .enumerate()
            .map(|(i, fk)| ForeignKeyMeta {
                key_id: format!("{qualified}_fk{i}"),
                target_table: fk.target_table.clone(),
                columns: fk.columns.clone(),
                description: fk.description.clone(),
            })
            .collect();
        schema.tables.push(TableMeta {
            schema: table.schema.clone(),
            name: table.name.clone(),
            description: table.description.clone(),
            utype: None,
            table_type: "table".to_string(),
            columns: columns_from_schema(&table.arrow_schema, false, &indexed),
            foreign_keys,
        });
    }

    let internal = standard::internal_keys();
    let tap_tables = standard::all()
        .into_iter()
        .map(|(name, arrow_schema, description)| TableMeta {
            schema: standard::TAP_SCHEMA.to_string(),
            name: name.to_string(),
            description: Some(description.to_string()),
            utype: None,
            table_type: "table".to_string(),
            columns: columns_from_schema(&arrow_schema, true, &|_: &str| false),
            foreign_keys: internal
                .iter()
                .filter(|(_, from, _, _)| *from == name)
                .map(|(id, _, target, (fc, tc))| ForeignKeyMeta {
                    key_id: (*id).to_string(),
                    target_table: format!("{}.{target}", standard::TAP_SCHEMA),
                    columns: vec![((*fc).to_string(), (*tc).to_string())],
                    description: None,
                })
                .collect(),
        })
        .collect();
    schemas.push(SchemaMeta {
        name: standard::TAP_SCHEMA.to_string(),
        description: Some("Metadata of the tables this service publishes (TAP 1.1 §4)".to_string()),
        utype: None,
        tables: tap_tables,
    });
    TapMetadata { schemas }
}
