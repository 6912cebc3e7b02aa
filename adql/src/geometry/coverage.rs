//! HEALPix coverage of ADQL shapes as merged ranges of order-29 NESTED indices: the coarse
//! filter the rewriter turns into `_healpix_29` range predicates (HATS convention, one index per
//! row), so that file, row-group and page pruning happen before the exact geometric test.
//!
//! Every function returns a *superset* of the shape: cells are computed with `cdshealpix`'s
//! conservative coverage at an order chosen from the shape size (cells about half the shape's
//! radius, hence a few dozen ranges), and the partially covered boundary cells are then dilated
//! by their neighbours so that floating-point disagreements between `cdshealpix` and our own
//! kernels along the boundary can never drop a row.

use super::polygon::Polygon;
use super::shapes::SkyBox;
use super::sphere::valid_lonlat;
use super::GeometryError;
use cdshealpix::nested::bmoc::BMOC;
use cdshealpix::sph_geom::ContainsSouthPoleMethod;
use std::ops::Range;

/// The HATS index order.
const ORDER: u8 = healpix::INDEX_ORDER;
/// Number of order-29 cells on the sphere (12·4^29).
const NSIDE29_CELLS: u64 = 12 << 58;

/// Order at which a shape of (bounding) radius `r_deg` is covered by cells of about r/2:
/// ~2πr/(r/2) ≈ 13 boundary cells, so a few dozen merged ranges at most.
fn order_for_radius(r_deg: f64) -> u8 {
    // Mean cell size at order d is ≈ 58.63° / 2^d.
    if !(r_deg > 0.0) {
        return 27;
    }
    let d = (2.0 * 58.63 / r_deg).log2().floor();
    d.clamp(0.0, 27.0) as u8
}

/// Cells of the BMOC plus the neighbours of its partially covered cells, as sorted order-29
/// ranges, merged.
fn dilated_ranges(bmoc: &BMOC, depth: u8) -> Vec<Range<u64>> {
    let layer = cdshealpix::nested::get(depth);
    let mut cells: Vec<u64> = Vec::new();
    for cell in bmoc.flat_iter_cell() {
        cells.push(cell.hash);
        if !cell.is_full {
            layer.append_bulk_neighbours(cell.hash, &mut cells);
        }
    }
    cells.sort_unstable();
    cells.dedup();
    let shift = 2 * (ORDER - depth) as u32;
    let mut out: Vec<Range<u64>> = Vec::new();
    for h in cells {
        let r = (h << shift)..((h + 1) << shift);
        match out.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => out.push(r),
        }
    }
    out
}

/// Merged order-29 ranges covering the cone (ra, dec, radius), degrees.
pub fn cone_ranges(ra: f64, dec: f64, radius_deg: f64) -> Result<Vec<Range<u64>>, GeometryError> {
    if !valid_lonlat(ra, dec) {
        return Err(GeometryError::InvalidCoordinates { lon: ra, lat: dec });
    }
    if !(radius_deg.is_finite() && radius_deg >= 0.0) {
        return Err(GeometryError::InvalidRadius(radius_deg));
    }
    if radius_deg >= 90.0 {
        // A coverage this large prunes little; the whole sphere is the honest superset.
        return Ok(vec![0..NSIDE29_CELLS]);
    }
    let depth = order_for_radius(radius_deg);
    // A tiny relative + absolute margin against rounding in cdshealpix's cone tests.
    let r = radius_deg.to_radians() * (1.0 + 1e-9) + 1e-12;
    let lon = super::sphere::normalize_lon(ra).to_radians();
    let bmoc = cdshealpix::nested::get(depth).cone_coverage_approx_custom(2, lon, dec.to_radians(), r);
    Ok(dilated_ranges(&bmoc, depth))
}

/// Merged order-29 ranges covering the polygon (vertices (lon, lat) in degrees, either
/// winding; the smaller region is the inside, as in [`Polygon`]).
pub fn polygon_ranges(vertices: &[(f64, f64)]) -> Result<Vec<Range<u64>>, GeometryError> {
    let poly = Polygon::new(vertices)?;
    Ok(polygon_ranges_of(&poly))
}

/// As [`polygon_ranges`] for an already-built polygon.
pub fn polygon_ranges_of(poly: &Polygon) -> Vec<Range<u64>> {
    let (c, r) = poly.bounding_cap();
    let r_deg = r.to_degrees();
    if r_deg >= 90.0 {
        return vec![0..NSIDE29_CELLS];
    }
    let verts: Vec<(f64, f64)> = poly
        .vertices()
        .iter()
        .map(|&(l, b)| (l.to_radians(), b.to_radians()))
        .collect();
    // cdshealpix asserts that every vertex is strictly off the poles (|lat| < π/2, a panic
    // the parser fuzz found with a vertex at dec 90): such a polygon is covered by its bounding
    // cap instead, a superset like every coverage here.
    if verts.iter().any(|&(_, b)| b.abs() >= std::f64::consts::FRAC_PI_2 - 1e-12) {
        let (clon, clat) = super::sphere::lonlat(&c);
        return cone_ranges(clon, clat, r_deg).unwrap_or_else(|_| vec![0..NSIDE29_CELLS]);
    }
    let depth = order_for_radius(r_deg);
    // Tell cdshealpix which side is inside using our own (smaller-region) orientation.
    let (_, south_inside) = poly.poles_inside();
    let method = if south_inside {
        ContainsSouthPoleMethod::ContainsSouthPole
    } else {
        ContainsSouthPoleMethod::DoNotContainsSouthPole
    };
    let bmoc = cdshealpix::nested::get(depth).custom_polygon_coverage(&verts, &method, true);
    dilated_ranges(&bmoc, depth)
}

/// Merged order-29 ranges covering an ADQL BOX (centre, width, height in degrees).
pub fn box_ranges(ra: f64, dec: f64, width: f64, height: f64) -> Result<Vec<Range<u64>>, GeometryError> {
    let b = SkyBox::new(ra, dec, width, height)?;
    Ok(polygon_ranges_of(&b.to_polygon()?))
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::sphere::{offset, unit_vector};
    use healpix::{healpix29, RangeSet};

    fn ranges_contain(ranges: &[Range<u64>], h: Option<u64>) -> bool {
        h.is_some_and(|h| RangeSet::from_ranges(ranges.to_vec()).contains(h))
    }

    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn check_sorted_merged(r: &[Range<u64>]) {
        for w in r.windows(2) {
            assert!(w[0].end < w[1].start, "{r:?}");
        }
        for x in r {
            assert!(x.start < x.end && x.end <= NSIDE29_CELLS);
        }
    }

    #[test]
    fn cone_coverage_is_superset() {
        let mut rnd = lcg(5);
        for &(ra, dec, r) in &[
            (0.0, 0.0, 1.0),
            (359.99, 0.0, 0.1),
            (10.0, 89.99, 0.5),
            (200.0, -90.0, 2.0),
            (45.0, 45.0, 30.0),
            (300.0, -20.0, 1e-4),
            (1.0, 1.0, 1.0 / 3600.0),
        ] {
            let ranges = cone_ranges(ra, dec, r).unwrap();
            check_sorted_merged(&ranges);
            assert!(ranges.len() <= 64, "{} ranges for r={r}", ranges.len());
            for _ in 0..5000 {
                // Uniform in the disk, with extra weight right at the edge.
                let rr = if rnd() < 0.3 { r * (1.0 - 1e-9) } else { r * rnd().sqrt() };
                let (l, b) = offset(ra, dec, rr, 360.0 * rnd());
                assert!(ranges_contain(&ranges, healpix29(l, b)), "cone {ra},{dec},{r}: {l},{b}");
            }
            // And it is not the whole sky: a point far away is excluded.
            let (l, b) = offset(ra, dec, (r * 10.0).max(30.0), 77.0);
            if r < 5.0 {
                assert!(!ranges_contain(&ranges, healpix29(l, b)));
            }
        }
    }

    /// Samples the polygon's bounding cap; every sampled point inside the polygon must lie in
    /// `ranges`. Returns how many were inside.
    fn points_inside_are_covered(
        poly: &Polygon,
        ranges: &[std::ops::Range<u64>],
        v: &[(f64, f64)],
        rnd: &mut impl FnMut() -> f64,
    ) -> usize {
        let (c, r) = poly.bounding_cap();
        let (cl, cb) = crate::geometry::sphere::lonlat(&c);
        let mut n_in = 0;
        for _ in 0..20000 {
            let (l, b) = offset(cl, cb, r.to_degrees() * rnd(), 360.0 * rnd());
            if poly.contains_unit(&unit_vector(l, b)) {
                n_in += 1;
                assert!(ranges_contain(ranges, healpix29(l, b)), "{v:?}: {l},{b}");
            }
        }
        n_in
    }

    #[test]
    fn polygon_and_box_coverage_is_superset() {
        let mut rnd = lcg(9);
        let polys: Vec<Vec<(f64, f64)>> = vec![
            vec![(359.0, -1.0), (1.0, -1.0), (1.0, 1.0), (359.0, 1.0)],
            vec![(260.0, -80.0), (170.0, -80.0), (80.0, -80.0), (350.0, -80.0)],
            vec![(10.0, 10.0), (20.0, 10.0), (20.0, 20.0), (17.0, 20.0), (17.0, 13.0), (13.0, 13.0), (13.0, 20.0), (10.0, 20.0)],
            (0..100).map(|k| offset(250.0, 30.0, 0.01, 3.6 * k as f64)).collect(),
        ];
        for v in polys {
            let poly = Polygon::new(&v).unwrap();
            let ranges = polygon_ranges(&v).unwrap();
            check_sorted_merged(&ranges);
            assert!(ranges.len() <= 80, "{}", ranges.len());
            let n_in = points_inside_are_covered(&poly, &ranges, &v, &mut rnd);
            assert!(n_in > 1000);
        }
        // Vertices on a pole (cdshealpix panics on them; found by the parser fuzz): the bounding
        // cap's coverage, still a superset and still not the whole sky.
        for v in [
            vec![(9.0, 19.0), (11.0, 19.0), (180.0, 90.0), (9.0, 21.0)],
            vec![(0.0, -90.0), (0.0, -80.0), (90.0, -80.0)],
        ] {
            let poly = Polygon::new(&v).unwrap();
            let ranges = polygon_ranges(&v).unwrap();
            check_sorted_merged(&ranges);
            assert!(ranges != vec![0..NSIDE29_CELLS], "{v:?}");
            let n_in = points_inside_are_covered(&poly, &ranges, &v, &mut rnd);
            assert!(n_in > 100, "{v:?}: {n_in}");
        }
        let ranges = box_ranges(0.0, 45.0, 2.0, 1.0).unwrap();
        let b = SkyBox::new(0.0, 45.0, 2.0, 1.0).unwrap();
        for _ in 0..5000 {
            let (l, d) = offset(0.0, 45.0, 1.2 * rnd(), 360.0 * rnd());
            if b.contains_unit(&unit_vector(l, d)) {
                assert!(ranges_contain(&ranges, healpix29(l, d)));
            }
        }
    }
}
