//! HEALPix nested-index arithmetic used by the HATS layout.
//!
//! HATS stores, for every row, the order-29 NESTED index of its position (`_healpix_29`); a pixel
//! `(order K, npix N)` then covers exactly the order-29 indices `[N << 2(29-K), (N+1) << 2(29-K))`
//! because the nested scheme numbers the 4 children of pixel `p` as `4p..4p+3` (Górski et al. 2005,
//! ApJ 622, 759, §4). That identity is what turns spatial pruning into integer range tests.

use std::ops::Range;

/// The order of the per-row spatial index column (`_healpix_29`).
pub const INDEX_ORDER: u8 = 29;

/// Name of the per-row spatial index column, as `hats` writes it (`hats_col_healpix`).
pub const INDEX_COLUMN: &str = "_healpix_29";

/// Number of pixels on the whole sphere at `order`.
pub fn npix(order: u8) -> u64 {
    12u64 << (2 * order as u32)
}

/// The half-open range of order-29 indices covered by pixel `npix` at `order`.
pub fn pixel_range29(order: u8, npix: u64) -> Range<u64> {
    let shift = 2 * (INDEX_ORDER - order) as u32;
    (npix << shift)..((npix + 1) << shift)
}

/// The parent at `to_order` (`<= from_order`) of pixel `npix` at `from_order`.
pub fn parent(from_order: u8, npix: u64, to_order: u8) -> u64 {
    npix >> (2 * (from_order - to_order) as u32)
}

/// Order-`order` NESTED index of a position in degrees. Declinations are clamped into
/// `[-90, 90]` and right ascensions wrapped, so callers must validate coordinates first if an
/// out-of-range value is an error for them.
pub fn hash_deg(order: u8, ra_deg: f64, dec_deg: f64) -> u64 {
    let lat = dec_deg.clamp(-90.0, 90.0).to_radians();
    let lon = ra_deg.rem_euclid(360.0).to_radians();
    cdshealpix::nested::get(order).hash(lon, lat)
}

/// The `_healpix_29` value of a position in degrees.
pub fn healpix29(ra_deg: f64, dec_deg: f64) -> u64 {
    hash_deg(INDEX_ORDER, ra_deg, dec_deg)
}

/// Whether a coordinate pair is a valid sky position (finite, |dec| <= 90).
pub fn valid_position(ra_deg: f64, dec_deg: f64) -> bool {
    ra_deg.is_finite() && dec_deg.is_finite() && (-90.0..=90.0).contains(&dec_deg)
}

/// Sorts and merges possibly overlapping or touching half-open ranges.
pub fn merge_ranges(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_ranges_nest_exactly() {
        // Pixel 5 at order 1 holds pixels 20..24 at order 2 (nested numbering).
        let p = pixel_range29(1, 5);
        assert_eq!(p.start, pixel_range29(2, 20).start);
        assert_eq!(p.end, pixel_range29(2, 23).end);
        // The whole sky at order 0 is 12 * 4^29 order-29 pixels.
        assert_eq!(pixel_range29(0, 11).end, npix(29));
        assert_eq!(npix(29), 12 * (1u64 << 58));
        assert_eq!(parent(29, pixel_range29(3, 77).start, 3), 77);
        assert_eq!(pixel_range29(29, 42), 42..43);
    }

    #[test]
    fn hash_matches_parent_relation_and_known_pixels() {
        // The north pole is in base pixel 0..3 (north cap), the south pole in 8..11.
        assert!(hash_deg(0, 10.0, 89.9) < 4);
        assert!(hash_deg(0, 10.0, -89.9) >= 8);
        // Base pixel centres: 4 at (0, 0), 0 at (45, asin(2/3)), 8 at (45, -asin(2/3)).
        assert_eq!(hash_deg(0, 0.0, 0.0), 4);
        assert_eq!(hash_deg(0, 45.0, (2.0f64 / 3.0).asin().to_degrees()), 0);
        assert_eq!(hash_deg(0, 45.0, -(2.0f64 / 3.0).asin().to_degrees()), 8);
        let h29 = healpix29(123.456, -45.678);
        for order in [0u8, 5, 12, 20] {
            assert_eq!(parent(29, h29, order), hash_deg(order, 123.456, -45.678));
        }
        // RA wraps.
        assert_eq!(healpix29(-0.5, 10.0), healpix29(359.5, 10.0));
    }

    #[test]
    fn merge_joins_touching_and_overlapping() {
        assert_eq!(merge_ranges(vec![5..7, 1..3, 3..4, 6..9, 20..20]), vec![1..4, 5..9]);
        assert!(merge_ranges(vec![]).is_empty());
    }
}
