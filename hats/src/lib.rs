//! HATS (Hierarchical Adaptive Tiling Scheme) catalogs: HEALPix-partitioned Parquet as written by
//! the astronomy-commons `hats` / `hats-import` packages, served to DataFusion with file and
//! row-group pruning from `_healpix_29` predicates.

pub mod catalog;
pub mod error;
pub mod healpix;
pub mod ingest;
pub mod layout;
pub mod properties;
pub mod provider;
pub mod pruning;
pub mod row_groups;
pub mod scan_summary;
pub mod source;
pub mod writer;

pub use catalog::HatsCatalog;
pub use error::HatsError;
pub use provider::HatsTable;
