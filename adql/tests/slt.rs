//! Table-driven ADQL semantics: every `tests/slt/*.slt` file is a list of records run through
//! `adql::plan` against a small, deterministic catalog whose expected answers follow from
//! exact reasoning (positions on one meridian or on the equator, so angular distances are plain
//! coordinate differences).
//!
//! Record forms (blank line ends a record, `#` starts a comment line):
//!
//! ```text
//! query [rowsort]          rows, cells separated by " | "
//! <ADQL, one or more lines>
//! ----
//! <expected rows>
//!
//! columns                  output column names, comma separated
//! <ADQL>
//! ----
//! name1,name2
//!
//! xtypes                   each output column's `xtype` metadata (`-` when absent), the
//! <ADQL>                   DALI type the VOTable writer declares
//! ----
//! point,-
//!
//! explain                  every expected line must occur in adql::explain's text
//!                          (a line starting with `!` must not occur)
//! <ADQL>
//! ----
//! <substring>
//!
//! error <Kind> [<line>:<col>] [<message substring>]
//! <ADQL>
//! ```

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

/// (source_id, ra, dec, parallax, phot_g_mean_mag, bp_rp)
const STARS: &[(i64, f64, f64, Option<f64>, f64, Option<f64>)] = &[
    // On the meridian ra = 10: distance to (10, 20) is |dec - 20| exactly.
    (1, 10.0, 20.0, Some(5.0), 12.5, Some(0.8)),
    (2, 10.0, 20.5, Some(2.0), 15.0, Some(1.2)),
    (3, 10.0, 21.5, Some(1.0), 17.25, Some(2.0)),
    (4, 10.0, 19.2, None, 11.0, None),
    (5, 10.0, 22.0, Some(0.5), 19.5, Some(0.3)),
    // On the equator: distance to (0, 0) is the RA difference (across the 0/360 wrap).
    (6, 359.9, 0.0, Some(3.0), 14.0, Some(1.0)),
    (7, 0.05, 0.0, Some(4.0), 13.0, Some(0.9)),
    (8, 0.5, 0.0, Some(1.5), 16.0, Some(1.5)),
    // Elsewhere.
    (9, 200.0, -45.0, Some(10.0), 9.0, Some(0.1)),
    (10, 120.0, 89.9, Some(0.25), 18.0, Some(2.5)),
];

/// (source_id, teff_gspphot): astrophysical parameters for some stars (join tests).
const AP: &[(i64, f64)] = &[(1, 5800.0), (2, 4500.0), (6, 6100.0), (9, 3900.0), (42, 7000.0)];

fn healpix29(ra: f64, dec: f64) -> i64 {
    healpix::healpix29(ra, dec).expect("test stars are on the sky") as i64
}

fn with_unit(f: Field, unit: &str) -> Field {
    f.with_metadata([("unit".to_string(), unit.to_string())].into_iter().collect())
}

fn gaia_source() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("source_id", DataType::Int64, false),
        with_unit(Field::new("ra", DataType::Float64, false), "deg"),
        with_unit(Field::new("dec", DataType::Float64, false), "deg"),
        with_unit(Field::new("parallax", DataType::Float64, true), "mas"),
        Field::new("phot_g_mean_mag", DataType::Float64, false),
        Field::new("bp_rp", DataType::Float64, true),
        Field::new("designation", DataType::Utf8, false),
        Field::new("_healpix_29", DataType::Int64, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(STARS.iter().map(|s| s.0))),
        Arc::new(Float64Array::from_iter_values(STARS.iter().map(|s| s.1))),
        Arc::new(Float64Array::from_iter_values(STARS.iter().map(|s| s.2))),
        Arc::new(Float64Array::from_iter(STARS.iter().map(|s| s.3))),
        Arc::new(Float64Array::from_iter_values(STARS.iter().map(|s| s.4))),
        Arc::new(Float64Array::from_iter(STARS.iter().map(|s| s.5))),
        Arc::new(StringArray::from_iter_values(STARS.iter().map(|s| format!("Gaia DR3 {}", s.0)))),
        Arc::new(Int64Array::from_iter_values(STARS.iter().map(|s| healpix29(s.1, s.2)))),
    ];
    RecordBatch::try_new(schema, cols).expect("static test data matches its schema")
}

fn ap() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("source_id", DataType::Int64, false),
        Field::new("teff_gspphot", DataType::Float64, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(AP.iter().map(|s| s.0))),
        Arc::new(Float64Array::from_iter_values(AP.iter().map(|s| s.1))),
    ];
    RecordBatch::try_new(schema, cols).expect("static test data matches its schema")
}

/// A table with a mixed-case column name, as an upload might have.
fn mixed() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("RAJ2000", DataType::Float64, false),
    ]));
    let cols: Vec<ArrayRef> =
        vec![Arc::new(Int64Array::from_iter_values([1, 2])), Arc::new(Float64Array::from_iter_values([150.5, 151.5]))];
    RecordBatch::try_new(schema, cols).expect("static test data matches its schema")
}

fn test_context() -> SessionContext {
    let ctx = adql::session_with_udfs();
    let catalog = ctx.catalog("datafusion").expect("default catalog exists");
    catalog.register_schema("gaiadr3", Arc::new(MemorySchemaProvider::new())).expect("schema registers");
    for (name, batch) in [("gaiadr3.gaia_source", gaia_source()), ("gaiadr3.astrophysical_parameters", ap()), ("gaiadr3.mixed", mixed())] {
        let t = MemTable::try_new(batch.schema(), vec![vec![batch]]).expect("memtable");
        ctx.register_table(name, Arc::new(t)).expect("table registers");
    }
    ctx
}

#[derive(Debug)]
enum Expect {
    Rows { rows: Vec<String>, sort: bool },
    Columns(Vec<String>),
    Xtypes(Vec<String>),
    Explain(Vec<String>),
    Error { kind: String, pos: Option<(u64, u64)>, contains: String },
}

#[derive(Debug)]
struct Record {
    file: String,
    line: usize,
    query: String,
    expect: Expect,
}

fn parse_file(file: &str, text: &str) -> Vec<Record> {
    let mut out = vec![];
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_end();
        if l.trim().is_empty() || l.starts_with('#') {
            i += 1;
            continue;
        }
        let header_line = i + 1;
        let header = l.to_string();
        i += 1;
        let mut query = vec![];
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim_end() != "----" {
            query.push(lines[i]);
            i += 1;
        }
        let mut body = vec![];
        if i < lines.len() && lines[i].trim_end() == "----" {
            i += 1;
            while i < lines.len() && !lines[i].trim().is_empty() {
                body.push(lines[i].trim_end().to_string());
                i += 1;
            }
        }
        let mut words = header.split_whitespace();
        let expect = match words.next() {
            Some("query") => Expect::Rows { rows: body, sort: header.contains("rowsort") },
            Some("columns") => {
                Expect::Columns(body.first().map(|b| b.split(',').map(|s| s.to_string()).collect()).unwrap_or_default())
            }
            Some("xtypes") => {
                Expect::Xtypes(body.first().map(|b| b.split(',').map(|s| s.to_string()).collect()).unwrap_or_default())
            }
            Some("explain") => Expect::Explain(body),
            Some("error") => {
                let kind = words.next().unwrap_or("").to_string();
                let rest: Vec<&str> = words.collect();
                let (pos, msg_words) = match rest.first().and_then(|w| parse_pos(w)) {
                    Some(p) => (Some(p), &rest[1..]),
                    None => (None, &rest[..]),
                };
                Expect::Error { kind, pos, contains: msg_words.join(" ") }
            }
            other => panic!("{file}:{header_line}: unknown record type {other:?}"),
        };
        out.push(Record { file: file.to_string(), line: header_line, query: query.join("\n"), expect });
    }
    out
}

fn parse_pos(w: &str) -> Option<(u64, u64)> {
    let (a, b) = w.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn cell(array: &ArrayRef, row: usize) -> String {
    if array.is_null(row) {
        return "NULL".to_string();
    }
    if let Some(f) = array.as_any().downcast_ref::<Float64Array>() {
        let v = f.value(row);
        let s = format!("{v:.9}");
        let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        return if s == "-0" { "0".into() } else { s };
    }
    if let Some(f) = array.as_any().downcast_ref::<datafusion::arrow::array::Float32Array>() {
        let s = format!("{:.6}", f.value(row));
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    array_value_to_string(array, row).unwrap_or_else(|e| format!("<{e}>"))
}

async fn run(ctx: &SessionContext, r: &Record) -> Result<(), String> {
    match &r.expect {
        Expect::Error { kind, pos, contains } => match adql::plan(&r.query, ctx).await {
            Ok(_) => Err(format!("expected error {kind}, but the query planned")),
            Err(e) => {
                let got_kind = format!("{:?}", e.kind);
                if &got_kind != kind {
                    return Err(format!("expected {kind}, got {got_kind}: {e}"));
                }
                if let Some((l, c)) = pos {
                    if (e.line, e.column) != (*l, *c) {
                        return Err(format!("expected position {l}:{c}, got {e}"));
                    }
                }
                if !e.message.contains(contains.as_str()) {
                    return Err(format!("message lacks {contains:?}: {e}"));
                }
                Ok(())
            }
        },
        Expect::Explain(lines) => {
            let text = adql::explain(&r.query, ctx).await.map_err(|e| e.to_string())?;
            for l in lines {
                if let Some(absent) = l.strip_prefix('!') {
                    if text.contains(absent) {
                        return Err(format!("explain unexpectedly contains {absent:?}:\n{text}"));
                    }
                    continue;
                }
                if !text.contains(l.as_str()) {
                    return Err(format!("explain lacks {l:?}:\n{text}"));
                }
            }
            Ok(())
        }
        Expect::Columns(cols) => {
            let plan = adql::plan(&r.query, ctx).await.map_err(|e| e.to_string())?;
            let got: Vec<String> = plan.schema().fields().iter().map(|f| f.name().clone()).collect();
            if &got != cols {
                return Err(format!("columns {got:?} != expected {cols:?}"));
            }
            Ok(())
        }
        Expect::Xtypes(want) => {
            // Both the planned schema and the executed batches' schema (what writers see).
            let xtypes = |fields: &datafusion::arrow::datatypes::Fields| -> Vec<String> {
                fields.iter().map(|f| f.metadata().get("xtype").cloned().unwrap_or_else(|| "-".to_string())).collect()
            };
            let plan = adql::plan(&r.query, ctx).await.map_err(|e| e.to_string())?;
            let planned = xtypes(plan.schema().as_arrow().fields());
            let df = ctx.execute_logical_plan(plan).await.map_err(|e| e.to_string())?;
            let batches = df.collect().await.map_err(|e| e.to_string())?;
            let executed = batches.first().map(|b| xtypes(b.schema().fields()));
            if &planned != want {
                return Err(format!("planned xtypes {planned:?} != expected {want:?}"));
            }
            if executed.as_ref().is_some_and(|x| x != want) {
                return Err(format!("executed xtypes {executed:?} != expected {want:?}"));
            }
            Ok(())
        }
        Expect::Rows { rows, sort } => {
            let plan = adql::plan(&r.query, ctx).await.map_err(|e| e.to_string())?;
            let df = ctx.execute_logical_plan(plan).await.map_err(|e| e.to_string())?;
            let batches = df.collect().await.map_err(|e| e.to_string())?;
            let mut got = vec![];
            for b in &batches {
                for row in 0..b.num_rows() {
                    let cells: Vec<String> = b.columns().iter().map(|c| cell(c, row)).collect();
                    got.push(cells.join(" | "));
                }
            }
            let mut want = rows.clone();
            if *sort {
                got.sort();
                want.sort();
            }
            if got != want {
                return Err(format!("rows differ\n  got:\n    {}\n  expected:\n    {}", got.join("\n    "), want.join("\n    ")));
            }
            Ok(())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slt_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files in {}", dir.display());
    let filter = std::env::var("SLT_FILTER").ok();
    let ctx = test_context();
    let mut failures = vec![];
    let mut count = 0;
    for f in files {
        let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if filter.as_ref().is_some_and(|flt| !name.contains(flt.as_str())) {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("readable slt file");
        for r in parse_file(&name, &text) {
            count += 1;
            if let Err(msg) = run(&ctx, &r).await {
                failures.push(format!("{}:{}: {}\n  query: {}\n  {msg}", r.file, r.line, r.expect_kind(), r.query));
            }
        }
    }
    println!("slt: {} records, {} failures", count, failures.len());
    assert!(failures.is_empty(), "{} failing records:\n\n{}", failures.len(), failures.join("\n\n"));
}

impl Record {
    fn expect_kind(&self) -> &'static str {
        match self.expect {
            Expect::Rows { .. } => "query",
            Expect::Columns(_) => "columns",
            Expect::Xtypes(_) => "xtypes",
            Expect::Explain(_) => "explain",
            Expect::Error { .. } => "error",
        }
    }
}

/// The HEALPix pruning added by the spatial rule must never lose rows: on a real HATS catalog
/// (synthetic Gaia demo, many partition files) a cone query answered with pruning must count
/// exactly the rows the same predicate finds when it is hidden from the rule (`... + 0 = 1`,
/// which no pattern matches, so every file is read), while reading fewer files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healpix_pruning_on_hats_demo_loses_no_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = astrotap_demo::demo::DemoOptions { rows: 200_000, xp_rows: 10, epoch_rows: 10, seed: 7, progress: false };
    let tables = astrotap_demo::demo::build_demo(dir.path(), &opts).expect("demo builds");
    let gaia = tables.iter().find(|t| t.table == "gaia_source").expect("gaia_source built");
    let catalog = hats::HatsCatalog::open(&gaia.path).expect("catalog opens");
    let table = Arc::new(hats::HatsTable::new(Arc::new(catalog)));

    let ctx = adql::session_with_udfs();
    let cat = ctx.catalog("datafusion").expect("default catalog");
    cat.register_schema("gaiadr3", Arc::new(MemorySchemaProvider::new())).expect("schema");
    ctx.register_table("gaiadr3.gaia_source", table).expect("register");

    /// The count, and the files the scan read out of the catalog's (this query's metrics).
    async fn count(ctx: &SessionContext, q: &str) -> (i64, usize, usize) {
        let plan = adql::plan(q, ctx).await.unwrap_or_else(|e| panic!("{q}: {e}"));
        let physical = ctx.state().create_physical_plan(&plan).await.expect("physical plan");
        let batches = datafusion::physical_plan::collect(physical.clone(), ctx.task_ctx()).await.expect("collects");
        let col = batches[0].column(0).as_any().downcast_ref::<Int64Array>().expect("count is Int64").clone();
        let scanned = hats::scan_summary::summarize(&physical);
        (col.value(0), scanned.files, scanned.files_total)
    }

    // Planning cost of a pruned cone query (check + catalog + rewrite + SqlToRel).
    let q = "SELECT TOP 10 source_id, ra, dec FROM gaiadr3.gaia_source WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE(45, 30, 1))";
    let t0 = std::time::Instant::now();
    for _ in 0..50 {
        adql::plan(q, &ctx).await.expect("plans");
    }
    println!("adql::plan of a pruned cone query: {:.3} ms", t0.elapsed().as_secs_f64() * 1000.0 / 50.0);

    for (ra, dec, r) in [(45.0, 30.0, 8.0), (0.5, -10.0, 6.0), (280.0, -60.0, 10.0), (10.0, 88.0, 5.0)] {
        let pruned = format!("SELECT COUNT(*) FROM gaiadr3.gaia_source WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE({ra}, {dec}, {r}))");
        let text = adql::explain(&pruned, &ctx).await.expect("explain");
        assert!(text.contains("_healpix_29 range(s)"), "no pruning predicate:\n{text}");
        let (n_pruned, selected, total) = count(&ctx, &pruned).await;
        let hidden = format!("SELECT COUNT(*) FROM gaiadr3.gaia_source WHERE CONTAINS(POINT(ra, dec), CIRCLE({ra}, {dec}, {r})) + 0 = 1");
        let (n_all, total_after, _) = count(&ctx, &hidden).await;
        assert_eq!(total_after, total, "the hidden predicate must read every file");
        println!("cone ({ra}, {dec}, {r}): {n_pruned} rows, files read {selected}/{total} (unpruned: {total_after})");
        assert_eq!(n_pruned, n_all, "pruning changed the answer for cone ({ra}, {dec}, {r})");
        assert!(n_pruned > 0, "cone ({ra}, {dec}, {r}) should hold synthetic stars");
        assert!(selected < total, "cone ({ra}, {dec}, {r}) should skip files: {selected}/{total}");
    }
}

/// Rule-level checks of the spatial matcher and range coarsening (no execution).
mod rules {
    use adql::rewrite::spatial::{match_predicate, Region};
    use datafusion::sql::sqlparser::ast::{Expr, SetExpr};

    fn where_of(q: &str) -> Expr {
        let ast = adql::check_syntax(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        match *ast.query.body {
            SetExpr::Select(s) => s.selection.expect("query has WHERE"),
            _ => panic!("not a plain SELECT"),
        }
    }

    fn matched(cond: &str) -> Option<(bool, &'static str)> {
        let e = where_of(&format!("SELECT a FROM t WHERE {cond}"));
        match_predicate(&e).map(|p| {
            let kind = match p.region {
                Region::Cone { .. } => "cone",
                Region::Box { .. } => "box",
                Region::Polygon(_) => "polygon",
            };
            (p.negated, kind)
        })
    }

    #[test]
    fn spatial_forms_are_recognised() {
        assert_eq!(matched("1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 3))"), Some((false, "cone")));
        assert_eq!(matched("CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3)) = 1"), Some((false, "cone")));
        assert_eq!(matched("0 = CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3))"), Some((true, "cone")));
        assert_eq!(matched("NOT (1 = CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3)))"), Some((true, "cone")));
        assert_eq!(matched("1 = CONTAINS(POINT(ra, dec), BOX(1, 2, 3, 4))"), Some((false, "box")));
        assert_eq!(matched("1 = CONTAINS(POINT(ra, dec), POLYGON(1, 2, 3, 4, 5, 6))"), Some((false, "polygon")));
        assert_eq!(matched("1 = INTERSECTS(POINT(ra, dec), CIRCLE(1, 2, -(3)))"), Some((false, "cone")));
        assert_eq!(matched("DISTANCE(POINT(ra, dec), POINT(1, 2)) < 0.5"), Some((false, "cone")));
        assert_eq!(matched("DISTANCE(POINT(1, 2), POINT(t.ra, t.dec)) <= 0.5"), Some((false, "cone")));
        assert_eq!(matched("0.5 > DISTANCE(ra, dec, 1, 2)"), Some((false, "cone")));
        assert_eq!(matched("DISTANCE(1, 2, ra, dec) < 2 * 0.25"), Some((false, "cone")));
        // Crossmatch (region from columns), non-constant radius, wrong comparison: not matched.
        assert_eq!(matched("1 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.1))"), None);
        assert_eq!(matched("DISTANCE(POINT(ra, dec), POINT(1, 2)) < r"), None);
        assert_eq!(matched("DISTANCE(POINT(ra, dec), POINT(1, 2)) > 0.5"), None);
        assert_eq!(matched("2 = CONTAINS(POINT(ra, dec), CIRCLE(1, 2, 3))"), None);
        assert_eq!(matched("1 = CONTAINS(POINT(1, 2), CIRCLE(1, 2, 3))"), None);
    }

    #[test]
    fn errors_render_line_and_column() {
        let e = adql::check_syntax("SELECT a\nFROM t\nWHERE a LIMIT 3").expect_err("not ADQL");
        assert_eq!((e.line, e.column), (3, 7));
        assert!(e.to_string().starts_with("3:7: "), "{e}");
        let e = adql::check_syntax("SELECT a FROM t LIMIT 3").expect_err("LIMIT refused");
        assert_eq!((e.line, e.column, e.kind), (1, 17, adql::ErrorKind::NotAdql));
    }
}
