//! Opens the configured HATS catalogs and registers them as `schema.table` in the session.

use std::sync::Arc;

use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::TableProvider;
use datafusion::prelude::SessionContext;

use crate::config::TapConfig;
use crate::error::TapError;
use crate::tap_schema::ServedTable;

/// Registers every configured catalog; returns what TAP_SCHEMA needs to describe them.
pub fn register_catalogs(ctx: &SessionContext, config: &TapConfig) -> Result<Vec<ServedTable>, TapError> {
    let catalog_name = ctx.copied_config().options().catalog.default_catalog.clone();
    let catalog = ctx
        .catalog(&catalog_name)
        .ok_or_else(|| TapError::Internal(format!("default catalog {catalog_name} missing")))?;
    let mut served = Vec::new();
    for cat in &config.catalogs {
        // ADQL regular identifiers are case-insensitive and the planner folds them to lower case.
        let schema = cat.schema.to_ascii_lowercase();
        let name = cat.table.to_ascii_lowercase();
        if schema == "tap_schema" || schema == "tap_upload" {
            return Err(TapError::Config(format!("schema name {schema} is reserved by TAP 1.1")));
        }
        let path = config.catalog_path(cat);
        let hats_catalog = hats::HatsCatalog::open(&path)
            .map_err(|e| TapError::Config(format!("cannot open catalog {schema}.{name} at {}: {e}", path.display())))?;
        let hats_catalog = Arc::new(hats_catalog);
        let mut indexed = vec![hats::healpix::INDEX_COLUMN.to_string()];
        // Positional constraints on ra/dec are turned into `_healpix_29` ranges that prune files
        // and row groups: for a TAP client these columns behave as indexed.
        indexed.push(hats_catalog.ra_column().to_string());
        indexed.push(hats_catalog.dec_column().to_string());
        let description = cat
            .description
            .clone()
            .or_else(|| hats_catalog.properties.get("obs_title").map(str::to_string));
        let table = hats::HatsTable::new(hats_catalog);
        let arrow_schema = table.schema();
        if catalog.schema(&schema).is_none() {
            catalog
                .register_schema(&schema, Arc::new(MemorySchemaProvider::new()))
                .map_err(|e| TapError::Internal(e.to_string()))?;
        }
        ctx.register_table(format!("{schema}.{name}"), Arc::new(table))
            .map_err(|e| TapError::Config(format!("cannot register {schema}.{name}: {e}")))?;
        tracing::info!(table = %format!("{schema}.{name}"), path = %path.display(), "catalog registered");
        served.push(ServedTable {
            schema,
            name,
            description,
            arrow_schema,
            indexed_columns: indexed,
            foreign_keys: cat.foreign_keys.clone(),
        });
    }
    Ok(served)
}
