//! Synthetic `epoch_photometry`: per-source G/BP/RP time series as variable-length arrays, as in the
//! Gaia DR3 epoch photometry tables; a fraction of sources vary sinusoidally so that robust
//! statistics (median, MAD) and plain ones (mean, std) disagree where they should.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, Int16Builder, Int64Builder, ListBuilder, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::gaia_source::star;
use super::rng::Rng;
use super::{field, SEED_EPOCH};

fn list_f64() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Float64, true)))
}

/// Arrow schema (Gaia DR3 names; ra/dec added for partitioning).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        field("source_id", DataType::Int64, false, None, "meta.id;meta.main", "Unique source identifier"),
        field("ra", DataType::Float64, false, Some("deg"), "pos.eq.ra;meta.main", "Right ascension of the source (copied from gaia_source for partitioning)"),
        field("dec", DataType::Float64, false, Some("deg"), "pos.eq.dec;meta.main", "Declination of the source (copied from gaia_source for partitioning)"),
        field("n_transits", DataType::Int16, false, None, "meta.number", "Number of field-of-view transits"),
        field("is_variable", DataType::Boolean, false, None, "meta.code", "True for sources generated with a sinusoidal light curve (synthetic truth)"),
        field("g_transit_time", list_f64(), true, Some("d"), "time.epoch", "Transit averaged G band observing time (BJD - 2455197.5)"),
        field("g_transit_mag", list_f64(), true, Some("mag"), "phot.mag;em.opt", "Transit averaged G band magnitude"),
        field("g_transit_flux", list_f64(), true, Some("e-.s**-1"), "phot.flux;em.opt", "Transit averaged G band flux"),
        field("bp_obs_time", list_f64(), true, Some("d"), "time.epoch", "BP observing time (BJD - 2455197.5)"),
        field("bp_mag", list_f64(), true, Some("mag"), "phot.mag;em.opt.B", "BP magnitude"),
        field("rp_obs_time", list_f64(), true, Some("d"), "time.epoch", "RP observing time (BJD - 2455197.5)"),
        field("rp_mag", list_f64(), true, Some("mag"), "phot.mag;em.opt.R", "RP magnitude"),
    ]))
}

/// G-band zero point: G = -2.5 log10(flux) + ZP (Riello et al. 2021, Table 3, DR3 G zero point).
const G_ZERO_POINT: f64 = 25.6874;

/// Epoch photometry of every `step`-th gaia_source star.
pub fn batch(seed: u64, step: u64, start: u64, end: u64) -> RecordBatch {
    let n = (end - start) as usize;
    let mut sid = Int64Builder::with_capacity(n);
    let mut ra = Float64Builder::with_capacity(n);
    let mut dec = Float64Builder::with_capacity(n);
    let mut ntr = Int16Builder::with_capacity(n);
    let mut var = BooleanBuilder::with_capacity(n);
    let mut lists: Vec<ListBuilder<Float64Builder>> = (0..7).map(|_| ListBuilder::new(Float64Builder::new())).collect();
    for k in start..end {
        let s = star(seed, k * step);
        let mut r = Rng::new(seed ^ SEED_EPOCH, k);
        let n_tr = 20 + (r.uniform() * 50.0) as usize;
        let variable = r.chance(0.2);
        let (amp, period, phase) = (r.range(0.05, 0.5), r.range(0.5, 100.0), r.range(0.0, std::f64::consts::TAU));
        let base = [s.g as f64, s.bp.map_or(s.g as f64 + 0.5, f64::from), s.rp.map_or(s.g as f64 - 0.6, f64::from)];
        sid.append_value(s.source_id);
        ra.append_value(s.ra);
        dec.append_value(s.dec);
        ntr.append_value(n_tr as i16);
        var.append_value(variable);
        // DR3 epoch photometry spans 34 months from 2014-07-25 (t = 1666 d in Gaia time).
        let mut t = 1666.0 + r.range(0.0, 5.0);
        for _ in 0..n_tr {
            t += r.range(0.1, 60.0);
            let signal = if variable { amp * (std::f64::consts::TAU * t / period + phase).sin() } else { 0.0 };
            let g = base[0] + signal + 0.005 * r.normal();
            lists[0].values().append_value(t);
            lists[1].values().append_value(g);
            lists[2].values().append_value(10f64.powf(-0.4 * (g - G_ZERO_POINT)));
            lists[3].values().append_value(t + 0.0003);
            lists[4].values().append_value(base[1] + signal * 1.2 + 0.01 * r.normal());
            lists[5].values().append_value(t + 0.0005);
            lists[6].values().append_value(base[2] + signal * 0.8 + 0.01 * r.normal());
        }
        for l in lists.iter_mut() {
            l.append(true);
        }
    }
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(sid.finish()), Arc::new(ra.finish()), Arc::new(dec.finish()), Arc::new(ntr.finish()), Arc::new(var.finish()),
    ];
    arrays.extend(lists.iter_mut().map(|l| Arc::new(l.finish()) as ArrayRef));
    RecordBatch::try_new(schema(), arrays).expect("columns built to match schema()")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Float64Type;

    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
    }

    #[test]
    fn series_are_consistent_and_variables_vary() {
        let b = batch(5, 3, 0, 300);
        let ntr = b.column_by_name("n_transits").unwrap().as_primitive::<datafusion::arrow::datatypes::Int16Type>();
        let var = b.column_by_name("is_variable").unwrap().as_boolean();
        let mags = b.column_by_name("g_transit_mag").unwrap().as_list::<i32>();
        let times = b.column_by_name("g_transit_time").unwrap().as_list::<i32>();
        let flux = b.column_by_name("g_transit_flux").unwrap().as_list::<i32>();
        let (mut n_var, mut n_const) = (0, 0);
        for row in 0..b.num_rows() {
            let m = mags.value(row);
            let m = m.as_primitive::<Float64Type>().values().to_vec();
            assert_eq!(m.len(), ntr.value(row) as usize);
            let t = times.value(row);
            let t = t.as_primitive::<Float64Type>().values().to_vec();
            assert!(t.windows(2).all(|w| w[0] < w[1]), "transit times must increase");
            let f = flux.value(row);
            let f = f.as_primitive::<Float64Type>();
            // Flux and magnitude agree through the G zero point.
            assert!((-2.5 * f.value(0).log10() + G_ZERO_POINT - m[0]).abs() < 1e-9);
            let mut dev: Vec<f64> = m.iter().map(|x| x - m.iter().sum::<f64>() / m.len() as f64).collect();
            let mut abs: Vec<f64> = dev.iter_mut().map(|d| d.abs()).collect();
            let mad = median(&mut abs);
            if var.value(row) {
                n_var += 1;
                assert!(mad > 0.01, "variable star with MAD {mad}");
            } else {
                n_const += 1;
                assert!(mad < 0.01, "constant star with MAD {mad}");
            }
        }
        assert!(n_var > 20 && n_const > 150, "{n_var} {n_const}");
        assert_eq!(batch(5, 3, 100, 110), b.slice(100, 10));
    }
}
