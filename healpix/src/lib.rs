//! The one HEALPix module of astrotap, shared by the ADQL planner (`adql`) and the storage layer
//! (`hats`) so that both agree on every index, range and name:
//!
//! - [`index`]: the order-29 NESTED index HATS stores per row (`_healpix_29`), pixel ↔ range
//!   arithmetic, and the one rule for invalid positions (no index: `None`);
//! - [`ranges`]: [`RangeSet`], a sorted disjoint union of order-29 index ranges;
//! - [`keys`]: HATS column names and `properties` keys;
//! - [`cone_cells`]: the order a crossmatch buckets at for a radius, and the cells a cone can
//!   touch there;
//! - [`partition`]: [`SkyPartition`], where a HATS file's rows are (a file extension the scan
//!   attaches for the crossmatch), and the margin of a pixel: where partners within a radius are;
//! - [`filter`]: [`RangeFilter`], the DataFusion expression through which the ADQL rewrite hands a
//!   range set to the HATS scan as a value (never as an SQL OR-chain that the scan parses back).
#![deny(missing_docs)]

pub mod cone_cells;
pub mod filter;
pub mod index;
pub mod keys;
pub mod partition;
pub mod ranges;

pub use cone_cells::{cone_cells, order_for_radius, ConeCells};
pub use filter::{range_filter_of, RangeFilter};
pub use index::{center, hash, healpix29, npix, parent, pixel_of_range29, pixel_range29, valid_position, INDEX_ORDER};
pub use keys::INDEX_COLUMN;
pub use partition::{margin, SkyPartition};
pub use ranges::RangeSet;

#[cfg(test)]
mod test_support;
