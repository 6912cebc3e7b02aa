//! Names the HATS convention fixes (hats `properties` keys and the per-row index column), in one
//! place so that the writer, the catalog reader and the planner cannot drift apart.

/// Name of the order-29 NESTED HEALPix column every HATS table carries (`hats_col_healpix`'s
/// default value).
pub const INDEX_COLUMN: &str = "_healpix_29";

/// `properties` key naming the right-ascension column the index was computed from.
pub const RA_COLUMN_KEY: &str = "hats_col_ra";

/// `properties` key naming the declination column the index was computed from.
pub const DEC_COLUMN_KEY: &str = "hats_col_dec";

/// `properties` key naming the per-row index column.
pub const INDEX_COLUMN_KEY: &str = "hats_col_healpix";

/// `properties` key giving the order of the per-row index column.
pub const INDEX_ORDER_KEY: &str = "hats_col_healpix_order";
