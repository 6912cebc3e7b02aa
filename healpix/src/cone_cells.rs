//! The cells a small cone can touch, for bucketing crossmatches.
//!
//! A crossmatch buckets one side by its NESTED cell at an order chosen from the radius and looks
//! each point of the other side up in the cells its cone may overlap. CDS's `cdshealpix` gives
//! the bound that makes this exact: at order `k`, a cone whose radius is smaller than the
//! smallest edge-to-opposite-edge distance of a cell overlaps at most the cell holding its centre
//! and that cell's 8 (7 at the base-cell corners) neighbours; `best_starting_depth(r)` is the
//! deepest such order. Larger cones (a per-row radius above the order's bound) fall back to the
//! cone's coverage at order `k`, so no pair is ever lost across a cell border.

use crate::index::{hash, valid_position, INDEX_ORDER};

/// Cones of at least this radius (degrees) see the whole sky as candidates: a coverage would
/// not be smaller.
pub const WHOLE_SKY_RADIUS_DEG: f64 = 90.0;

/// The deepest order at which every cone of radius `radius_deg` overlaps at most the 3x3 block
/// of cells around its centre; `None` for radii too large for any order (about 48 degrees and
/// up) and invalid radii.
fn block_order(radius_deg: f64) -> Option<u8> {
    let r = radius_deg.to_radians();
    (r.is_finite() && r >= 0.0 && cdshealpix::has_best_starting_depth(r))
        .then(|| cdshealpix::best_starting_depth(r).min(INDEX_ORDER))
}

/// The order to bucket a crossmatch of radius `radius_deg` at: [`block_order`], or 0 when no
/// order gives 3x3 blocks (such cones use their coverage).
pub fn order_for_radius(radius_deg: f64) -> u8 {
    block_order(radius_deg).unwrap_or(0)
}

/// Whether a cone of `radius_deg` around any point overlaps only the 3x3 block at `order`.
fn fits_block(order: u8, radius_deg: f64) -> bool {
    block_order(radius_deg).is_some_and(|deepest| deepest >= order)
}

/// Where a cone's candidates are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConeCells {
    /// Nothing can match: the centre is not a position, or the radius is negative or NaN.
    None,
    /// Only the cells listed (appended to the caller's buffer, order `k`, NESTED).
    Cells,
    /// Any cell: the cone is at least [`WHOLE_SKY_RADIUS_DEG`].
    All,
}

/// Appends to `out` the order-`order` cells a cone of `radius_deg` around (`ra_deg`, `dec_deg`)
/// may overlap (a superset, never missing one), and says which case applies.
pub fn cone_cells(order: u8, ra_deg: f64, dec_deg: f64, radius_deg: f64, out: &mut Vec<u64>) -> ConeCells {
    if !valid_position(ra_deg, dec_deg) || radius_deg.is_nan() || radius_deg < 0.0 {
        return ConeCells::None;
    }
    if radius_deg >= WHOLE_SKY_RADIUS_DEG {
        return ConeCells::All;
    }
    let Some(centre) = hash(order, ra_deg, dec_deg) else { return ConeCells::None };
    if fits_block(order, radius_deg) {
        out.extend(cdshealpix::nested::neighbours(order, centre, true).values_vec());
    } else {
        let bmoc = cdshealpix::nested::cone_coverage_approx(
            order,
            ra_deg.rem_euclid(360.0).to_radians(),
            dec_deg.to_radians(),
            radius_deg.to_radians(),
        );
        let mut found: Vec<u64> = bmoc.flat_iter().collect();
        // The centre's own cell is always a candidate, whatever the approximation did.
        found.push(centre);
        found.sort_unstable();
        found.dedup();
        out.extend(found);
    }
    ConeCells::Cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(order: u8, ra: f64, dec: f64, r: f64) -> Vec<u64> {
        let mut v = Vec::new();
        assert_eq!(cone_cells(order, ra, dec, r, &mut v), ConeCells::Cells);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Points on a ring of radius `r` (slightly inside) around the centre.
    fn ring(ra: f64, dec: f64, r: f64) -> Vec<(f64, f64)> {
        crate::test_support::ring(ra, dec, r * 0.999_999)
    }

    #[test]
    fn orders_follow_the_radius() {
        assert_eq!(order_for_radius(1.0), 5);
        assert_eq!(order_for_radius(3.0 / 3600.0), 15);
        assert_eq!(order_for_radius(60.0), 0);
        assert_eq!(order_for_radius(f64::NAN), 0);
        assert_eq!(order_for_radius(-1.0), 0);
        assert_eq!(order_for_radius(0.0), 29);
    }

    /// Every point of the cone's edge lies in one of the cells returned: at the poles, across
    /// RA = 0, on base-cell corners, and for radii above the order's 3x3 bound.
    #[test]
    fn no_point_of_the_cone_is_outside_the_cells() {
        let centres = [(0.0, 0.0), (359.9999, 0.0), (0.0, 89.9999), (123.0, -90.0), (45.0, 41.8103149), (90.0, -41.8103149), (10.0, 66.0)];
        for (ra, dec) in centres {
            for (order, r) in [(order_for_radius(1.0 / 3600.0), 1.0 / 3600.0), (order_for_radius(0.5), 0.5), (12, 0.3), (8, 2.0), (0, 60.0), (0, 75.0)] {
                let got = cells(order, ra, dec, r);
                for (pra, pdec) in ring(ra, dec, r) {
                    let h = hash(order, pra, pdec).expect("on the sky");
                    assert!(got.binary_search(&h).is_ok(), "order {order} r {r} centre ({ra},{dec}) misses ({pra},{pdec})");
                }
            }
        }
    }

    #[test]
    fn invalid_and_huge_cones() {
        let mut v = Vec::new();
        assert_eq!(cone_cells(10, f64::NAN, 0.0, 1.0, &mut v), ConeCells::None);
        assert_eq!(cone_cells(10, 0.0, 91.0, 1.0, &mut v), ConeCells::None);
        assert_eq!(cone_cells(10, 0.0, 0.0, -1.0, &mut v), ConeCells::None);
        assert_eq!(cone_cells(10, 0.0, 0.0, f64::NAN, &mut v), ConeCells::None);
        assert_eq!(cone_cells(10, 0.0, 0.0, 120.0, &mut v), ConeCells::All);
        assert!(v.is_empty());
    }
}
