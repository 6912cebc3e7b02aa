//! The build side of a crossmatch, bucketed by HEALPix cell: rows sorted by their NESTED cell at
//! the chosen order, a map from cell to its run of rows, and each row's unit vector for a cheap
//! chord test before the exact predicate.

use std::collections::HashMap;
use std::ops::Range;

use datafusion::arrow::array::{Array, Float64Array};

use healpix::{cone_cells, hash, ConeCells};

use crate::geometry::sphere::{dot, sub, unit_vector, Vec3};

/// Squared chord length above which two points are certainly farther apart than `radius_deg`.
/// Slightly generous (relative 1e-9): this only discards pairs; the exact predicate decides.
pub fn chord2_limit(radius_deg: f64) -> f64 {
    if radius_deg.is_nan() || radius_deg < 0.0 {
        return -1.0;
    }
    if radius_deg >= 180.0 {
        return f64::INFINITY;
    }
    let c = 2.0 * (radius_deg.to_radians() / 2.0).sin();
    c * c * (1.0 + 1e-9) + 1e-30
}

fn chord2(a: &Vec3, b: &Vec3) -> f64 {
    let d = sub(a, b);
    dot(&d, &d)
}

/// See the module documentation.
#[derive(Debug)]
pub struct CellIndex {
    order: u8,
    cells: HashMap<u64, Range<u32>>,
    /// Build rows, sorted by cell; rows without a position are left out (they match nothing).
    rows: Vec<u32>,
    /// Unit vector of each entry of `rows`.
    xyz: Vec<Vec3>,
    /// Squared chord limit of each entry of `rows` when the radius is a build-side column.
    limits: Option<Vec<f64>>,
}

impl CellIndex {
    /// Buckets the build rows at `order`. `radius` is the per-row radius (degrees) when it is a
    /// build-side expression.
    pub fn new(order: u8, lon: &Float64Array, lat: &Float64Array, radius: Option<&Float64Array>) -> Self {
        let mut keyed: Vec<(u64, u32)> = (0..lon.len())
            .filter(|&i| lon.is_valid(i) && lat.is_valid(i) && radius.is_none_or(|r| r.is_valid(i)))
            .filter_map(|i| Some((hash(order, lon.value(i), lat.value(i))?, u32::try_from(i).ok()?)))
            .collect();
        keyed.sort_unstable();
        let mut cells = HashMap::new();
        let mut start = 0usize;
        for i in 1..=keyed.len() {
            if i == keyed.len() || keyed[i].0 != keyed[start].0 {
                cells.insert(keyed[start].0, start as u32..i as u32);
                start = i;
            }
        }
        let rows: Vec<u32> = keyed.iter().map(|&(_, r)| r).collect();
        let xyz = rows.iter().map(|&r| unit_vector(lon.value(r as usize), lat.value(r as usize))).collect();
        let limits = radius.map(|r| rows.iter().map(|&i| chord2_limit(r.value(i as usize))).collect());
        CellIndex { order, cells, rows, xyz, limits }
    }

    /// Rows indexed (those with a position).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row has a position.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends to `out` the build rows that may lie within `radius_deg` of the probe position
    /// (for a build-side radius: the largest one), each once; `cells` is a scratch buffer.
    pub fn candidates(&self, ra: f64, dec: f64, radius_deg: f64, cells: &mut Vec<u64>, out: &mut Vec<u32>) {
        cells.clear();
        let p = unit_vector(ra, dec);
        let probe_limit = chord2_limit(radius_deg);
        let mut visit = |entries: Range<u32>| {
            for e in entries {
                let e = e as usize;
                let limit = self.limits.as_ref().map_or(probe_limit, |l| l[e]);
                if chord2(&p, &self.xyz[e]) <= limit {
                    out.push(self.rows[e]);
                }
            }
        };
        match cone_cells(self.order, ra, dec, radius_deg, cells) {
            ConeCells::None => {}
            ConeCells::All => visit(0..self.rows.len() as u32),
            ConeCells::Cells => {
                for cell in cells.iter() {
                    if let Some(run) = self.cells.get(cell) {
                        visit(run.clone());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_a_superset_of_the_pairs_across_borders_and_poles() {
        let lon = Float64Array::from(vec![Some(0.0001), Some(359.9999), Some(10.0), None, Some(45.0), Some(200.0)]);
        let lat = Float64Array::from(vec![Some(0.0), Some(0.0), Some(89.99995), Some(1.0), Some(-89.99999), Some(100.0)]);
        let index = CellIndex::new(15, &lon, &lat, None);
        assert_eq!(index.len(), 4, "NULL and off-sky positions are not indexed");
        let (mut cells, mut out) = (Vec::new(), Vec::new());
        index.candidates(0.0, 0.0, 1.0 / 3600.0, &mut cells, &mut out);
        out.sort_unstable();
        assert_eq!(out, vec![0, 1], "both sides of RA = 0");
        out.clear();
        index.candidates(190.0, 89.99995, 1.0 / 3600.0, &mut cells, &mut out);
        assert_eq!(out, vec![2], "across the pole, 0.36 arcsec apart");
        out.clear();
        index.candidates(225.0, -89.99999, 1.0 / 3600.0, &mut cells, &mut out);
        assert_eq!(out, vec![4]);
        out.clear();
        index.candidates(0.0, 0.0, 200.0, &mut cells, &mut out);
        assert_eq!(out.len(), 4, "a radius over 180 degrees takes every indexed row");
    }

    #[test]
    fn chord_limits() {
        assert!(chord2_limit(-1.0) < 0.0);
        assert!(chord2_limit(f64::NAN) < 0.0);
        assert_eq!(chord2_limit(180.0), f64::INFINITY);
        let a = unit_vector(10.0, 20.0);
        let b = unit_vector(10.0, 20.0 + 1.0 / 3600.0);
        assert!(chord2(&a, &b) <= chord2_limit(1.0 / 3600.0));
        assert!(chord2(&a, &b) > chord2_limit(0.999 / 3600.0));
    }
}
