//! [`RangeSet`]: a union of half-open order-29 index ranges, sorted and disjoint. It is what a
//! spatial constraint becomes (the coverage of a cone or polygon), what the HATS scan intersects
//! with each partition's pixel range to skip files, and what it compares with row-group
//! statistics to skip row groups.

use std::fmt;
use std::ops::Range;

use crate::index::{npix, INDEX_ORDER};

/// A union of half-open order-29 index ranges, sorted, disjoint and not touching.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeSet(Vec<Range<u64>>);

impl RangeSet {
    /// The whole sky.
    pub fn all() -> Self {
        RangeSet(vec![0..npix(INDEX_ORDER)])
    }

    /// Nothing.
    pub fn empty() -> Self {
        RangeSet(vec![])
    }

    /// From arbitrary ranges: clipped to the sky, empty ones dropped, overlapping or touching
    /// ones merged.
    pub fn from_ranges(ranges: impl IntoIterator<Item = Range<u64>>) -> Self {
        let max = npix(INDEX_ORDER);
        let mut v: Vec<Range<u64>> =
            ranges.into_iter().map(|r| r.start.min(max)..r.end.min(max)).filter(|r| r.start < r.end).collect();
        v.sort_by_key(|r| r.start);
        let mut out: Vec<Range<u64>> = Vec::with_capacity(v.len());
        for r in v {
            match out.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => out.push(r),
            }
        }
        RangeSet(out)
    }

    /// The ranges, sorted and disjoint.
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.0
    }

    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set holds no index at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether this is the whole sky.
    pub fn is_all(&self) -> bool {
        *self == RangeSet::all()
    }

    /// The fraction of the sky (of all order-29 cells) the set covers.
    pub fn sky_fraction(&self) -> f64 {
        let cells: u64 = self.0.iter().map(|r| r.end - r.start).sum();
        cells as f64 / npix(INDEX_ORDER) as f64
    }

    /// Union.
    pub fn union(&self, other: &RangeSet) -> RangeSet {
        RangeSet::from_ranges(self.0.iter().chain(other.0.iter()).cloned())
    }

    /// Intersection (linear merge of two sorted disjoint lists).
    pub fn intersect(&self, other: &RangeSet) -> RangeSet {
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (&self.0[i], &other.0[j]);
            let (lo, hi) = (a.start.max(b.start), a.end.min(b.end));
            if lo < hi {
                out.push(lo..hi);
            }
            if a.end < b.end {
                i += 1
            } else {
                j += 1
            }
        }
        RangeSet(out)
    }

    /// Whether any range overlaps the half-open `r`.
    pub fn overlaps(&self, r: &Range<u64>) -> bool {
        let k = self.0.partition_point(|x| x.end <= r.start);
        self.0.get(k).is_some_and(|x| x.start < r.end)
    }

    /// Whether any range holds a value in the closed interval `[min, max]` (row-group
    /// statistics are closed).
    pub fn overlaps_closed(&self, min: u64, max: u64) -> bool {
        min <= max && self.overlaps(&(min..max.saturating_add(1)))
    }

    /// Whether `h` is in the set.
    pub fn contains(&self, h: u64) -> bool {
        self.overlaps(&(h..h.saturating_add(1)))
    }

    /// A superset with at most `max` ranges, made by bridging the smallest gaps first: a coarser
    /// set prunes a little less but keeps planning and pruning cheap for ragged coverages.
    pub fn coarsen(&self, max: usize) -> RangeSet {
        let max = max.max(1);
        if self.0.len() <= max {
            return self.clone();
        }
        // Keep the (len - max) smallest gaps bridged; ties broken by position for determinism.
        let mut gaps: Vec<(u64, usize)> =
            self.0.windows(2).enumerate().map(|(i, w)| (w[1].start - w[0].end, i)).collect();
        gaps.sort_unstable();
        let mut bridge = vec![false; self.0.len()];
        for &(_, i) in gaps.iter().take(self.0.len() - max) {
            bridge[i] = true;
        }
        let mut out: Vec<Range<u64>> = Vec::with_capacity(max);
        let mut cur = self.0[0].clone();
        for (i, next) in self.0.iter().enumerate().skip(1) {
            if bridge[i - 1] {
                cur.end = next.end;
            } else {
                out.push(std::mem::replace(&mut cur, next.clone()));
            }
        }
        out.push(cur);
        RangeSet(out)
    }
}

/// Summarised for plans and logs: `12 ranges, 0.0031% of the sky`.
impl fmt::Display for RangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} range{}, {:.4}% of the sky", if n == 1 { "" } else { "s" }, 100.0 * self.sky_fraction())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_touching_and_overlapping() {
        let s = RangeSet::from_ranges(vec![5..7, 1..3, 3..4, 6..9, 20..20]);
        assert_eq!(s.ranges(), &[1..4, 5..9]);
        assert!(RangeSet::from_ranges(vec![]).is_empty());
        assert_eq!(RangeSet::from_ranges(vec![0..u64::MAX]), RangeSet::all());
    }

    #[test]
    fn set_operations() {
        let a = RangeSet::from_ranges(vec![0..10, 20..30]);
        let b = RangeSet::from_ranges(vec![5..25]);
        assert_eq!(a.intersect(&b).ranges(), &[5..10, 20..25]);
        assert_eq!(a.union(&b).ranges(), &[0..30]);
        assert!(a.overlaps(&(9..11)) && !a.overlaps(&(10..20)) && a.overlaps(&(29..100)) && !a.overlaps(&(30..40)));
        assert!(a.contains(0) && a.contains(9) && !a.contains(10) && a.contains(29) && !a.contains(30));
        assert!(a.overlaps_closed(10, 20) && !a.overlaps_closed(10, 19) && !a.overlaps_closed(30, 40));
        assert!(!a.overlaps_closed(9, 0));
        assert!(RangeSet::all().intersect(&RangeSet::empty()).is_empty());
    }

    #[test]
    fn coarsening_keeps_a_superset_and_bridges_small_gaps() {
        let s = RangeSet::from_ranges(vec![0..1, 5..6, 7..9]);
        assert_eq!(s.coarsen(2).ranges(), &[0..1, 5..9]);
        assert_eq!(s.coarsen(8), s);
        assert_eq!(s.coarsen(1).ranges(), &[0..9]);
        let many = RangeSet::from_ranges((0..200u64).map(|i| i * i * 10..i * i * 10 + 3));
        let c = many.coarsen(16);
        assert_eq!(c.len(), 16);
        for r in many.ranges() {
            assert!(c.contains(r.start) && c.contains(r.end - 1));
        }
    }

    #[test]
    fn display_summarises() {
        assert_eq!(RangeSet::all().to_string(), "1 range, 100.0000% of the sky");
        assert_eq!(RangeSet::from_ranges(vec![0..1, 5..6]).to_string(), "2 ranges, 0.0000% of the sky");
    }
}
