//! The crossmatch operator against references that do not bucket anything:
//!
//! - an adversarial synthetic set (pairs across RA = 0/360, at both poles, on HEALPix cell
//!   borders and vertices, duplicates on both sides, NULL positions, radii from 0.5 arcsec to
//!   beyond a cell) compared with the brute-force pair set (every pair tested);
//! - the real Gaia DR3 bright stars x Hipparcos-2 (fetched by scripts/fetch-real-data.sh)
//!   compared with a declination-sweep reference, and with the counts GAVO DaCHS (q3c) gives on
//!   the same data: 76,757 pairs within 1 arcsec and 107,418 within 5 arcsec.
//!
//! Every query is also checked to run as `CrossmatchExec`, so the comparison is of the operator.

use std::collections::BTreeMap;
use std::sync::Arc;

use adql::geometry::sphere::distance_deg;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::MemTable;
use datafusion::physical_plan::{collect, displayable, ExecutionPlan};
use datafusion::prelude::SessionContext;

/// A point: id, ra, dec (either may be NULL).
type Point = (i64, Option<f64>, Option<f64>);

/// Deterministic pseudo-random numbers in [0, 1) (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A point within `spread` degrees (roughly) of (ra, dec), kept on the sky.
    fn near(&mut self, ra: f64, dec: f64, spread: f64) -> (f64, f64) {
        let d = (dec + (self.next() - 0.5) * 2.0 * spread).clamp(-90.0, 90.0);
        let stretch = 1.0 / d.to_radians().cos().max(1e-3);
        let r = (ra + (self.next() - 0.5) * 2.0 * spread * stretch.min(360.0)).rem_euclid(360.0);
        (r, d)
    }
}

/// Places that break naive bucketing: RA = 0/360, the poles, HEALPix cell vertices and edges at
/// the orders the radii below choose, and base-cell corners.
fn hot_spots() -> Vec<(f64, f64)> {
    let mut spots = vec![(0.0, 0.0), (359.99999, 10.0), (0.0, 90.0), (0.0, -90.0), (0.0, 89.9999), (180.0, -89.9999), (45.0, 41.810_314_9), (0.0, -41.810_314_9)];
    for order in [11u8, 13, 15, 16, 17] {
        for cell in [0u64, 5_000, 123_456_789 % cdshealpix::n_hash(order)] {
            for (lon, lat) in cdshealpix::nested::vertices(order, cell) {
                spots.push((lon.to_degrees().rem_euclid(360.0), lat.to_degrees()));
            }
        }
    }
    spots
}

fn points(seed: u64, n: usize, first_id: i64) -> Vec<Point> {
    let mut rng = Rng(seed);
    let spots = hot_spots();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = first_id + i as i64;
        let p = match i % 10 {
            // NULL positions on both sides.
            0 if i % 20 == 0 => (id, None, Some(rng.next() * 180.0 - 90.0)),
            0 => (id, Some(rng.next() * 360.0), None),
            // Duplicates: the same position as the previous point.
            1 if !out.is_empty() => {
                let (_, ra, dec): Point = out[out.len() - 1];
                (id, ra, dec)
            }
            2..=6 => {
                let (ra, dec) = spots[(rng.next() * spots.len() as f64) as usize % spots.len()];
                let spread = [0.5 / 3600.0, 2.0 / 3600.0, 20.0 / 3600.0, 0.01][(i / 10) % 4];
                let (ra, dec) = rng.near(ra, dec, spread);
                (id, Some(ra), Some(dec))
            }
            // Uniform on the sphere.
            _ => {
                let ra = rng.next() * 360.0;
                let dec = (rng.next() * 2.0 - 1.0).asin().to_degrees();
                (id, Some(ra), Some(dec))
            }
        };
        out.push(p);
    }
    out
}

fn batch(points: &[Point], radius: Option<&[f64]>) -> RecordBatch {
    let mut fields = vec![
        Field::new("id", DataType::Int64, false),
        Field::new("ra", DataType::Float64, true),
        Field::new("dec", DataType::Float64, true),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(points.iter().map(|p| p.0))),
        Arc::new(Float64Array::from_iter(points.iter().map(|p| p.1))),
        Arc::new(Float64Array::from_iter(points.iter().map(|p| p.2))),
    ];
    if let Some(r) = radius {
        fields.push(Field::new("r", DataType::Float64, false));
        cols.push(Arc::new(Float64Array::from_iter_values(r.iter().copied())));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("test batch")
}

fn context(tables: &[(&str, RecordBatch)]) -> SessionContext {
    let ctx = adql::session_with_udfs();
    let catalog = ctx.catalog("datafusion").expect("default catalog");
    catalog.register_schema("x", Arc::new(MemorySchemaProvider::new())).expect("schema");
    for (name, b) in tables {
        // Several partitions on both sides, as scans of many files give.
        let parts: Vec<Vec<RecordBatch>> = (0..3)
            .map(|k| {
                let rows = b.num_rows();
                let (start, end) = (rows * k / 3, rows * (k + 1) / 3);
                vec![b.slice(start, end - start)]
            })
            .collect();
        let t = MemTable::try_new(b.schema(), parts).expect("memtable");
        ctx.register_table(format!("x.{name}"), Arc::new(t)).expect("register");
    }
    ctx
}

/// Runs ADQL returning (id, id-or-NULL) rows, after checking that it plans as a crossmatch.
async fn pairs(ctx: &SessionContext, adql_text: &str) -> BTreeMap<(i64, Option<i64>), usize> {
    pairs_planned_as(ctx, adql_text, "CrossmatchExec").await
}

/// [`pairs`], checking that the plan shows `shape`.
async fn pairs_planned_as(ctx: &SessionContext, adql_text: &str, shape: &str) -> BTreeMap<(i64, Option<i64>), usize> {
    run_planned(ctx, adql_text, shape).await.0
}

/// [`pairs_planned_as`], with the plan it ran (for its metrics).
async fn run_planned(ctx: &SessionContext, adql_text: &str, shape: &str) -> (BTreeMap<(i64, Option<i64>), usize>, Arc<dyn ExecutionPlan>) {
    let plan = adql::plan(adql_text, ctx).await.unwrap_or_else(|e| panic!("{adql_text}: {e}"));
    let df = ctx.execute_logical_plan(plan).await.expect("dataframe");
    let physical = df.create_physical_plan().await.expect("physical plan");
    let shown = displayable(physical.as_ref()).indent(true).to_string();
    assert!(shown.contains("CrossmatchExec") && shown.contains(shape), "{adql_text} does not run as {shape}:\n{shown}");
    let batches = collect(Arc::clone(&physical), ctx.task_ctx()).await.expect("run");
    let mut out = BTreeMap::new();
    for b in batches {
        let a = b.column(0).as_primitive::<Int64Type>();
        let c = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            *out.entry((a.value(i), c.is_valid(i).then(|| c.value(i)))).or_insert(0) += 1;
        }
    }
    (out, physical)
}

/// The crossmatch's metric `name` (summed over partitions) in a plan that has run.
fn crossmatch_metric(plan: &Arc<dyn ExecutionPlan>, name: &str) -> usize {
    let mut stack = vec![Arc::clone(plan)];
    while let Some(p) = stack.pop() {
        if p.name() == "CrossmatchExec" {
            return p.metrics().and_then(|m| m.sum_by_name(name)).map_or(0, |v| v.as_usize());
        }
        stack.extend(p.children().into_iter().cloned());
    }
    panic!("no CrossmatchExec in the plan")
}

/// Every pair within the radius (`radius(b)` for b's row), tested one by one.
fn brute_force(a: &[Point], b: &[Point], radius: impl Fn(usize) -> f64, left_outer: bool) -> BTreeMap<(i64, Option<i64>), usize> {
    let mut out = BTreeMap::new();
    for pa in a {
        let mut matched = false;
        for (j, pb) in b.iter().enumerate() {
            let (Some(ra1), Some(de1), Some(ra2), Some(de2)) = (pa.1, pa.2, pb.1, pb.2) else { continue };
            if distance_deg(ra1, de1, ra2, de2) <= radius(j) {
                *out.entry((pa.0, Some(pb.0))).or_insert(0) += 1;
                matched = true;
            }
        }
        if left_outer && !matched {
            *out.entry((pa.0, None)).or_insert(0) += 1;
        }
    }
    out
}

fn assert_same(what: &str, got: &BTreeMap<(i64, Option<i64>), usize>, want: &BTreeMap<(i64, Option<i64>), usize>) {
    let missing: Vec<_> = want.iter().filter(|(k, v)| got.get(k) != Some(v)).take(5).collect();
    let extra: Vec<_> = got.iter().filter(|(k, v)| want.get(k) != Some(v)).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: {} rows vs {} expected; missing {missing:?}, extra {extra:?}", got.len(), want.len());
}

#[tokio::test]
async fn adversarial_pairs_equal_brute_force() {
    let a = points(1, 1_500, 0);
    let b = points(2, 1_200, 100_000);
    let ctx = context(&[("a", batch(&a, None)), ("b", batch(&b, None))]);
    for radius in [0.5 / 3600.0, 1.0 / 3600.0, 5.0 / 3600.0, 30.0 / 3600.0, 0.3, 3.0] {
        let want = brute_force(&a, &b, |_| radius, false);
        assert!(want.len() > 50, "radius {radius}: the test data must have pairs ({})", want.len());
        for q in [
            format!("SELECT a.id, b.id FROM x.a AS a JOIN x.b AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, {radius}))"),
            format!("SELECT a.id, b.id FROM x.a AS a, x.b AS b WHERE DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= {radius}"),
            format!("SELECT a.id, b.id FROM x.b AS b JOIN x.a AS a ON CONTAINS(POINT('ICRS', b.ra, b.dec), CIRCLE('ICRS', a.ra, a.dec, {radius})) = 1"),
        ] {
            assert_same(&q, &pairs(&ctx, &q).await, &want);
        }
        let want = brute_force(&a, &b, |_| radius, true);
        let q = format!("SELECT a.id, b.id FROM x.a AS a LEFT OUTER JOIN x.b AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= {radius}");
        assert_same(&q, &pairs(&ctx, &q).await, &want);
    }
}

/// The radius as a column, from 0.1 arcsec to 10 degrees: per-row cones larger than the
/// bucketing cells use their coverage.
#[tokio::test]
async fn column_radii_equal_brute_force() {
    let a = points(3, 1_200, 0);
    let b = points(4, 600, 100_000);
    let mut rng = Rng(5);
    let radii: Vec<f64> = (0..b.len()).map(|_| 10f64.powf(rng.next() * 5.6 - 4.6)).collect();
    let ctx = context(&[("a", batch(&a, None)), ("b", batch(&b, Some(&radii)))]);
    let want = brute_force(&a, &b, |j| radii[j], false);
    assert!(want.len() > 100, "the test data must have pairs ({})", want.len());
    let q = "SELECT a.id, b.id FROM x.a AS a JOIN x.b AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, b.r))";
    assert_same(q, &pairs(&ctx, q).await, &want);
    let want = brute_force(&a, &b, |j| radii[j], true);
    let q = "SELECT a.id, b.id FROM x.a AS a LEFT JOIN x.b AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < b.r";
    assert_same(q, &pairs(&ctx, q).await, &want);
}

/// Self-join with the usual `a.id < b.id`: each close pair once.
#[tokio::test]
async fn self_join_equals_brute_force() {
    let a = points(6, 1_500, 0);
    let ctx = context(&[("a", batch(&a, None))]);
    let radius = 20.0 / 3600.0;
    let mut want = brute_force(&a, &a, |_| radius, false);
    want.retain(|(x, y), _| y.is_some_and(|y| *x < y));
    assert!(want.len() > 50);
    let q = format!("SELECT a.id, b.id FROM x.a AS a JOIN x.a AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < {radius} AND a.id < b.id");
    assert_same(&q, &pairs(&ctx, &q).await, &want);
}

/// Two HATS catalogues joined a sky patch at a time (partition-aligned, with margins): the same
/// pairs as brute force, whatever the patch size, for the adversarial set.
mod aligned {
    use super::*;
    use adql::crossmatch::AlignOptions;
    use hats::source::BatchSource;
    use hats::writer::{write_catalog, WriteOptions};

    /// In-memory batches as a writer input.
    pub struct Batches(pub Vec<RecordBatch>);

    impl BatchSource for Batches {
        fn schema(&self) -> datafusion::arrow::datatypes::SchemaRef {
            self.0[0].schema()
        }
        fn open(&self) -> hats::error::Result<Box<dyn Iterator<Item = hats::error::Result<RecordBatch>> + Send>> {
            Ok(Box::new(self.0.clone().into_iter().map(Ok)))
        }
        fn describe(&self) -> String {
            "test batches".into()
        }
    }

    /// `batches` as a HATS catalogue of partitions of at most `max_rows` rows, registered as `x.name`.
    pub fn register(ctx: &SessionContext, dir: &std::path::Path, name: &str, batches: Vec<RecordBatch>, max_rows: u64) -> usize {
        let out = dir.join(name);
        let opts = WriteOptions { name: name.into(), max_rows, mapping_order: 8, row_group_rows: 500, ..WriteOptions::default() };
        let summary = write_catalog(&Batches(batches), &out, &opts).expect("catalogue written");
        let catalog = hats::HatsCatalog::open(&out).expect("catalogue opens");
        if ctx.catalog("datafusion").expect("default catalog").schema("x").is_none() {
            let catalog = ctx.catalog("datafusion").expect("default catalog");
            catalog.register_schema("x", Arc::new(MemorySchemaProvider::new())).expect("schema");
        }
        ctx.register_table(format!("x.{name}"), Arc::new(hats::HatsTable::new(Arc::new(catalog)))).expect("register");
        summary.partitions.len()
    }

    /// Every HATS x HATS crossmatch aligned, `unit_bytes` of build files per patch.
    pub fn context(unit_bytes: u64) -> SessionContext {
        adql::session_with_crossmatch(AlignOptions { above_bytes: 0, unit_bytes })
    }

    fn placed(points: Vec<Point>) -> Vec<Point> {
        points.into_iter().filter(|p| p.1.is_some() && p.2.is_some()).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn aligned_pairs_equal_brute_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = placed(points(11, 2_000, 0));
        let b = placed(points(12, 1_600, 100_000));
        // One build partition per patch, then patches of several partitions.
        for unit_bytes in [1, 20_000] {
            let ctx = context(unit_bytes);
            let parts = (register(&ctx, dir.path(), &format!("a{unit_bytes}"), vec![batch(&a, None)], 60), register(&ctx, dir.path(), &format!("b{unit_bytes}"), vec![batch(&b, None)], 50));
            assert!(parts.0 > 10 && parts.1 > 10, "many partitions on both sides: {parts:?}");
            let (ta, tb) = (format!("x.a{unit_bytes}"), format!("x.b{unit_bytes}"));
            for radius in [0.5 / 3600.0, 5.0 / 3600.0, 30.0 / 3600.0, 0.3, 3.0, 40.0] {
                let want = brute_force(&a, &b, |_| radius, false);
                assert!(want.len() > 50, "radius {radius}: the test data must have pairs ({})", want.len());
                for q in [
                    format!("SELECT a.id, b.id FROM {ta} AS a JOIN {tb} AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, {radius}))"),
                    format!("SELECT a.id, b.id FROM {ta} AS a, {tb} AS b WHERE DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= {radius}"),
                ] {
                    assert_same(&q, &pairs_planned_as(&ctx, &q, "aligned=").await, &want);
                }
                let want = brute_force(&a, &b, |_| radius, true);
                let q = format!("SELECT a.id, b.id FROM {ta} AS a LEFT OUTER JOIN {tb} AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= {radius}");
                assert_same(&q, &pairs_planned_as(&ctx, &q, "aligned=").await, &want);
            }
            let radius = 20.0 / 3600.0;
            let mut want = brute_force(&a, &a, |_| radius, false);
            want.retain(|(x, y), _| y.is_some_and(|y| *x < y));
            assert!(want.len() > 50);
            let q = format!("SELECT a.id, b.id FROM {ta} AS a JOIN {ta} AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < {radius} AND a.id < b.id");
            assert_same(&q, &pairs_planned_as(&ctx, &q, "aligned=").await, &want);
        }
    }

    /// A short list against a HATS catalogue (the upload case): only the catalogue's partitions
    /// within the radius of a listed position are read, and the pairs are all there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_list_reads_only_the_partitions_it_reaches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = placed(points(15, 3_000, 100_000));
        // A few catalogue positions moved by about an arcsecond, one of them near a pole
        // (hot spots), a duplicate, and a row without a position.
        let mut rng = Rng(16);
        let mut list: Vec<Point> = big
            .iter()
            .step_by(601)
            .enumerate()
            .map(|(i, p)| {
                let (ra, dec) = rng.near(p.1.unwrap_or(0.0), p.2.unwrap_or(0.0), 1.0 / 3600.0);
                (i as i64, Some(ra), Some(dec))
            })
            .collect();
        list.push((90, list[0].1, list[0].2));
        list.push((91, None, Some(10.0)));
        let ctx = adql::session_with_udfs();
        ctx.catalog("datafusion")
            .expect("default catalog")
            .register_schema("x", Arc::new(MemorySchemaProvider::new()))
            .expect("schema");
        let mem = MemTable::try_new(batch(&list, None).schema(), vec![vec![batch(&list, None)]]).expect("memtable");
        ctx.register_table("x.list", Arc::new(mem)).expect("register");
        let partitions = register(&ctx, dir.path(), "cat", vec![batch(&big, None)], 40);
        assert!(partitions > 40, "many catalogue partitions: {partitions}");
        for radius in [5.0 / 3600.0, 30.0 / 3600.0, 0.3, 3.0, 40.0] {
            let want = brute_force(&list, &big, |_| radius, false);
            assert!(want.len() >= list.len() - 2, "radius {radius}: every listed position has its partner");
            let q = format!("SELECT a.id, b.id FROM x.list AS a JOIN x.cat AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, {radius}))");
            let (got, plan) = run_planned(&ctx, &q, "probe=partitions within reach").await;
            assert_same(&q, &got, &want);
            let (read, skipped) = (crossmatch_metric(&plan, "probe_partitions_read"), crossmatch_metric(&plan, "probe_partitions_skipped"));
            assert_eq!(read + skipped, partitions, "radius {radius}: every partition read or skipped once");
            if radius < 0.01 {
                // A margin is cell-grained: a listed position makes its own partition and the
                // neighbouring ones at that order read, at most 9 per position.
                assert!(read <= 9 * list.len() && skipped > 0, "radius {radius}: {read} of {partitions} partitions read for {} positions", list.len());
            }
            let want = brute_force(&list, &big, |_| radius, true);
            let q = format!("SELECT a.id, b.id FROM x.list AS a LEFT OUTER JOIN x.cat AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= {radius}");
            assert_same(&q, &pairs_planned_as(&ctx, &q, "probe=partitions within reach").await, &want);
        }
        // RIGHT OUTER keeps every catalogue row, so it must read them all.
        let q = "SELECT a.id, b.id FROM x.list AS a RIGHT OUTER JOIN x.cat AS b ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= 0.001";
        let plan = adql::plan(q, &ctx).await.expect("plans");
        let physical = ctx.state().create_physical_plan(&plan).await.expect("physical plan");
        let shown = displayable(physical.as_ref()).indent(true).to_string();
        assert!(shown.contains("CrossmatchExec") && !shown.contains("within reach"), "{q}:\n{shown}");
    }

    /// Alignment is for large inputs on the match positions only: a small build side, a
    /// position that is an expression, or a per-row radius keep the whole-build-side plan.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn alignment_applies_only_where_it_is_exact_and_useful() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = placed(points(13, 600, 0));
        let b = placed(points(14, 500, 100_000));
        let shown = |ctx: SessionContext, q: String| async move {
            let plan = adql::plan(&q, &ctx).await.expect("plans");
            let physical = ctx.state().create_physical_plan(&plan).await.expect("physical plan");
            let text = displayable(physical.as_ref()).indent(true).to_string();
            text
        };
        let small = adql::session_with_udfs();
        register(&small, dir.path(), "sa", vec![batch(&a, None)], 50);
        register(&small, dir.path(), "sb", vec![batch(&b, None)], 50);
        let q = "SELECT a.id, b.id FROM x.sa AS a JOIN x.sb AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.01))".to_string();
        let plan = shown(small, q).await;
        assert!(plan.contains("CrossmatchExec") && !plan.contains("aligned="), "below the size threshold:\n{plan}");
        let ctx = context(1);
        register(&ctx, dir.path(), "ea", vec![batch(&a, None)], 50);
        register(&ctx, dir.path(), "eb", vec![batch(&b, None)], 50);
        for q in [
            "SELECT a.id, b.id FROM x.ea AS a JOIN x.eb AS b ON 1=CONTAINS(POINT(a.ra + 0.001, a.dec), CIRCLE(b.ra, b.dec, 0.01))",
            "SELECT a.id, b.id FROM x.ea AS a JOIN x.eb AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, b.dec / 1000))",
            "SELECT a.id, b.id FROM x.ea AS a RIGHT JOIN x.eb AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.01))",
        ] {
            let plan = shown(ctx.clone(), q.to_string()).await;
            assert!(!plan.contains("aligned="), "{q}:\n{plan}");
        }
        let q = "SELECT a.id, b.id FROM x.ea AS a JOIN x.eb AS b ON 1=CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.01))";
        let plan = shown(ctx.clone(), q.to_string()).await;
        assert!(plan.contains("aligned="), "{q}:\n{plan}");
    }
}

mod real {
    use super::*;
    use astrotap_demo::realdata::{default_dir, locate, GaiaWheel, Hipparcos};
    use hats::source::BatchSource;

    fn load(src: &dyn BatchSource) -> Vec<RecordBatch> {
        src.open().expect("open").map(|b| b.expect("batch")).collect()
    }

    /// (ra, dec) of every row.
    fn positions(batches: &[RecordBatch]) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for b in batches {
            let (ra, dec) = (b.column(1).as_primitive::<Float64Type>(), b.column(2).as_primitive::<Float64Type>());
            out.extend((0..b.num_rows()).map(|i| (ra.value(i), dec.value(i))));
        }
        out
    }

    /// Pairs within `radius` by a declination sweep: `gaia` sorted by dec, each Hipparcos star
    /// tests every Gaia star in its declination band (no sky cells involved).
    fn sweep_count(gaia: &[(f64, f64)], hip: &[(f64, f64)], radius: f64) -> usize {
        let mut sorted: Vec<(f64, f64)> = gaia.to_vec();
        sorted.sort_by(|x, y| x.1.total_cmp(&y.1));
        let mut n = 0;
        for &(ra, dec) in hip {
            let start = sorted.partition_point(|p| p.1 < dec - radius);
            for p in &sorted[start..] {
                if p.1 > dec + radius {
                    break;
                }
                if distance_deg(ra, dec, p.0, p.1) <= radius {
                    n += 1;
                }
            }
        }
        n
    }

    #[tokio::test]
    async fn gaia_by_hipparcos_equals_the_sweep_and_dachs() {
        let (Some(gaia), Some(hip)) = locate(&default_dir()) else {
            assert!(std::env::var_os("CI").is_none(), "CI must fetch the real data (scripts/fetch-real-data.sh)");
            eprintln!("NOTICE: real data not in {}; run scripts/fetch-real-data.sh; skipping", default_dir().display());
            return;
        };
        let g = load(&GaiaWheel { path: gaia });
        let h = load(&Hipparcos { path: hip });
        let (gp, hp) = (positions(&g), positions(&h));
        assert_eq!((gp.len(), hp.len()), (482_176, 117_955));
        let ctx = adql::session_with_udfs();
        let catalog = ctx.catalog("datafusion").expect("default catalog");
        catalog.register_schema("x", Arc::new(MemorySchemaProvider::new())).expect("schema");
        // The same data as HATS catalogues (Hipparcos the build side, in patches of about 100 kB).
        let dir = tempfile::tempdir().expect("tempdir");
        let aligned_ctx = super::aligned::context(100_000);
        let gaia_parts = super::aligned::register(&aligned_ctx, dir.path(), "gaia", g.clone(), 20_000);
        let hip_parts = super::aligned::register(&aligned_ctx, dir.path(), "hip", h.clone(), 5_000);
        assert!(gaia_parts > 20 && hip_parts > 20, "{gaia_parts} and {hip_parts} partitions");
        ctx.register_table("x.gaia", Arc::new(MemTable::try_new(g[0].schema(), vec![g]).expect("gaia"))).expect("register");
        ctx.register_table("x.hip", Arc::new(MemTable::try_new(h[0].schema(), vec![h]).expect("hip"))).expect("register");
        for (arcsec, dachs) in [(1.0, Some(76_757)), (5.0, Some(107_418)), (30.0, None)] {
            let radius = arcsec / 3600.0;
            let want = sweep_count(&gp, &hp, radius);
            if let Some(d) = dachs {
                assert_eq!(want, d, "the sweep reference agrees with DaCHS at {arcsec} arcsec");
            }
            let q = format!("SELECT g.source_id, CAST(h.hip AS BIGINT) FROM x.gaia AS g JOIN x.hip AS h ON 1=CONTAINS(POINT(g.ra, g.dec), CIRCLE(h.ra, h.dec, {arcsec}/3600.0))");
            let got: usize = pairs(&ctx, &q).await.values().sum();
            assert_eq!(got, want, "{arcsec} arcsec");
            let got: usize = pairs_planned_as(&aligned_ctx, &q, "aligned=").await.values().sum();
            assert_eq!(got, want, "{arcsec} arcsec, as HATS catalogues joined a sky patch at a time");
        }
    }
}
