//! Throughput of the fused point-in-shape kernels (release mode):
//! `cargo bench -p astrotap-adql --bench kernels`.
//!
//! Two regimes per kernel: "allsky" (uniform points over the sphere: the trig-free pre-filters
//! reject almost everything, the common case of a small cone on a whole catalogue) and "dense"
//! (every point inside the shape's bounding box, so every row pays for the exact test: the
//! worst case, what a HEALPix-pruned partition looks like).

use adql::geometry::kernels::{BoxKernel, ConeKernel, PolygonKernel};
use adql::geometry::shapes::SkyBox;
use adql::geometry::sphere::offset;
use adql::geometry::Polygon;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

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

criterion_group!(benches, bench);
criterion_main!(benches);
