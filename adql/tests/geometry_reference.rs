//! Geometry and UDFs against independent references: astropy (`SkyCoord.separation`,
//! `apply_space_motion`) through the project venv, and exact closed-form values.
//!
//! The astropy part prints a notice and is skipped when the venv is absent
//! (`bash scripts/setup-python.sh` creates it; CI has it).

use adql::geometry::kernels::ConeKernel;
use adql::geometry::sphere::{distance_deg, offset, SR_TO_DEG2};
use adql::geometry::{contains, Circle, Point, Polygon, Shape};
use adql::udf::epoch::propagate_position;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var("ASTROTAP_PYTHON").ok().map(PathBuf::from),
        std::env::var("HOME").ok().map(|h| PathBuf::from(h).join(".cache/astrotap-venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// Runs tests/py/reference.py with the given JSON request.
fn astropy(request: &str) -> Option<serde_json_lite::Value> {
    let py = python()?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/reference.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(request.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "reference.py failed");
    Some(serde_json_lite::parse(&String::from_utf8_lossy(&out.stdout)))
}

/// A minimal JSON reader for the reference script's output (numbers and arrays only), so the
/// test needs no extra dependency.
mod serde_json_lite {
    #[derive(Debug, Clone)]
    pub enum Value {
        Num(f64),
        Arr(Vec<Value>),
        Obj(Vec<(String, Value)>),
    }
    impl Value {
        pub fn get(&self, k: &str) -> &Value {
            match self {
                Value::Obj(v) => &v.iter().find(|(n, _)| n == k).expect("key").1,
                _ => panic!("not an object"),
            }
        }
        pub fn arr(&self) -> &[Value] {
            match self {
                Value::Arr(v) => v,
                _ => panic!("not an array"),
            }
        }
        pub fn num(&self) -> f64 {
            match self {
                Value::Num(x) => *x,
                _ => panic!("not a number"),
            }
        }
    }
    pub fn parse(s: &str) -> Value {
        let b: Vec<char> = s.chars().collect();
        let mut i = 0;
        value(&b, &mut i)
    }
    fn ws(b: &[char], i: &mut usize) {
        while *i < b.len() && b[*i].is_whitespace() {
            *i += 1;
        }
    }
    fn value(b: &[char], i: &mut usize) -> Value {
        ws(b, i);
        match b[*i] {
            '[' => {
                *i += 1;
                let mut v = Vec::new();
                loop {
                    ws(b, i);
                    if b[*i] == ']' {
                        *i += 1;
                        break;
                    }
                    v.push(value(b, i));
                    ws(b, i);
                    if b[*i] == ',' {
                        *i += 1;
                    }
                }
                Value::Arr(v)
            }
            '{' => {
                *i += 1;
                let mut v = Vec::new();
                loop {
                    ws(b, i);
                    if b[*i] == '}' {
                        *i += 1;
                        break;
                    }
                    assert_eq!(b[*i], '"');
                    *i += 1;
                    let start = *i;
                    while b[*i] != '"' {
                        *i += 1;
                    }
                    let key: String = b[start..*i].iter().collect();
                    *i += 1;
                    ws(b, i);
                    assert_eq!(b[*i], ':');
                    *i += 1;
                    v.push((key, value(b, i)));
                    ws(b, i);
                    if b[*i] == ',' {
                        *i += 1;
                    }
                }
                Value::Obj(v)
            }
            _ => {
                let start = *i;
                while *i < b.len() && !matches!(b[*i], ',' | ']' | '}') && !b[*i].is_whitespace() {
                    *i += 1;
                }
                let t: String = b[start..*i].iter().collect();
                Value::Num(t.parse().unwrap_or(f64::NAN))
            }
        }
    }
}

/// Separation test pairs: random plus the edge cases the brief lists.
fn separation_pairs() -> Vec<[f64; 4]> {
    let mut r = lcg(2024);
    let mut v = vec![
        [0.0, 90.0, 123.0, 89.0],
        [0.0, -90.0, 0.0, 90.0],
        [359.9, 0.0, 0.1, 0.0],
        [359.999, 45.0, 0.001, 45.0],
        [10.0, 20.0, 10.0, 20.0 + 1e-6 / 3600.0],
        [10.0, 20.0, 10.0 + 1e-6 / 3600.0, 20.0],
        [30.0, 20.0, 210.0, -20.0],
        [30.0, 20.0, 210.0 - 1e-7, -20.0],
        [0.0, 0.0, 179.9999, 0.0],
        [0.0, 0.0, 180.0, 0.0],
        [45.0, 89.9999, 225.0, 89.9999],
    ];
    for _ in 0..2000 {
        v.push([360.0 * r(), (2.0 * r() - 1.0).asin().to_degrees(), 360.0 * r(), (2.0 * r() - 1.0).asin().to_degrees()]);
    }
    for _ in 0..500 {
        // Close pairs at all scales from 1e-6 arcsec to 10 deg.
        let (l, b) = (360.0 * r(), (2.0 * r() - 1.0).asin().to_degrees());
        let d = 10f64.powf(-9.6 + 10.6 * r());
        let (l2, b2) = offset(l, b, d, 360.0 * r());
        v.push([l, b, l2, b2]);
    }
    v
}

#[test]
fn distance_and_contains_against_astropy() {
    let pairs = separation_pairs();
    let req = format!(
        "{{\"sep\": [{}]}}",
        pairs.iter().map(|p| format!("[{:.17e},{:.17e},{:.17e},{:.17e}]", p[0], p[1], p[2], p[3])).collect::<Vec<_>>().join(",")
    );
    let Some(res) = astropy(&req) else {
        println!("NOTICE: astropy venv not found (set ASTROTAP_PYTHON or run scripts/setup-python.sh): astropy comparison skipped");
        return;
    };
    let seps = res.get("sep").arr();
    assert_eq!(seps.len(), pairs.len());
    let mut worst = 0.0f64;
    let mut checked_contains = 0;
    for (p, s) in pairs.iter().zip(seps) {
        let reference = s.num();
        let ours = distance_deg(p[0], p[1], p[2], p[3]);
        let err = (ours - reference).abs();
        worst = worst.max(err);
        assert!(err < 1e-9, "distance {p:?}: ours {ours} astropy {reference}");
        // CONTAINS(point, circle) with radii on both sides of the separation.
        for &factor in &[0.999, 1.001] {
            let r = (reference * factor).min(180.0);
            if (reference - r).abs() < 1e-10 {
                continue;
            }
            let expect = reference <= r;
            let k = ConeKernel::new(p[0], p[1], r).unwrap();
            assert_eq!(k.contains(p[2], p[3]), expect, "cone kernel {p:?} r={r} sep={reference}");
            let pt = Shape::Point(Point::new(p[2], p[3]).unwrap());
            let c = Shape::Circle(Circle::new(p[0], p[1], r).unwrap());
            assert_eq!(contains(&pt, &c), expect);
            checked_contains += 1;
        }
    }
    println!("max |distance - astropy| = {worst:e} deg over {} pairs; {checked_contains} CONTAINS checks", pairs.len());
}

#[test]
fn epoch_propagation_against_astropy() {
    // Stars with radial velocity 0: astropy (ERFA pmsafe) adds a light-time correction that is
    // second order when the distance barely changes, so the two must agree to micro-arcseconds.
    let stars = [
        [10.0, 20.0, 5.0, 100.0, -50.0, 0.0, 2016.0, 2000.0],
        [269.452, 4.693, 546.98, -801.55, 10362.39, 0.0, 2016.0, 1991.25],
        [0.5, -89.5, 1.0, 30.0, 30.0, 0.0, 2016.0, 2116.0],
        [359.99, 0.0, 100.0, 2000.0, 0.0, 0.0, 2016.0, 2026.0],
        [200.0, 60.0, 0.5, -5.0, 3.0, 0.0, 2016.0, 1900.0],
    ];
    let req = format!(
        "{{\"prop\": [{}]}}",
        stars.iter().map(|s| format!("[{}]", s.iter().map(|x| format!("{x:.17e}")).collect::<Vec<_>>().join(","))).collect::<Vec<_>>().join(",")
    );
    let Some(res) = astropy(&req) else {
        println!("NOTICE: astropy venv not found: epoch propagation comparison skipped");
        return;
    };
    for (s, r) in stars.iter().zip(res.get("prop").arr()) {
        let (ra, dec) = propagate_position(s[0], s[1], Some(s[2]), Some(s[3]), Some(s[4]), Some(s[5]), s[6], s[7]);
        let reference = r.arr();
        let d_mas = distance_deg(ra, dec, reference[0].num(), reference[1].num()) * 3.6e6;
        println!("epoch prop {s:?}: |ours - astropy| = {d_mas:.3e} mas");
        assert!(d_mas < 0.01, "{s:?}: {d_mas} mas");
    }
}

/// Point-in-polygon for 3 to 100 vertices, convex and star-shaped, tiny to 40 degrees, at a
/// pole and across RA 0, against reference.py's gnomonic ray cast (astropy unit vectors): both
/// the value-level test (`CONTAINS(point, POLYGON)`) and the fused kernel.
#[test]
fn point_in_polygon_against_astropy() {
    use adql::geometry::PolygonKernel;
    let mut rnd = lcg(31);
    // (polygon vertices, test points), (lon, lat) in degrees.
    type Case = (Vec<(f64, f64)>, Vec<(f64, f64)>);
    let mut cases: Vec<Case> = vec![];
    for n in [3usize, 4, 5, 10, 17, 50, 100] {
        for (lon0, lat0) in [(0.0, 90.0), (359.9, 10.0), (180.0, -60.0), (0.05, -0.02)] {
            for r in [1e-4, 2.0, 40.0] {
                for star in [false, true] {
                    if star && n < 6 {
                        continue;
                    }
                    let verts: Vec<(f64, f64)> = (0..n)
                        .map(|k| {
                            let rk = if star && k % 2 == 1 { r * 0.4 } else { r };
                            offset(lon0, lat0, rk, 360.0 * k as f64 / n as f64 + 7.0)
                        })
                        .collect();
                    let points: Vec<(f64, f64)> =
                        (0..300).map(|_| offset(lon0, lat0, r * 1.2 * rnd().sqrt(), 360.0 * rnd())).collect();
                    cases.push((verts, points));
                }
            }
        }
    }
    let flat = |v: &[(f64, f64)]| v.iter().map(|(a, b)| format!("{a:.17e},{b:.17e}")).collect::<Vec<_>>().join(",");
    let req = format!(
        "{{\"poly\": [{}]}}",
        cases.iter().map(|(v, p)| format!("[[{}],[{}]]", flat(v), flat(p))).collect::<Vec<_>>().join(",")
    );
    let Some(res) = astropy(&req) else {
        println!("NOTICE: astropy venv not found: point-in-polygon comparison skipped");
        return;
    };
    let answers = res.get("poly").arr();
    assert_eq!(answers.len(), cases.len());
    let (mut checked, mut inside) = (0, 0);
    for ((verts, points), want) in cases.iter().zip(answers) {
        let poly = Polygon::new(verts).unwrap_or_else(|e| panic!("{verts:?}: {e}"));
        let kernel = PolygonKernel::new(&poly);
        for (&(l, b), w) in points.iter().zip(want.arr()) {
            // Points within rounding of an edge may go either way.
            if poly.distance_to_boundary(&adql::geometry::sphere::unit_vector(l, b)) < 1e-12 {
                continue;
            }
            let expect = w.num() == 1.0;
            assert_eq!(poly.contains_lonlat(l, b), expect, "{} vertices {:?}: point {l},{b}", verts.len(), verts[0]);
            assert_eq!(kernel.contains(l, b), expect, "kernel, {} vertices {:?}: point {l},{b}", verts.len(), verts[0]);
            checked += 1;
            inside += expect as usize;
        }
    }
    println!("point-in-polygon: {checked} points in {} polygons agree with the reference ({inside} inside)", cases.len());
    assert!(inside > checked / 5 && inside < checked * 4 / 5, "{inside} of {checked} inside");
}

/// Exact areas: regular polygons (closed form), lunes and octants, caps.
#[test]
fn exact_areas() {
    use std::f64::consts::PI;
    // Octant: 4π/8 sr.
    let oct = Polygon::new(&[(0.0, 0.0), (90.0, 0.0), (0.0, 90.0)]).unwrap();
    assert!((Shape::Polygon(oct).area_deg2() - 4.0 * PI / 8.0 * SR_TO_DEG2).abs() < 1e-9);
    // Lune between meridians 10 and 50 closed at the poles via the equator: two octant-like
    // triangles (N pole, (10,0), (50,0)) and (S pole, ...): area 2·40°·(π/180) sr each half.
    let north = Polygon::new(&[(10.0, 0.0), (50.0, 0.0), (0.0, 90.0)]).unwrap();
    assert!((north.area_sr() - 40f64.to_radians()).abs() < 1e-14);
    // Caps: 2π(1 − cos r) for r from 1e-6 arcsec to 180.
    for r in [1e-6 / 3600.0, 1e-3, 1.0, 45.0, 90.0, 135.0, 180.0] {
        let a = Shape::Circle(Circle::new(1.0, 2.0, r).unwrap()).area_deg2();
        let exact = 4.0 * PI * (r.to_radians() / 2.0).sin().powi(2) * SR_TO_DEG2;
        assert!((a - exact).abs() <= 1e-12 * exact, "r={r}: {a} {exact}");
    }
    // Regular n-gons, 3..200 vertices, both windings, at the pole and across RA 0.
    for n in [3usize, 5, 17, 100, 200] {
        for (lon0, lat0) in [(0.0, 90.0), (359.9, 10.0), (180.0, -60.0)] {
            for r in [1e-4, 2.0, 40.0] {
                let mut v: Vec<(f64, f64)> = (0..n).map(|k| offset(lon0, lat0, r, 360.0 * k as f64 / n as f64)).collect();
                let t = (PI / n as f64).tan();
                let h = (r.to_radians() / 2.0).sin();
                let exact = 2.0 * n as f64 * (2.0 * t * h * h / (1.0 + t * t * r.to_radians().cos())).atan();
                for _ in 0..2 {
                    let p = Polygon::new(&v).unwrap();
                    assert!((p.area_sr() - exact).abs() < 1e-9 * exact, "n={n} at {lon0},{lat0} r={r}");
                    assert!(p.contains_lonlat(lon0, lat0));
                    let (cl, cb) = p.centroid();
                    let dc = distance_deg(cl, cb, lon0, lat0);
                    // Centroid precision of tiny polygons is ~2e-5 of their size (see report).
                    assert!(dc < 1e-9 + 1e-4 * r, "centroid n={n} at {lon0},{lat0} r={r}: off by {dc} deg");
                    v.reverse();
                }
            }
        }
    }
}

mod sql {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray, Float64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema};
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;
    use std::collections::HashMap;
    use std::sync::Arc;

    fn ctx() -> SessionContext {
        let ctx = SessionContext::new();
        adql::udf::register_all(&ctx);
        ctx
    }

    async fn one(ctx: &SessionContext, sql: &str) -> (RecordBatch, Arc<Field>) {
        let df = ctx.sql(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let field = Arc::new(df.schema().field(0).as_ref().clone());
        let batches = df.collect().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let b = datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
        (b, field)
    }

    async fn f64_of(ctx: &SessionContext, sql: &str) -> f64 {
        let (b, _) = one(ctx, sql).await;
        b.column(0).as_primitive::<Float64Type>().value(0)
    }

    #[tokio::test]
    async fn geometry_functions_in_sql() {
        let ctx = ctx();
        let d = f64_of(&ctx, "SELECT distance(point(10, 20), point(10.5, 20.5))").await;
        assert!((d - distance_deg(10.0, 20.0, 10.5, 20.5)).abs() < 1e-12);
        let d4 = f64_of(&ctx, "SELECT distance(359.9, 0, 0.1, 0)").await;
        assert!((d4 - 0.2).abs() < 1e-12);
        let d_sys = f64_of(&ctx, "SELECT distance(point('ICRS', 0, 90), point('ICRS', 77, 0))").await;
        assert!((d_sys - 90.0).abs() < 1e-12);

        let (b, f) = one(&ctx, "SELECT point('ICRS', 10, 20)").await;
        assert_eq!(f.metadata().get("xtype").map(String::as_str), Some("point"));
        assert_eq!(f.metadata().get("unit").map(String::as_str), Some("deg"));
        assert_eq!(b.column(0).data_type(), &DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float64, true)), 2));

        for (sql, want) in [
            ("SELECT contains(point(10, 20), circle(10, 20.5, 1))", 1),
            ("SELECT contains(point(10, 22), circle('ICRS', 10, 20.5, 1))", 0),
            ("SELECT contains(point(0.5, 0), polygon(359, -1, 1, -1, 1, 1, 359, 1))", 1),
            ("SELECT contains(point(2, 0), polygon(359, -1, 1, -1, 1, 1, 359, 1))", 0),
            ("SELECT contains(point(10, 20), box(10, 20, 1, 1))", 1),
            ("SELECT contains(circle(10, 20, 0.1), circle(10, 20, 1))", 1),
            ("SELECT intersects(circle(10, 20, 1), circle(12.5, 20, 1.5))", 1),
            ("SELECT intersects(circle(10, 20, 1), polygon(point(15, 15), point(16, 15), point(16, 16)))", 0),
            ("SELECT contains(point(10, 20), region('Circle ICRS 10 20 0.5'))", 1),
        ] {
            let (b, _) = one(&ctx, sql).await;
            assert_eq!(b.column(0).as_primitive::<Int32Type>().value(0), want, "{sql}");
        }

        let a = f64_of(&ctx, "SELECT area(circle(0, 0, 1))").await;
        assert!((a - 4.0 * std::f64::consts::PI * (0.5f64.to_radians()).sin().powi(2) * SR_TO_DEG2).abs() < 1e-9);
        let c1 = f64_of(&ctx, "SELECT coord1(centroid(polygon(10, -1, 11, -1, 11, 1, 10, 1)))").await;
        assert!((c1 - 10.5).abs() < 1e-12);
        let c2 = f64_of(&ctx, "SELECT coord2(point(5, -7))").await;
        assert_eq!(c2, -7.0);
        let (b, _) = one(&ctx, "SELECT coordsys(point(1, 2))").await;
        assert_eq!(b.column(0).as_string::<i32>().value(0), "ICRS");
    }

    #[tokio::test]
    async fn math_healpix_and_strings_in_sql() {
        let ctx = ctx();
        assert!((f64_of(&ctx, "SELECT adql_log(exp(2.5))").await - 2.5).abs() < 1e-12);
        assert_eq!(f64_of(&ctx, "SELECT truncate(-2.789, 2)").await, -2.78);
        assert_eq!(f64_of(&ctx, "SELECT adql_round(2.5)").await, 3.0);
        assert_eq!(f64_of(&ctx, "SELECT mod(7.5, 2)").await, 1.5);
        let (b, _) = one(&ctx, "SELECT mod(-7, 3)").await;
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), -1);
        let r = f64_of(&ctx, "SELECT rand(42)").await;
        assert!((0.0..1.0).contains(&r));
        assert_eq!(r, f64_of(&ctx, "SELECT rand(42)").await, "seeded RAND must repeat");

        let (b, _) = one(&ctx, "SELECT ivo_healpix_index(29, 123.456, -12.345)").await;
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0) as u64, healpix::healpix29(123.456, -12.345).expect("valid"));
        let (b, _) = one(&ctx, "SELECT ivo_healpix_index(5, point(10, 20)) = ivo_healpix_index(5, 10, 20)").await;
        assert!(b.column(0).as_boolean().value(0));
        // Cell centre round trip.
        let (b, _) = one(&ctx, "SELECT ivo_healpix_index(8, ivo_healpix_center(8, 12345))").await;
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), 12345);
        let (b, _) = one(&ctx, "SELECT gaia_healpix_index(6, 5853498713190525696)").await;
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), 5853498713190525696i64 / ((1i64 << 35) * 4i64.pow(6)));
        let (b, _) = one(&ctx, "SELECT ivo_hasword('Gaia DR3 source', 'dr3'), ivo_nocasematch('Gaia', 'g_IA')").await;
        assert_eq!(b.column(0).as_primitive::<Int32Type>().value(0), 1);
        assert_eq!(b.column(1).as_primitive::<Int32Type>().value(0), 1);
        let (b, _) = one(&ctx, "SELECT coord2(ivo_epoch_prop_pos(0, 0, NULL, 0, 3600000, NULL, 2000, 2001))").await;
        let dec = b.column(0).as_primitive::<Float64Type>().value(0);
        assert!((dec - (1f64.to_radians().atan()).to_degrees()).abs() < 1e-12, "{dec}");
    }

    #[tokio::test]
    async fn fused_predicates_and_in_unit_over_a_table() {
        let ctx = ctx();
        let mut r = lcg(77);
        let n = 5000;
        let (ra, dec): (Vec<f64>, Vec<f64>) = (0..n).map(|_| (20.0 * r() - 10.0 + 360.0 * ((r() < 0.5) as i32 as f64), 20.0 * r() - 10.0)).unzip();
        let ra: Vec<f64> = ra.into_iter().map(|x| x.rem_euclid(360.0)).collect();
        let mut md = HashMap::new();
        md.insert("unit".to_string(), "deg".to_string());
        let schema = Arc::new(Schema::new(vec![
            Field::new("ra", DataType::Float64, true).with_metadata(md.clone()),
            Field::new("dec", DataType::Float64, true).with_metadata(md),
        ]));
        let mut ra_opt: Vec<Option<f64>> = ra.iter().copied().map(Some).collect();
        ra_opt[3] = None;
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Float64Array::from(ra_opt)), Arc::new(Float64Array::from(dec.clone()))],
        )
        .unwrap();
        ctx.register_table("t", Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap())).unwrap();

        let count = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let (b, _) = one(&ctx, sql).await;
                b.column(0).as_primitive::<Int64Type>().value(0)
            }
        };
        let expect_cone = (0..n).filter(|&i| i != 3 && distance_deg(0.0, 0.0, ra[i], dec[i]) <= 5.0).count() as i64;
        assert_eq!(count("SELECT count(*) FROM t WHERE adql_in_cone(ra, dec, 0, 0, 5)").await, expect_cone);
        assert_eq!(count("SELECT count(*) FROM t WHERE contains(point(ra, dec), circle(0, 0, 5)) = 1").await, expect_cone);
        assert_eq!(count("SELECT count(*) FROM t WHERE distance(point(ra, dec), point(0, 0)) <= 5").await, expect_cone);
        let poly = Polygon::new(&[(355.0, -5.0), (5.0, -5.0), (5.0, 5.0), (355.0, 5.0)]).unwrap();
        let expect_poly = (0..n).filter(|&i| i != 3 && poly.contains_lonlat(ra[i], dec[i])).count() as i64;
        assert_eq!(count("SELECT count(*) FROM t WHERE adql_in_polygon(ra, dec, 355, -5, 5, -5, 5, 5, 355, 5)").await, expect_poly);
        assert_eq!(count("SELECT count(*) FROM t WHERE contains(point(ra, dec), polygon(355, -5, 5, -5, 5, 5, 355, 5)) = 1").await, expect_poly);
        let bx = adql::geometry::SkyBox::new(0.0, 0.0, 6.0, 4.0).unwrap();
        let bpoly = bx.to_polygon().unwrap();
        let expect_box = (0..n).filter(|&i| i != 3 && bpoly.contains_lonlat(ra[i], dec[i])).count() as i64;
        assert_eq!(count("SELECT count(*) FROM t WHERE adql_in_box(ra, dec, 0, 0, 6, 4)").await, expect_box);
        assert!(expect_cone > 100 && expect_poly > 100 && expect_box > 100);

        let (b, f) = one(&ctx, "SELECT in_unit(dec, 'arcsec') FROM t").await;
        assert_eq!(f.metadata().get("unit").map(String::as_str), Some("arcsec"));
        assert!((b.column(0).as_primitive::<Float64Type>().value(0) - dec[0] * 3600.0).abs() < 1e-9);
        assert!(ctx.sql("SELECT in_unit(dec, 'km') FROM t").await.is_err());
    }
}
