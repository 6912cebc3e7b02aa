//! HEALPix NESTED index arithmetic.
//!
//! HATS stores, for every row, the order-29 NESTED index of its position (`_healpix_29`); a pixel
//! `(order K, npix N)` then covers exactly the order-29 indices `[N << 2(29-K), (N+1) << 2(29-K))`
//! because the nested scheme numbers the 4 children of pixel `p` as `4p..4p+3` (Górski et al. 2005,
//! ApJ 622, 759, §4). That identity is what turns spatial pruning into integer range tests.
//!
//! Invalid input has one meaning everywhere: a position that is not on the sky (non-finite, or
//! |dec| > 90°) or an order above 29 has no index, [`hash`] returns `None`, and each caller says
//! what that means for it (an ingest error, a NULL in ADQL).

use std::ops::Range;

/// The order of the per-row spatial index column (`_healpix_29`).
pub const INDEX_ORDER: u8 = 29;

/// Number of pixels on the whole sphere at `order` (12·4^order).
pub fn npix(order: u8) -> u64 {
    12u64 << (2 * order as u32)
}

/// The half-open range of order-29 indices covered by pixel `npix` at `order` (`order <= 29`).
pub fn pixel_range29(order: u8, npix: u64) -> Range<u64> {
    let shift = 2 * (INDEX_ORDER - order.min(INDEX_ORDER)) as u32;
    (npix << shift)..((npix + 1) << shift)
}

/// The parent at `to_order` (`<= from_order`) of pixel `npix` at `from_order`.
pub fn parent(from_order: u8, npix: u64, to_order: u8) -> u64 {
    npix >> (2 * from_order.saturating_sub(to_order) as u32)
}

/// Whether a coordinate pair in degrees is a position on the sky (finite, |dec| <= 90).
pub fn valid_position(ra_deg: f64, dec_deg: f64) -> bool {
    ra_deg.is_finite() && dec_deg.is_finite() && (-90.0..=90.0).contains(&dec_deg)
}

/// Right ascension wrapped into [0, 360) (`rem_euclid` alone can give exactly 360 for tiny
/// negative inputs).
fn wrap_ra(ra_deg: f64) -> f64 {
    let l = ra_deg.rem_euclid(360.0);
    if l >= 360.0 {
        0.0
    } else {
        l
    }
}

/// NESTED index at `order` of a position in degrees; `None` for an invalid position or order.
pub fn hash(order: u8, ra_deg: f64, dec_deg: f64) -> Option<u64> {
    if order > INDEX_ORDER || !valid_position(ra_deg, dec_deg) {
        return None;
    }
    Some(cdshealpix::nested::hash(order, wrap_ra(ra_deg).to_radians(), dec_deg.to_radians()))
}

/// The `_healpix_29` value of a position in degrees; `None` for an invalid position.
pub fn healpix29(ra_deg: f64, dec_deg: f64) -> Option<u64> {
    hash(INDEX_ORDER, ra_deg, dec_deg)
}

/// The pixel `(order, npix)` whose order-29 range is exactly `range`, if it is one.
pub fn pixel_of_range29(range: &Range<u64>) -> Option<(u8, u64)> {
    let len = range.end.checked_sub(range.start)?;
    // A pixel at order K spans 4^(29-K) indices and starts at a multiple of it.
    if len == 0 || !len.is_power_of_two() || !len.trailing_zeros().is_multiple_of(2) || !range.start.is_multiple_of(len) {
        return None;
    }
    let order = INDEX_ORDER.checked_sub((len.trailing_zeros() / 2) as u8)?;
    let npix = range.start / len;
    (npix < self::npix(order)).then_some((order, npix))
}

/// Centre (ra, dec) in degrees of NESTED pixel `index` at `order`; `None` if either is out of
/// range.
pub fn center(order: u8, index: u64) -> Option<(f64, f64)> {
    if order > INDEX_ORDER || index >= npix(order) {
        return None;
    }
    let (lon, lat) = cdshealpix::nested::center(order, index);
    Some((lon.to_degrees(), lat.to_degrees()))
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
    fn known_pixels_and_the_nested_property() {
        // Base pixel centres: 4 at (0, 0), 0 at (45, asin(2/3)), 8 at (45, -asin(2/3)).
        assert_eq!(hash(0, 0.0, 0.0), Some(4));
        assert_eq!(hash(0, 45.0, (2.0f64 / 3.0).asin().to_degrees()), Some(0));
        assert_eq!(hash(0, 45.0, -(2.0f64 / 3.0).asin().to_degrees()), Some(8));
        for base in 0..12u64 {
            let (ra, dec) = center(0, base).expect("valid pixel");
            assert_eq!(hash(0, ra, dec), Some(base));
            assert_eq!(healpix29(ra, dec).map(|h| h >> 58), Some(base));
        }
        // The poles: north in the north cap (0..3), south in the south cap (8..11).
        assert!(healpix29(0.0, 90.0).is_some_and(|h| h >> 58 <= 3));
        assert!(healpix29(0.0, -90.0).is_some_and(|h| h >> 58 >= 8));
        let h29 = healpix29(123.456, -45.678).expect("valid");
        for order in [0u8, 5, 12, 20] {
            assert_eq!(Some(parent(29, h29, order)), hash(order, 123.456, -45.678));
        }
        // RA wraps, both ways.
        assert_eq!(healpix29(-0.5, 10.0), healpix29(359.5, 10.0));
        assert_eq!(healpix29(360.0, 10.0), healpix29(0.0, 10.0));
        assert_eq!(healpix29(-1e-300, 10.0), healpix29(0.0, 10.0));
    }

    #[test]
    fn ranges_back_to_pixels() {
        for (order, n) in [(0u8, 0u64), (0, 11), (3, 700), (29, 12)] {
            assert_eq!(pixel_of_range29(&pixel_range29(order, n)), Some((order, n)));
        }
        assert_eq!(pixel_of_range29(&(0..3)), None);
        assert_eq!(pixel_of_range29(&(4..20)), None);
        assert_eq!(pixel_of_range29(&(5..5)), None);
        assert_eq!(pixel_of_range29(&(1..2)), Some((29, 1)));
    }

    #[test]
    fn invalid_input_has_no_index() {
        assert_eq!(hash(0, f64::NAN, 0.0), None);
        assert_eq!(hash(0, 0.0, 90.000001), None);
        assert_eq!(hash(0, f64::INFINITY, 0.0), None);
        assert_eq!(hash(30, 0.0, 0.0), None);
        assert_eq!(center(0, 12), None);
        assert_eq!(center(30, 0), None);
    }
}
