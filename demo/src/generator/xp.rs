//! Synthetic `xp_continuous_mean_spectrum`: BP/RP basis-function coefficients with errors and
//! correlation matrices in the Gaia DR3 layout.
//!
//! Correlations are stored as the strict upper triangle in column-major order (equivalently the
//! strict lower triangle in row-major order: (0,1), (0,2), (1,2), (0,3), ...), 55*54/2 = 1485
//! values, which is what gaiaxpy's `array_to_symmetric_matrix` reads (Gaia DR3 documentation
//! §14.3.6). We draw Kac-Murdock-Szegő matrices, rho^|i-j| with |rho| < 1, which are positive
//! definite for every rho in (-1, 1), so every generated covariance has a Cholesky factor.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float32Builder, Float64Builder, Int16Builder, Int64Builder, ListBuilder, RecordBatch,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::gaia_source::star;
use super::rng::Rng;
use super::{field, SEED_XP};

/// Number of basis-function coefficients per band in Gaia DR3.
pub const N_COEFF: usize = 55;
/// Number of stored correlations per band: the strict upper triangle.
pub const N_CORR: usize = N_COEFF * (N_COEFF - 1) / 2;
/// DR3 basis function identifiers for BP and RP.
pub const BP_BASIS_ID: i16 = 56;
/// See [`BP_BASIS_ID`].
pub const RP_BASIS_ID: i16 = 57;

/// Index into the packed correlation array of element (i, j) with i < j.
pub fn corr_index(i: usize, j: usize) -> usize {
    debug_assert!(i < j);
    j * (j - 1) / 2 + i
}

/// Rebuilds the full symmetric correlation matrix (unit diagonal) from the packed array.
pub fn unpack_correlations(packed: &[f32], n: usize) -> Vec<Vec<f64>> {
    let mut m = vec![vec![0.0; n]; n];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for j in 1..n {
        for i in 0..j {
            let v = packed[corr_index(i, j)] as f64;
            m[i][j] = v;
            m[j][i] = v;
        }
    }
    m
}

fn list_f64() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Float64, true)))
}
fn list_f32() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Float32, true)))
}

/// Arrow schema (Gaia DR3 names; ra/dec are added so the table can be HEALPix-partitioned).
pub fn schema() -> SchemaRef {
    let mut fields = vec![
        field("source_id", DataType::Int64, false, None, "meta.id;meta.main", "Unique source identifier"),
        field("ra", DataType::Float64, false, Some("deg"), "pos.eq.ra;meta.main", "Right ascension of the source (copied from gaia_source for partitioning)"),
        field("dec", DataType::Float64, false, Some("deg"), "pos.eq.dec;meta.main", "Declination of the source (copied from gaia_source for partitioning)"),
    ];
    for (band, name) in [("bp", "BP"), ("rp", "RP")] {
        fields.push(field(&format!("{band}_basis_function_id"), DataType::Int16, false, None, "meta.id;meta.code", &format!("Identifier of the {name} basis functions")));
        fields.push(field(&format!("{band}_n_parameters"), DataType::Int16, false, None, "meta.number", &format!("Number of {name} coefficients")));
        fields.push(field(&format!("{band}_standard_deviation"), DataType::Float32, true, None, "stat.stdev", &format!("Standard deviation of the {name} least-squares solution")));
        fields.push(field(&format!("{band}_coefficients"), list_f64(), true, None, "spect.continuum", &format!("{name} spectrum coefficients (double[55])")));
        fields.push(field(&format!("{band}_coefficient_errors"), list_f32(), true, None, "stat.error", &format!("{name} spectrum coefficient errors (float[55])")));
        fields.push(field(&format!("{band}_coefficient_correlations"), list_f32(), true, None, "stat.correlation", &format!("{name} coefficient correlations, upper triangle column-major (float[1485])")));
    }
    Arc::new(Schema::new(fields))
}

/// The XP rows are spectra of every `step`-th gaia_source star (so joins on source_id work).
pub fn batch(seed: u64, step: u64, start: u64, end: u64) -> RecordBatch {
    let n = (end - start) as usize;
    let mut sid = Int64Builder::with_capacity(n);
    let mut ra = Float64Builder::with_capacity(n);
    let mut dec = Float64Builder::with_capacity(n);
    let mut cols: Vec<BandBuilders> = (0..2).map(|_| BandBuilders::new(n)).collect();
    for k in start..end {
        let s = star(seed, k * step);
        sid.append_value(s.source_id);
        ra.append_value(s.ra);
        dec.append_value(s.dec);
        let mut r = Rng::new(seed ^ SEED_XP, k);
        for (b, cb) in cols.iter_mut().enumerate() {
            cb.append(&mut r, if b == 0 { BP_BASIS_ID } else { RP_BASIS_ID }, s.g as f64);
        }
    }
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(sid.finish()), Arc::new(ra.finish()), Arc::new(dec.finish())];
    for mut cb in cols {
        arrays.extend(cb.finish());
    }
    RecordBatch::try_new(schema(), arrays).expect("columns built to match schema()")
}

struct BandBuilders {
    basis: Int16Builder,
    npar: Int16Builder,
    sd: Float32Builder,
    coeff: ListBuilder<Float64Builder>,
    err: ListBuilder<Float32Builder>,
    corr: ListBuilder<Float32Builder>,
}

impl BandBuilders {
    fn new(n: usize) -> Self {
        BandBuilders {
            basis: Int16Builder::with_capacity(n),
            npar: Int16Builder::with_capacity(n),
            sd: Float32Builder::with_capacity(n),
            coeff: ListBuilder::with_capacity(Float64Builder::with_capacity(n * N_COEFF), n),
            err: ListBuilder::with_capacity(Float32Builder::with_capacity(n * N_COEFF), n),
            corr: ListBuilder::with_capacity(Float32Builder::with_capacity(n * N_CORR), n),
        }
    }

    fn append(&mut self, r: &mut Rng, basis_id: i16, g: f64) {
        self.basis.append_value(basis_id);
        self.npar.append_value(N_COEFF as i16);
        self.sd.append_value((1.0 + 0.2 * r.normal().abs()) as f32);
        // Flux scale from G; coefficients decay with order like real XP spectra (power in the
        // first ~10 basis functions).
        let flux = 10f64.powf(-0.4 * (g - 15.0)) * 1.0e4;
        let noise = 0.01 * flux + 5.0;
        for i in 0..N_COEFF {
            let envelope = (-(i as f64) / 8.0).exp();
            let c = flux * envelope * (0.5 + r.uniform()) * if i % 3 == 1 { -1.0 } else { 1.0 };
            self.coeff.values().append_value(c + noise * r.normal() * 0.1);
            self.err.values().append_value((noise * (1.0 + 0.5 * r.uniform()) * (1.0 + i as f64 / 55.0)) as f32);
        }
        self.coeff.append(true);
        self.err.append(true);
        let rho = r.range(-0.35, 0.65);
        for j in 1..N_COEFF {
            for i in 0..j {
                self.corr.values().append_value(rho.powi((j - i) as i32) as f32);
            }
        }
        self.corr.append(true);
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.basis.finish()), Arc::new(self.npar.finish()), Arc::new(self.sd.finish()),
            Arc::new(self.coeff.finish()), Arc::new(self.err.finish()), Arc::new(self.corr.finish()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Float32Type;

    /// Cholesky decomposition: succeeds exactly when the matrix is (numerically) positive definite.
    fn cholesky_ok(m: &[Vec<f64>]) -> bool {
        let n = m.len();
        let mut l = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
                if i == j {
                    let d = m[i][i] - s;
                    if d <= 1e-12 {
                        return false;
                    }
                    l[i][j] = d.sqrt();
                } else {
                    l[i][j] = (m[i][j] - s) / l[j][j];
                }
            }
        }
        true
    }

    #[test]
    fn packing_order_is_column_major_upper_triangle() {
        assert_eq!(corr_index(0, 1), 0);
        assert_eq!(corr_index(0, 2), 1);
        assert_eq!(corr_index(1, 2), 2);
        assert_eq!(corr_index(0, 3), 3);
        assert_eq!(corr_index(53, 54), N_CORR - 1);
    }

    #[test]
    fn layout_and_positive_definite_correlations() {
        let b = batch(3, 7, 0, 40);
        assert_eq!(b.num_rows(), 40);
        for band in ["bp", "rp"] {
            let corr = b.column_by_name(&format!("{band}_coefficient_correlations")).unwrap().as_list::<i32>();
            let coeff = b.column_by_name(&format!("{band}_coefficients")).unwrap().as_list::<i32>();
            for row in 0..b.num_rows() {
                assert_eq!(coeff.value(row).len(), N_COEFF);
                let packed = corr.value(row);
                let packed = packed.as_primitive::<Float32Type>();
                assert_eq!(packed.len(), N_CORR);
                let m = unpack_correlations(packed.values(), N_COEFF);
                assert!(m.iter().flatten().all(|v| v.abs() <= 1.0));
                assert!(cholesky_ok(&m), "row {row} of {band} is not positive definite");
            }
        }
        // Spectra belong to real gaia_source stars: every 7th one.
        let sid = b.column_by_name("source_id").unwrap().as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!(sid.value(3), star(3, 21).source_id);
        assert_eq!(batch(3, 7, 10, 20), b.slice(10, 10));
    }
}
