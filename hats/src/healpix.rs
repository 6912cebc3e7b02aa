//! HEALPix arithmetic for the HATS layout: the workspace's one HEALPix module
//! (`astrotap-healpix`), re-exported under the path the storage code has always used.

pub use ::healpix::index::*;
pub use ::healpix::keys::*;
pub use ::healpix::{range_filter_of, RangeFilter, RangeSet};
