//! Deterministic synthetic Gaia-like catalogs (seeded, any size): `gaia_source`,
//! `xp_continuous_mean_spectrum` and `epoch_photometry`, with Gaia DR3 names, units and UCDs.

pub mod epoch;
pub mod gaia_source;
pub mod rng;
pub mod sky;
pub mod xp;

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, SchemaRef};
use hats::error::Result;
use hats::source::BatchSource;

const SEED_GAIA_SOURCE: u64 = 0x6761_6961;
const SEED_XP: u64 = 0x7870_7370;
const SEED_EPOCH: u64 = 0x6570_6f63;

/// Rows per generated batch.
const BATCH_ROWS: u64 = 65_536;

/// A field with the column metadata convention shared by every crate (`unit`, `ucd`, `description`).
pub(crate) fn field(name: &str, dt: DataType, nullable: bool, unit: Option<&str>, ucd: &str, description: &str) -> Field {
    let mut md = HashMap::new();
    if let Some(u) = unit {
        md.insert("unit".to_string(), u.to_string());
    }
    md.insert("ucd".to_string(), ucd.to_string());
    md.insert("description".to_string(), description.to_string());
    Field::new(name, dt, nullable).with_metadata(md)
}

/// Which synthetic table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntheticTable {
    /// `gaia_source`: one row per star.
    GaiaSource,
    /// `xp_continuous_mean_spectrum` for every `step`-th star.
    XpSpectra {
        /// Stride through gaia_source.
        step: u64,
    },
    /// `epoch_photometry` for every `step`-th star.
    EpochPhotometry {
        /// Stride through gaia_source.
        step: u64,
    },
}

/// A re-playable source of synthetic rows, for the partitioning writer.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// Which table.
    pub table: SyntheticTable,
    /// Seed of the whole synthetic sky (shared by the three tables so their source_ids join).
    pub seed: u64,
    /// Number of rows of this table.
    pub rows: u64,
}

impl Synthetic {
    /// The table's Arrow schema.
    pub fn table_schema(&self) -> SchemaRef {
        match self.table {
            SyntheticTable::GaiaSource => gaia_source::schema(),
            SyntheticTable::XpSpectra { .. } => xp::schema(),
            SyntheticTable::EpochPhotometry { .. } => epoch::schema(),
        }
    }

    /// Rows `start..end` of the table.
    pub fn batch(&self, start: u64, end: u64) -> RecordBatch {
        match self.table {
            SyntheticTable::GaiaSource => gaia_source::batch(self.seed, start, end),
            SyntheticTable::XpSpectra { step } => xp::batch(self.seed, step, start, end),
            SyntheticTable::EpochPhotometry { step } => epoch::batch(self.seed, step, start, end),
        }
    }
}

impl BatchSource for Synthetic {
    fn schema(&self) -> SchemaRef {
        self.table_schema()
    }

    fn open(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>> {
        let this = Arc::new(self.clone());
        let rows = self.rows;
        Ok(Box::new((0..rows.div_ceil(BATCH_ROWS)).map(move |b| {
            let start = b * BATCH_ROWS;
            Ok(this.batch(start, (start + BATCH_ROWS).min(rows)))
        })))
    }

    fn describe(&self) -> String {
        format!("synthetic {:?} ({} rows, seed {})", self.table, self.rows, self.seed)
    }

    fn total_rows_hint(&self) -> Option<u64> {
        Some(self.rows)
    }
}
