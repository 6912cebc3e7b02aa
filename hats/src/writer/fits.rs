//! `skymap.fits` and `point_map.fits`: explicit HEALPix count maps, written with the very function
//! the `hats` Python package calls (cdshealpix's `write_explicit_skymap_fits_from_parts`), so the
//! bytes match what hats-import writes.

use std::io::BufWriter;
use std::path::Path;

use crate::error::{HatsError, Result};
use crate::writer::plan::Histogram;

/// Writes the histogram as an explicit (PIXEL, VALUE) int64 FITS binary table.
pub fn write_count_map(path: &Path, hist: &Histogram) -> Result<()> {
    let n = hist.non_empty().count();
    let file = std::fs::File::create(path).map_err(|e| HatsError::io(path, e))?;
    let keys = hist.non_empty().map(|(p, _)| p);
    let vals = hist.non_empty().map(|(_, c)| c as i64);
    cdshealpix::nested::map::fits::write::write_explicit_skymap_fits_from_parts(
        BufWriter::new(file),
        hist.order,
        n,
        keys,
        vals,
    )
    .map_err(|e| HatsError::layout(path, format!("writing FITS count map: {e}")))
}
