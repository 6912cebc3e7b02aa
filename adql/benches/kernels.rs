//! Throughput of the fused point-in-shape kernels (release mode):
//! `cargo bench -p astrotap-adql --bench kernels`.
//!
//! Two regimes per kernel: "allsky" (uniform points over the sphere: the trig-free pre-filters
//! reject almost everything, the common case of a small cone on a whole catalog) and "dense"
//! (every point inside the shape's bounding box, so every row pays for the exact test: the
//! worst case, what a HEALPix-pruned partition looks like).
//!
//! The `kernels/*` group times the kernels alone; the `udf/*` group times the fused UDFs the
//! planner emits (`adql_in_cone`, `adql_in_polygon` with constant shapes) as DataFusion calls
//! them: one `invoke_with_args` per 8192-row batch of Float64 `ra`/`dec` columns, building the
//! Arrow boolean result. Throughput is in points (rows); criterion runs on one thread.

use adql::geometry::kernels::{BoxKernel, ConeKernel, PolygonKernel};
use adql::geometry::shapes::SkyBox;
use adql::geometry::sphere::offset;
use adql::geometry::Polygon;
use adql::udf::fused::{InConeUdf, InPolygonUdf};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};
use std::hint::black_box;
use std::sync::Arc;

const N: usize = 1 << 20;

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn allsky() -> (Vec<f64>, Vec<f64>) {
    let mut r = lcg(1);
    (0..N).map(|_| (360.0 * r(), (2.0 * r() - 1.0).asin().to_degrees())).unzip()
}

/// Points uniform in the RA/Dec box [ra0 ± half/cos(dec0)] × [dec0 ± half].
fn dense(ra0: f64, dec0: f64, half: f64) -> (Vec<f64>, Vec<f64>) {
    let mut r = lcg(2);
    let w = half / dec0.to_radians().cos();
    (0..N).map(|_| (ra0 + w * (2.0 * r() - 1.0), dec0 + half * (2.0 * r() - 1.0))).unzip()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernels");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);

    let (ra_all, dec_all) = allsky();
    let cone = ConeKernel::new(150.0, 20.0, 1.0).unwrap();
    let (ra_d, dec_d) = dense(150.0, 20.0, 1.0);
    g.bench_function("cone_r1deg_allsky", |b| b.iter(|| black_box(cone.eval_packed(black_box(&ra_all), black_box(&dec_all)))));
    g.bench_function("cone_r1deg_dense", |b| b.iter(|| black_box(cone.eval_packed(black_box(&ra_d), black_box(&dec_d)))));

    let verts: Vec<(f64, f64)> = (0..10).map(|k| offset(150.0, 20.0, 1.0, 36.0 * k as f64)).collect();
    let poly = PolygonKernel::new(&Polygon::new(&verts).unwrap());
    g.bench_function("polygon10_allsky", |b| b.iter(|| black_box(poly.eval_packed(black_box(&ra_all), black_box(&dec_all)))));
    g.bench_function("polygon10_dense", |b| b.iter(|| black_box(poly.eval_packed(black_box(&ra_d), black_box(&dec_d)))));

    // A non-convex 10-vertex star exercises the meridian-crossing path.
    let star: Vec<(f64, f64)> =
        (0..10).map(|k| offset(150.0, 20.0, if k % 2 == 0 { 1.0 } else { 0.5 }, 36.0 * k as f64)).collect();
    let star = PolygonKernel::new(&Polygon::new(&star).unwrap());
    g.bench_function("star10_nonconvex_dense", |b| b.iter(|| black_box(star.eval_packed(black_box(&ra_d), black_box(&dec_d)))));

    let bx = BoxKernel::new(&SkyBox::new(150.0, 20.0, 2.0, 2.0).unwrap());
    g.bench_function("box_2deg_allsky", |b| b.iter(|| black_box(bx.eval_packed(black_box(&ra_all), black_box(&dec_all)))));
    g.bench_function("box_2deg_dense", |b| b.iter(|| black_box(bx.eval_packed(black_box(&ra_d), black_box(&dec_d)))));
    g.finish();
}

/// DataFusion's default batch size.
const BATCH: usize = 8192;

/// `ra`/`dec` cut into batches as a scan delivers them.
fn batches(ra: &[f64], dec: &[f64]) -> Vec<(ArrayRef, ArrayRef)> {
    ra.chunks(BATCH)
        .zip(dec.chunks(BATCH))
        .map(|(r, d)| -> (ArrayRef, ArrayRef) {
            (Arc::new(Float64Array::from(r.to_vec())), Arc::new(Float64Array::from(d.to_vec())))
        })
        .collect()
}

/// Calls the UDF on every batch with constant shape parameters; returns the rows selected.
fn run_udf(udf: &ScalarUDF, data: &[(ArrayRef, ArrayRef)], params: &[f64], config: &Arc<ConfigOptions>) -> usize {
    let mut selected = 0;
    for (ra, dec) in data {
        let mut args = vec![ColumnarValue::Array(ra.clone()), ColumnarValue::Array(dec.clone())];
        args.extend(params.iter().map(|v| ColumnarValue::Scalar(ScalarValue::Float64(Some(*v)))));
        let arg_fields = (0..args.len()).map(|i| Arc::new(Field::new(format!("a{i}"), DataType::Float64, true))).collect();
        let out = udf
            .invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: ra.len(),
                return_field: Arc::new(Field::new(udf.name(), DataType::Boolean, true)),
                config_options: config.clone(),
            })
            .expect("the fused UDF runs");
        if let ColumnarValue::Array(a) = out {
            selected += a.as_boolean().true_count();
        }
    }
    selected
}

fn bench_udfs(c: &mut Criterion) {
    let mut g = c.benchmark_group("udf");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    let config = Arc::new(ConfigOptions::default());
    let (ra_all, dec_all) = allsky();
    let (ra_d, dec_d) = dense(150.0, 20.0, 1.0);
    let (all, dense_b) = (batches(&ra_all, &dec_all), batches(&ra_d, &dec_d));

    let cone = ScalarUDF::from(InConeUdf::new());
    let cone_params = [150.0, 20.0, 1.0];
    // Same kernel, same answer: the UDF selects exactly the rows the bare kernel does.
    let kernel_count = |bits: Vec<u64>| bits.iter().map(|w| w.count_ones() as usize).sum::<usize>();
    let cone_k = ConeKernel::new(150.0, 20.0, 1.0).expect("valid cone");
    assert_eq!(run_udf(&cone, &dense_b, &cone_params, &config), kernel_count(cone_k.eval_packed(&ra_d, &dec_d)));
    g.bench_function("adql_in_cone_r1deg_allsky", |b| b.iter(|| black_box(run_udf(&cone, &all, &cone_params, &config))));
    g.bench_function("adql_in_cone_r1deg_dense", |b| b.iter(|| black_box(run_udf(&cone, &dense_b, &cone_params, &config))));

    let poly = ScalarUDF::from(InPolygonUdf::new());
    let verts: Vec<f64> = (0..10)
        .flat_map(|k| {
            let (l, b) = offset(150.0, 20.0, 1.0, 36.0 * k as f64);
            [l, b]
        })
        .collect();
    let poly_k = PolygonKernel::from_flat(&verts).expect("valid polygon");
    assert_eq!(run_udf(&poly, &dense_b, &verts, &config), kernel_count(poly_k.eval_packed(&ra_d, &dec_d)));
    g.bench_function("adql_in_polygon10_allsky", |b| b.iter(|| black_box(run_udf(&poly, &all, &verts, &config))));
    g.bench_function("adql_in_polygon10_dense", |b| b.iter(|| black_box(run_udf(&poly, &dense_b, &verts, &config))));
    g.finish();
}

criterion_group!(benches, bench, bench_udfs);
criterion_main!(benches);
