//! Adaptive partitioning: which HEALPix pixels become files.
//!
//! As hats-import's "binning" stage does, we count rows per pixel at a fine mapping order and then
//! keep, from order 0 downwards, the shallowest pixel whose count fits the threshold; a pixel that
//! is still too large at the mapping order is kept anyway (it cannot be split further there).

use crate::layout::Pixel;

/// Row counts per pixel at a fixed order (the "point map" of hats-import).
#[derive(Debug, Clone)]
pub struct Histogram {
    /// The order the counts are kept at.
    pub order: u8,
    counts: Vec<u32>,
}

impl Histogram {
    /// An empty histogram at `order` (order 10: 12.6 M cells, 50 MB).
    pub fn new(order: u8) -> Self {
        Histogram { order, counts: vec![0; crate::healpix::npix(order) as usize] }
    }

    /// Counts one row at order-29 index `h29`.
    pub fn add(&mut self, h29: u64) {
        let cell = crate::healpix::parent(crate::healpix::INDEX_ORDER, h29, self.order) as usize;
        self.counts[cell] = self.counts[cell].saturating_add(1);
    }

    /// Rows in pixel (order, npix), order <= self.order.
    pub fn count(&self, order: u8, npix: u64) -> u64 {
        let shift = 2 * (self.order - order) as u32;
        let (lo, hi) = ((npix << shift) as usize, ((npix + 1) << shift) as usize);
        self.counts[lo..hi].iter().map(|&c| c as u64).sum()
    }

    /// Total rows.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }

    /// Non-empty cells as (pixel, count), in pixel order (the explicit skymap).
    pub fn non_empty(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| (i as u64, c as u64))
    }
}

/// The partitions: shallowest pixels holding at most `max_rows` rows (never empty ones).
pub fn plan_partitions(hist: &Histogram, max_rows: u64) -> Vec<(Pixel, u64)> {
    let mut out = Vec::new();
    for base in 0..12 {
        split(hist, 0, base, max_rows, &mut out);
    }
    out
}

fn split(hist: &Histogram, order: u8, npix: u64, max_rows: u64, out: &mut Vec<(Pixel, u64)>) {
    let n = hist.count(order, npix);
    if n == 0 {
        return;
    }
    if n <= max_rows || order == hist.order {
        out.push((Pixel::new(order, npix), n));
        return;
    }
    for child in 4 * npix..4 * npix + 4 {
        split(hist, order + 1, child, max_rows, out);
    }
}

/// Maps an order-29 index to its partition's position in the plan, through a lookup table at the
/// deepest partition order (so a row costs one shift and one load).
#[derive(Debug, Clone)]
pub struct PartitionLookup {
    order: u8,
    table: Vec<u32>,
}

impl PartitionLookup {
    /// Builds the table for `partitions`.
    pub fn new(partitions: &[(Pixel, u64)]) -> Self {
        let order = partitions.iter().map(|(p, _)| p.order).max().unwrap_or(0);
        let mut table = vec![u32::MAX; crate::healpix::npix(order) as usize];
        for (i, (p, _)) in partitions.iter().enumerate() {
            let shift = 2 * (order - p.order) as u32;
            for cell in (p.npix << shift)..((p.npix + 1) << shift) {
                table[cell as usize] = i as u32;
            }
        }
        PartitionLookup { order, table }
    }

    /// The partition of a row, or None if the row falls in no partition (a pass-2 row the
    /// histogram never saw: the input changed between passes).
    pub fn partition_of(&self, h29: u64) -> Option<usize> {
        let cell = crate::healpix::parent(crate::healpix::INDEX_ORDER, h29, self.order) as usize;
        match self.table.get(cell) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::healpix::{healpix29, pixel_range29};

    #[test]
    fn splits_dense_pixels_only() {
        let mut h = Histogram::new(4);
        // 100 rows in one order-4 cell inside base pixel 0, 3 rows in base pixel 7.
        let dense = pixel_range29(4, 5).start;
        for _ in 0..100 {
            h.add(dense);
        }
        for _ in 0..3 {
            h.add(pixel_range29(0, 7).start + 12345);
        }
        let plan = plan_partitions(&h, 10);
        // Base pixel 7 fits at order 0; the dense cell is split down to the mapping order 4.
        assert!(plan.contains(&(Pixel::new(0, 7), 3)));
        assert!(plan.contains(&(Pixel::new(4, 5), 100)));
        assert_eq!(plan.iter().map(|(_, n)| n).sum::<u64>(), 103);
        assert_eq!(plan.len(), 2);
        let lk = PartitionLookup::new(&plan);
        assert_eq!(lk.partition_of(dense + 7).map(|i| plan[i].0), Some(Pixel::new(4, 5)));
        assert_eq!(lk.partition_of(pixel_range29(0, 7).end - 1).map(|i| plan[i].0), Some(Pixel::new(0, 7)));
        assert_eq!(lk.partition_of(pixel_range29(0, 3).start), None);
    }

    /// 20,000 positions of very uneven density, as on the real sky: 6,400 spread evenly over the
    /// sphere (a Fibonacci lattice), the rest on a grid packed into a 10-degree box. Built here
    /// because the synthetic sky lives in the demo crate, out of reach of these unit tests.
    fn uneven_sky() -> impl Iterator<Item = (f64, f64)> {
        let golden_angle = 180.0 * (3.0 - 5f64.sqrt());
        let even = (0..6_400).map(move |k| ((k as f64 * golden_angle).rem_euclid(360.0), ((k as f64 + 0.5) / 3_200.0 - 1.0).asin().to_degrees()));
        let dense = (0..13_600).map(|k| (40.0 + (k % 136) as f64 * 10.0 / 136.0, 20.0 + (k / 136) as f64 * 10.0 / 100.0));
        even.chain(dense)
    }

    #[test]
    fn partitions_tile_the_populated_sky_without_overlap() {
        let mut h = Histogram::new(6);
        for (ra, dec) in uneven_sky() {
            h.add(healpix29(ra, dec).expect("sampled positions are on the sky"));
        }
        let plan = plan_partitions(&h, 500);
        assert_eq!(plan.iter().map(|(_, n)| n).sum::<u64>(), 20_000);
        assert!(plan.iter().all(|(p, n)| *n <= 500 || p.order == 6));
        let mut ranges: Vec<_> = plan.iter().map(|(p, _)| p.range29()).collect();
        ranges.sort_by_key(|r| r.start);
        assert!(ranges.windows(2).all(|w| w[0].end <= w[1].start), "partitions overlap");
        // Several orders are used (adaptive), denser regions deeper.
        let orders: std::collections::BTreeSet<u8> = plan.iter().map(|(p, _)| p.order).collect();
        assert!(orders.len() >= 2, "{orders:?}");
    }
}
