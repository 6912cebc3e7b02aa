//! The session one query with uploads is planned in: the service's session with a `tap_upload`
//! schema holding that query's tables, and nothing shared with other queries. The served
//! schemas are the same providers (no copy of any data), in a catalog of the query's own, so an
//! upload can never become visible to another query, and is dropped with the query's session.

use std::sync::Arc;

use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemoryCatalogProviderList, MemorySchemaProvider};
use datafusion::catalog::{CatalogProviderList, SchemaProvider};
use datafusion::datasource::MemTable;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;

use super::{UploadError, UploadTable};

/// The ADQL schema of uploaded tables (TAP 1.1 §2.5.4).
pub const UPLOAD_SCHEMA: &str = "tap_upload";

fn internal(e: impl std::fmt::Display) -> UploadError {
    UploadError::Internal(e.to_string())
}

/// `base` plus `tap_upload.<name>` for each table.
pub fn session_with_uploads(base: &SessionContext, tables: Vec<UploadTable>) -> Result<SessionContext, UploadError> {
    let state = base.state();
    let default_catalog = state.config().options().catalog.default_catalog.clone();
    let catalogs = MemoryCatalogProviderList::new();
    for name in base.catalog_names() {
        let Some(catalog) = base.catalog(&name) else { continue };
        if name != default_catalog {
            catalogs.register_catalog(name, catalog);
            continue;
        }
        let own = MemoryCatalogProvider::new();
        for schema in catalog.schema_names() {
            if let Some(provider) = catalog.schema(&schema) {
                own.register_schema(&schema, provider).map_err(internal)?;
            }
        }
        let uploads = MemorySchemaProvider::new();
        for table in tables.iter() {
            let mem = MemTable::try_new(Arc::clone(&table.schema), vec![table.batches.clone()]).map_err(internal)?;
            uploads.register_table(table.name.clone(), Arc::new(mem)).map_err(internal)?;
        }
        own.register_schema(UPLOAD_SCHEMA, Arc::new(uploads)).map_err(internal)?;
        catalogs.register_catalog(name, Arc::new(own));
    }
    let state = SessionStateBuilder::new_from_existing(state).with_catalog_list(Arc::new(catalogs)).build();
    Ok(SessionContext::new_with_state(state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;

    fn table(name: &str) -> UploadTable {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(Int64Array::from(vec![1, 2, 3]))]);
        UploadTable { name: name.into(), schema, batches: batch.into_iter().collect(), position: None }
    }

    #[tokio::test]
    async fn uploads_are_seen_by_their_session_only() {
        let base = SessionContext::new();
        let with = match session_with_uploads(&base, vec![table("mine")]) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let count = with.sql("SELECT count(*) FROM tap_upload.mine").await;
        let rows = match count {
            Ok(df) => df.collect().await.map(|b| b.iter().map(RecordBatch::num_rows).sum::<usize>()),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(rows.ok(), Some(1));
        assert!(base.table_provider("tap_upload.mine").await.is_err());
        assert!(base.catalog("datafusion").and_then(|c| c.schema(UPLOAD_SCHEMA)).is_none());
    }
}
