//! [`SkyPartition`]: what a HATS file says about where its rows are, attached by the HATS scan to
//! each file it plans (a typed DataFusion file extension), so that a crossmatch can pair the
//! partitions of two catalogues instead of holding one of them whole; and [`margin`], the sky
//! within a radius of a pixel, which is where the other catalogue's partners of its rows can be.

use crate::index::{center, pixel_range29};
use crate::ranges::RangeSet;
use crate::{cone_cells, ConeCells};

/// Every row of the file has its (`ra_column`, `dec_column`) position in pixel `npix` at
/// `order` (the HATS partition `Norder=order/Npix=npix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkyPartition {
    /// HEALPix order of the partition.
    pub order: u8,
    /// NESTED pixel number at `order`.
    pub npix: u64,
    /// The column the index was computed from: right ascension, degrees.
    pub ra_column: String,
    /// Declination, degrees.
    pub dec_column: String,
}

impl SkyPartition {
    /// The order-29 index values the partition holds.
    pub fn range29(&self) -> std::ops::Range<u64> {
        pixel_range29(self.order, self.npix)
    }
}

/// Angular distance in degrees between two positions given in radians (haversine).
fn distance_deg((lon1, lat1): (f64, f64), (lon2, lat2): (f64, f64)) -> f64 {
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    (2.0 * h.sqrt().min(1.0).asin()).to_degrees()
}

/// The largest distance (degrees) from the centre of pixel `npix` at `order` to its edge,
/// measured along the edge itself. Not `cdshealpix::largest_center_to_vertex_distance`: that
/// estimate is short for cells beside the polar caps (order 2, pixel 3: 10.9 degrees for a
/// vertex 11.8 degrees away), which would lose pairs across such a vertex. HEALPix edges bow
/// a little between samples, hence the 1% allowance.
fn reach_deg(order: u8, npix: u64) -> f64 {
    let centre = cdshealpix::nested::center(order, npix);
    let edge = cdshealpix::nested::path_along_cell_edge(order, npix, &cdshealpix::compass_point::Cardinal::S, false, 16);
    edge.iter().map(|&p| distance_deg(centre, p)).fold(0.0, f64::max) * 1.01 + 1e-9
}

/// The order-29 ranges of the cells (at `order`) a point within `radius_deg` of pixel `npix` at
/// `order` can be in: a superset, never missing one. It covers the cone around the pixel's
/// centre whose radius is the centre-to-edge distance plus `radius_deg`; the whole sky when
/// that reaches a hemisphere or the input is not a pixel.
pub fn margin(order: u8, npix: u64, radius_deg: f64) -> RangeSet {
    let Some((ra, dec)) = center(order, npix) else { return RangeSet::all() };
    if radius_deg.is_nan() || radius_deg < 0.0 {
        return RangeSet::empty();
    }
    let reach = reach_deg(order, npix);
    let mut cells = Vec::new();
    match cone_cells(order, ra, dec, reach + radius_deg, &mut cells) {
        ConeCells::Cells => {
            cells.push(npix);
            RangeSet::from_ranges(cells.iter().map(|&c| pixel_range29(order, c)))
        }
        ConeCells::All | ConeCells::None => RangeSet::all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::healpix29;
    use crate::test_support::ring;

    #[test]
    fn the_margin_holds_every_point_near_the_pixel() {
        for (order, npix) in [(0u8, 0u64), (0, 4), (2, 3), (3, 15), (3, 100), (5, 0), (5, 255), (5, 12_287), (7, 65_000), (9, 1)] {
            let set = margin(order, npix, 0.1);
            assert!(set.contains(pixel_range29(order, npix).start), "the pixel itself");
            for (lon, lat) in cdshealpix::nested::vertices(order, npix) {
                let (ra, dec) = (lon.to_degrees(), lat.to_degrees());
                for (r, d) in ring(ra, dec, 0.099) {
                    let h = healpix29(r, d).expect("on the sky");
                    assert!(set.contains(h), "order {order} pixel {npix}: ({r}, {d}) near vertex ({ra}, {dec})");
                }
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(margin(3, 1, f64::NAN).is_empty());
        assert!(margin(3, 1, -1.0).is_empty());
        assert!(margin(0, 5, 100.0).is_all());
        assert!(margin(4, u64::MAX, 0.1).is_all(), "not a pixel: no pruning");
        assert!(!margin(4, 5, 0.0).is_all());
    }
}
