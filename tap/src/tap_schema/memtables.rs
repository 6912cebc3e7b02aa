//! The TAP_SCHEMA tables as DataFusion MemTables under the schema `tap_schema`, so that
//! `SELECT * FROM TAP_SCHEMA.tables` is an ordinary ADQL query (TAP 1.1 §4).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::MemTable;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;

use super::{adql_column_name, standard, TapMetadata};

fn batch(schema: SchemaRef, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn strings(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

fn ints(values: Vec<Option<i32>>) -> ArrayRef {
    Arc::new(Int32Array::from(values))
}

fn index(i: usize) -> Option<i32> {
    i32::try_from(i + 1).ok()
}

/// The five TAP_SCHEMA record batches, in `standard::all()` order.
pub fn batches(meta: &TapMetadata) -> Result<Vec<(&'static str, RecordBatch)>> {
    let schemas = batch(
        standard::schemas(),
        vec![
            strings(meta.schemas.iter().map(|s| Some(s.name.clone())).collect()),
            strings(meta.schemas.iter().map(|s| s.utype.clone()).collect()),
            strings(meta.schemas.iter().map(|s| s.description.clone()).collect()),
            ints((0..meta.schemas.len()).map(index).collect()),
        ],
    )?;

    let tables: Vec<_> = meta.tables().collect();
    let tables_batch = batch(
        standard::tables(),
        vec![
            strings(tables.iter().map(|t| Some(t.schema.clone())).collect()),
            strings(tables.iter().map(|t| Some(t.qualified_name())).collect()),
            strings(tables.iter().map(|t| Some(t.table_type.clone())).collect()),
            strings(tables.iter().map(|t| t.utype.clone()).collect()),
            strings(tables.iter().map(|t| t.description.clone()).collect()),
            ints((0..tables.len()).map(index).collect()),
        ],
    )?;

    let cols: Vec<_> = tables
        .iter()
        .flat_map(|t| t.columns.iter().enumerate().map(move |(i, c)| (t.qualified_name(), i, c)))
        .collect();
    let flag = |b: bool| Some(i32::from(b));
    let columns = batch(
        standard::columns(),
        vec![
            strings(cols.iter().map(|(t, _, _)| Some(t.clone())).collect()),
            strings(cols.iter().map(|(_, _, c)| Some(c.adql_name().into_owned())).collect()),
            strings(cols.iter().map(|(_, _, c)| Some(c.datatype.clone())).collect()),
            strings(cols.iter().map(|(_, _, c)| c.arraysize.clone()).collect()),
            strings(cols.iter().map(|(_, _, c)| c.xtype.clone()).collect()),
            ints(cols.iter().map(|(_, _, c)| c.size).collect()),
            strings(cols.iter().map(|(_, _, c)| c.description.clone()).collect()),
            strings(cols.iter().map(|(_, _, c)| c.utype.clone()).collect()),
            strings(cols.iter().map(|(_, _, c)| c.unit.clone()).collect()),
            strings(cols.iter().map(|(_, _, c)| c.ucd.clone()).collect()),
            ints(cols.iter().map(|(_, _, c)| flag(c.indexed)).collect()),
            ints(cols.iter().map(|(_, _, c)| flag(c.principal)).collect()),
            ints(cols.iter().map(|(_, _, c)| flag(c.std)).collect()),
            ints(cols.iter().map(|(_, i, _)| index(*i)).collect()),
        ],
    )?;

    let fks: Vec<_> = tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |k| (t.qualified_name(), k)))
        .collect();
    let keys = batch(
        standard::keys(),
        vec![
            strings(fks.iter().map(|(_, k)| Some(k.key_id.clone())).collect()),
            strings(fks.iter().map(|(t, _)| Some(t.clone())).collect()),
            strings(fks.iter().map(|(_, k)| Some(k.target_table.clone())).collect()),
            strings(fks.iter().map(|(_, k)| k.description.clone()).collect()),
            strings(fks.iter().map(|_| None).collect()),
        ],
    )?;
    let pairs: Vec<_> = fks
        .iter()
        .flat_map(|(_, k)| {
            k.columns.iter().map(move |(f, t)| {
                (k.key_id.clone(), adql_column_name(f).into_owned(), adql_column_name(t).into_owned())
            })
        })
        .collect();
    let key_columns = batch(
        standard::key_columns(),
        vec![
            strings(pairs.iter().map(|(k, _, _)| Some(k.clone())).collect()),
            strings(pairs.iter().map(|(_, f, _)| Some(f.clone())).collect()),
            strings(pairs.iter().map(|(_, _, t)| Some(t.clone())).collect()),
        ],
    )?;
    Ok(vec![
        ("schemas", schemas),
        ("tables", tables_batch),
        ("columns", columns),
        ("keys", keys),
        ("key_columns", key_columns),
    ])
}

/// Registers the TAP_SCHEMA tables in `ctx` under the schema `tap_schema` of the default catalog.
/// The schema is lower case because ADQL regular identifiers are case-insensitive and our planner
/// folds them to lower case (so `TAP_SCHEMA.tables` resolves here).
pub fn register(ctx: &SessionContext, meta: &TapMetadata) -> Result<()> {
    let catalog_name = ctx.copied_config().options().catalog.default_catalog.clone();
    let schema_name = standard::TAP_SCHEMA.to_ascii_lowercase();
    if let Some(catalog) = ctx.catalog(&catalog_name) {
        if catalog.schema(&schema_name).is_none() {
            catalog.register_schema(&schema_name, Arc::new(MemorySchemaProvider::new()))?;
        }
    }
    for (name, rb) in batches(meta)? {
        let table = MemTable::try_new(rb.schema(), vec![vec![rb]])?;
        ctx.register_table(format!("{schema_name}.{name}"), Arc::new(table))?;
    }
    Ok(())
}
