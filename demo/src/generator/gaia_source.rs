//! Synthetic `gaia_source`: Gaia DR3 column names, types, units and UCDs; positions concentrated
//! towards the galactic plane; `source_id` encoded as Gaia does.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float32Builder, Float64Builder, Int64Builder, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use hats::healpix;

use super::rng::Rng;
use super::{field, sky, SEED_GAIA_SOURCE};

/// Gaia's source_id packs the level-12 NESTED HEALPix index of the source into the bits above
/// 2^35 (Gaia DR3 documentation §14.1.1, `source_id`): `source_id / 2^35` is the HEALPix index.
pub const SOURCE_ID_HEALPIX_SHIFT: u32 = 35;

/// One synthetic star (the per-row truth shared by gaia_source, XP spectra and epoch photometry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Star {
    /// Gaia-encoded identifier.
    pub source_id: i64,
    /// Right ascension at ref_epoch, deg.
    pub ra: f64,
    /// Declination at ref_epoch, deg.
    pub dec: f64,
    /// Parallax, mas.
    pub parallax: f64,
    /// Parallax uncertainty, mas.
    pub parallax_error: f32,
    /// Proper motion in RA (times cos dec), mas/yr.
    pub pmra: f64,
    /// Proper motion in Dec, mas/yr.
    pub pmdec: f64,
    /// Radial velocity, km/s (most sources have none).
    pub radial_velocity: Option<f32>,
    /// G mean magnitude.
    pub g: f32,
    /// BP mean magnitude (missing for some faint sources).
    pub bp: Option<f32>,
    /// RP mean magnitude.
    pub rp: Option<f32>,
    /// Renormalised unit weight error.
    pub ruwe: f32,
}

/// Encodes a Gaia source_id from the level-12 HEALPix index and a running number (< 2^35).
pub fn encode_source_id(healpix12: u64, running: u64) -> i64 {
    ((healpix12 << SOURCE_ID_HEALPIX_SHIFT) | (running & ((1 << SOURCE_ID_HEALPIX_SHIFT) - 1))) as i64
}

/// The deterministic star number `index` of the synthetic catalog with seed `seed`.
/// Each row has its own RNG stream, so any row can be produced without generating the others.
pub fn star(seed: u64, index: u64) -> Star {
    let mut r = Rng::new(seed ^ SEED_GAIA_SOURCE, index);
    let (ra, dec) = sky::draw_position(&mut r);
    let source_id = // draw_position only yields positions on the sky, which always have an index.
    encode_source_id(healpix::hash(12, ra, dec).unwrap_or(0), index);
    // Magnitudes: number counts rise steeply towards the faint end (log N ~ 0.3 G), capped at G=21.
    let g = (21.0 - (-(1.0 - r.uniform()).ln()) / (0.3 * std::f64::consts::LN_10)).max(3.0);
    let colour = (0.9 + 0.45 * r.normal()).clamp(-0.4, 4.5);
    // About 15% of Gaia DR3 sources lack BP/RP photometry, nearly all of them faint.
    let faint = g > 20.0;
    let bp = (!(faint && r.chance(0.2))).then(|| (g + 0.15 + 0.45 * colour + 0.02 * r.normal()) as f32);
    let rp = (!(faint && r.chance(0.12))).then(|| (g - 0.55 * colour + 0.02 * r.normal()) as f32);
    // Distances: an exponential disc; parallax error grows with G as in Gaia DR3 (Lindegren et al.
    // 2021, Fig. 7: ~0.02 mas at G<15 to ~1.3 mas at G=21).
    let dist_pc = 50.0 + 2500.0 * (-(1.0 - r.uniform()).ln());
    let parallax_error = 0.02 + 1.3 * ((g - 15.0).max(0.0) / 6.0).powi(3);
    let parallax = 1000.0 / dist_pc + parallax_error * r.normal();
    // ~30 km/s tangential velocity dispersion: mu [mas/yr] = v_t [km/s] / (4.74 d [kpc]).
    let pm_scale = 30.0 / (4.74 * dist_pc / 1000.0);
    let pmra = pm_scale * r.normal() + if r.chance(0.001) { 300.0 * r.normal() } else { 0.0 };
    let pmdec = pm_scale * r.normal();
    let radial_velocity = (g < 15.0 && r.chance(0.6)).then(|| (40.0 * r.normal()) as f32);
    let ruwe = (1.0 + 0.1 * r.normal().abs() + if r.chance(0.05) { 2.0 * r.uniform() } else { 0.0 }) as f32;
    Star {
        source_id,
        ra,
        dec,
        parallax,
        parallax_error: parallax_error as f32,
        pmra,
        pmdec,
        radial_velocity,
        g: g as f32,
        bp,
        rp,
        ruwe,
    }
}

/// Arrow schema of `gaia_source`, with the Gaia DR3 data model's units, UCDs and descriptions.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        field("source_id", DataType::Int64, false, None, "meta.id;meta.main",
            "Unique source identifier (unique within a particular Data Release); encodes the level-12 HEALPix index"),
        field("ra", DataType::Float64, false, Some("deg"), "pos.eq.ra;meta.main", "Right ascension (ICRS, at ref_epoch)"),
        field("dec", DataType::Float64, false, Some("deg"), "pos.eq.dec;meta.main", "Declination (ICRS, at ref_epoch)"),
        field("parallax", DataType::Float64, true, Some("mas"), "pos.parallax.trig", "Parallax"),
        field("parallax_error", DataType::Float32, true, Some("mas"), "stat.error;pos.parallax.trig", "Standard error of parallax"),
        field("pmra", DataType::Float64, true, Some("mas.yr**-1"), "pos.pm;pos.eq.ra", "Proper motion in right ascension direction (pmRA*cosDE)"),
        field("pmdec", DataType::Float64, true, Some("mas.yr**-1"), "pos.pm;pos.eq.dec", "Proper motion in declination direction"),
        field("radial_velocity", DataType::Float32, true, Some("km.s**-1"), "spect.dopplerVeloc.opt;em.opt.I", "Radial velocity"),
        field("phot_g_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt", "G-band mean magnitude"),
        field("phot_bp_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt.B", "Integrated BP mean magnitude"),
        field("phot_rp_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt.R", "Integrated RP mean magnitude"),
        field("bp_rp", DataType::Float32, true, Some("mag"), "phot.color;em.opt.B;em.opt.R", "BP - RP colour"),
        field("ruwe", DataType::Float32, true, None, "stat.error;phys.distance", "Renormalised unit weight error"),
        field("ref_epoch", DataType::Float64, false, Some("yr"), "meta.ref;time.epoch", "Reference epoch (Julian year, TCB)"),
    ]))
}

/// Rows `start..end` of the synthetic gaia_source as one batch.
pub fn batch(seed: u64, start: u64, end: u64) -> RecordBatch {
    let n = (end - start) as usize;
    let mut source_id = Int64Builder::with_capacity(n);
    let mut ra = Float64Builder::with_capacity(n);
    let mut dec = Float64Builder::with_capacity(n);
    let mut plx = Float64Builder::with_capacity(n);
    let mut plx_err = Float32Builder::with_capacity(n);
    let mut pmra = Float64Builder::with_capacity(n);
    let mut pmdec = Float64Builder::with_capacity(n);
    let mut rv = Float32Builder::with_capacity(n);
    let mut g = Float32Builder::with_capacity(n);
    let mut bp = Float32Builder::with_capacity(n);
    let mut rp = Float32Builder::with_capacity(n);
    let mut bp_rp = Float32Builder::with_capacity(n);
    let mut ruwe = Float32Builder::with_capacity(n);
    let mut epoch = Float64Builder::with_capacity(n);
    for i in start..end {
        let s = star(seed, i);
        source_id.append_value(s.source_id);
        ra.append_value(s.ra);
        dec.append_value(s.dec);
        plx.append_value(s.parallax);
        plx_err.append_value(s.parallax_error);
        pmra.append_value(s.pmra);
        pmdec.append_value(s.pmdec);
        rv.append_option(s.radial_velocity);
        g.append_value(s.g);
        bp.append_option(s.bp);
        rp.append_option(s.rp);
        bp_rp.append_option(s.bp.zip(s.rp).map(|(b, r)| b - r));
        ruwe.append_value(s.ruwe);
        epoch.append_value(2016.0);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(source_id.finish()), Arc::new(ra.finish()), Arc::new(dec.finish()),
        Arc::new(plx.finish()), Arc::new(plx_err.finish()), Arc::new(pmra.finish()),
        Arc::new(pmdec.finish()), Arc::new(rv.finish()), Arc::new(g.finish()), Arc::new(bp.finish()),
        Arc::new(rp.finish()), Arc::new(bp_rp.finish()), Arc::new(ruwe.finish()), Arc::new(epoch.finish()),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns built to match schema()")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_id_encodes_level12_healpix() {
        for i in 0..5000 {
            let s = star(42, i);
            assert_eq!((s.source_id >> SOURCE_ID_HEALPIX_SHIFT) as u64, healpix::hash(12, s.ra, s.dec).expect("valid"));
            assert_eq!(s.source_id & ((1 << 35) - 1), i as i64);
            assert!(healpix::valid_position(s.ra, s.dec) && (0.0..360.0).contains(&s.ra));
        }
    }

    #[test]
    fn deterministic_and_physically_plausible() {
        let a = batch(7, 0, 20_000);
        let b = batch(7, 0, 20_000);
        assert_eq!(a, b);
        assert_ne!(a, batch(8, 0, 20_000));
        // Rows are addressable: a sub-range equals the slice of a larger batch.
        assert_eq!(batch(7, 100, 200), a.slice(100, 100));
        let stars: Vec<Star> = (0..20_000).map(|i| star(7, i)).collect();
        let n = stars.len() as f64;
        // Denser towards the galactic plane: |b| < 10 deg is 17% of the sphere.
        let in_plane = stars.iter().filter(|s| galactic_latitude(s.ra, s.dec).abs() < 10.0).count() as f64;
        assert!(in_plane / n > 0.4, "{}", in_plane / n);
        let with_rv = stars.iter().filter(|s| s.radial_velocity.is_some()).count() as f64;
        assert!(with_rv / n < 0.2, "radial_velocity must be mostly null: {}", with_rv / n);
        assert!(stars.iter().all(|s| (3.0..=21.0).contains(&s.g) && s.parallax_error > 0.0 && s.ruwe > 0.0));
        // BP-RP colour is consistent with BP and RP.
        let col = a.column_by_name("bp_rp").unwrap();
        assert!(col.null_count() > 0 && col.null_count() < a.num_rows() * 15 / 100, "{}", col.null_count());
    }

    fn galactic_latitude(ra: f64, dec: f64) -> f64 {
        // sin b = v . NGP, with the NGP at (192.85948, 27.12825).
        let (r, d) = (ra.to_radians(), dec.to_radians());
        let (pr, pd) = (192.85948f64.to_radians(), 27.12825f64.to_radians());
        (d.sin() * pd.sin() + d.cos() * pd.cos() * (r - pr).cos()).asin().to_degrees()
    }
}
