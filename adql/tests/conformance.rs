//! Conformance against the IVOA lyonetia ADQL test queries, plus the parser/checker fuzz target.
//!
//! The queries are read at test time from `/work/shared/conformance/lyonetia/**/*.xml`
//! (override with `ASTROTAP_CONFORMANCE_DIR`, the folder holding `lyonetia/`); they are never
//! copied into this repository. Our verdict is `adql::check_syntax` (grammar + ADQL-only checks,
//! no catalog): lyonetia's tables (`stars`, `spatial`, ...) are not ours, so tables count by
//! syntax only, and so do functions we do not have (an `UnknownFunction` error means "the
//! syntax is fine"). Every remaining disagreement is listed in `adql/CONFORMANCE.md`.
//!
//! Fuzz (parser and checker; mutants of our own slt queries also through rewrite, DataFusion
//! planning and execution): `cargo test -p astrotap-adql --test conformance fuzz_`. The long
//! run is time-boxed: `ADQL_FUZZ_SECONDS=600 cargo test -p astrotap-adql --release --test
//! conformance fuzz_for_a_time_budget -- --nocapture` (prints the number of cases).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use adql::{check_syntax, ErrorKind};

/// One `<adql>` element.
#[derive(Debug, Clone)]
struct Case {
    file: String,
    valid: bool,
    text: String,
}

fn conformance_dir() -> PathBuf {
    match std::env::var_os("ASTROTAP_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    }
}

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            xml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "xml") {
            out.push(p);
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Extracts `<adql valid="..." ...>text</adql>` elements (text may be a CDATA section).
fn parse_cases(file: &str, xml: &str) -> Vec<Case> {
    let mut out = vec![];
    let mut rest = xml;
    while let Some(start) = rest.find("<adql") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = rest[body_start..].find("</adql>") else { break };
        let raw = &rest[body_start..body_start + close];
        let valid = tag.contains("valid=\"true\"") || tag.contains("valid='true'");
        let text = match (raw.find("<![CDATA["), raw.rfind("]]>")) {
            (Some(a), Some(b)) if b > a => raw[a + 9..b].to_string(),
            _ => unescape(raw),
        };
        if tag.contains("valid=\"") || tag.contains("valid='") {
            out.push(Case { file: file.to_string(), valid, text });
        }
        rest = &rest[body_start + close..];
    }
    out
}

fn load_cases() -> Option<Vec<Case>> {
    let root = conformance_dir().join("lyonetia");
    if !root.is_dir() {
        return None;
    }
    let mut files = vec![];
    xml_files(&root, &mut files);
    let mut cases = vec![];
    for f in files {
        let Ok(xml) = std::fs::read_to_string(&f) else { continue };
        let name = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        cases.extend(parse_cases(&name, &xml));
    }
    Some(cases)
}

/// Our verdict: `Ok(true)` valid, `Ok(false)` invalid (with the error), `Err` = panic.
fn verdict(text: &str) -> Result<(bool, String), String> {
    match catch_unwind(AssertUnwindSafe(|| check_syntax(text))) {
        Ok(Ok(_)) => Ok((true, String::new())),
        Ok(Err(e)) if e.kind == ErrorKind::UnknownFunction => Ok((true, format!("(syntax only) {e}"))),
        Ok(Err(e)) => Ok((false, e.to_string())),
        Err(_) => Err("panic".to_string()),
    }
}

#[test]
fn lyonetia_agreement() {
    let Some(cases) = load_cases() else {
        eprintln!("NOTICE: {} not found: lyonetia conformance skipped", conformance_dir().display());
        return;
    };
    assert!(cases.len() > 400, "expected the ~495 lyonetia queries, found {}", cases.len());
    let mut agree = 0usize;
    let mut panics = vec![];
    let mut deviations = vec![];
    for c in &cases {
        match verdict(&c.text) {
            Ok((ours, why)) => {
                if ours == c.valid {
                    agree += 1;
                } else {
                    let q = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
                    deviations.push(format!("[{}] expected valid={} got valid={} {} :: {}", c.file, c.valid, ours, why, q));
                }
            }
            Err(p) => panics.push(format!("[{}] {p}: {}", c.file, c.text)),
        }
    }
    let total = cases.len();
    let pct = 100.0 * agree as f64 / total as f64;
    println!("lyonetia agreement: {agree}/{total} = {pct:.2}%");
    for d in &deviations {
        println!("DEVIATION {d}");
    }
    assert!(panics.is_empty(), "panics: {panics:#?}");
    assert!(pct >= 97.0, "agreement {pct:.2}% < 97%");
}

/// Errors always carry a real 1-based position, and the text before it is consistent with it.
#[test]
fn invalid_lyonetia_queries_have_positions() {
    let Some(cases) = load_cases() else { return };
    for c in cases.iter().filter(|c| !c.valid) {
        if let Ok(Err(e)) = catch_unwind(AssertUnwindSafe(|| check_syntax(&c.text))) {
            let lines = c.text.lines().count().max(1) as u64 + 1;
            assert!(e.line >= 1 && e.line <= lines, "line out of range for {:?}: {e}", c.text);
            assert!(e.column >= 1, "column < 1 for {:?}: {e}", c.text);
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestError, TestRunner};
    use std::cell::Cell;
    use std::sync::{Arc, OnceLock};
    use std::time::{Duration, Instant};

    use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::catalog::MemorySchemaProvider;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;

    const TOKENS: &[&str] = &[
        "SELECT", "FROM", "WHERE", "TOP", "DISTINCT", "ALL", "AS", "JOIN", "NATURAL", "LEFT", "OUTER", "ON",
        "USING", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "OFFSET", "UNION", "EXCEPT", "INTERSECT",
        "WITH", "AND", "OR", "NOT", "IN", "EXISTS", "BETWEEN", "LIKE", "ILIKE", "IS", "NULL", "CASE", "WHEN",
        "THEN", "ELSE", "END", "CAST", "COALESCE", "CONTAINS", "POINT", "CIRCLE", "BOX", "POLYGON", "DISTANCE",
        "REGION", "CENTROID", "AREA", "COORD1", "INTERSECTS", "IN_UNIT", "VARCHAR", "INTEGER", "DOUBLE",
        "PRECISION", "TIMESTAMP", "'12.3 45.6'", "'10 20 1'", "'1 0 2 0 2 1'", "'Circle ICRS 1 2 3'", "'deg'",
        "COUNT", "LOG", "MOD", "ROUND", "TRUNCATE", "ra", "dec", "t", "gaiadr3.gaia_source", "\"Quoted\"",
        "'ICRS'", "''", "'it''s'", "1", "0", "-1", "3.5", "1e-5", ".5", "(", ")", ",", ".", "*", "+", "-", "/",
        "||", "=", "<", ">", "<=", ">=", "<>", "!=", "--c\n", ";", "::", "==", "[", "]", "%", "&", "|", "^",
        "~", "$1", "?", "\n", "\"", "'", "LIMIT", "CREATE", "TABLE", "DROP", "read_parquet", "INTERVAL",
    ];

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.join(" "))
    }

    /// Lyonetia's queries (read once: every case picks one).
    fn seeds() -> &'static [String] {
        static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
        SEEDS.get_or_init(|| {
            let mut s: Vec<String> = load_cases().unwrap_or_default().into_iter().map(|c| c.text).collect();
            s.push("SELECT TOP 5 ra, dec FROM gaiadr3.gaia_source WHERE 1=CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 1))".into());
            s
        })
    }

    /// The queries of `tests/slt/*.slt`: they name our test catalog's tables and columns, so
    /// their mutants get past the catalog into rewrite, planning and execution.
    fn slt_queries() -> &'static [String] {
        static QUERIES: OnceLock<Vec<String>> = OnceLock::new();
        QUERIES.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            let mut out = vec![];
            for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "slt")) {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                let mut lines = text.lines();
                while let Some(l) = lines.next() {
                    let header = l.split_whitespace().next().unwrap_or("");
                    if !matches!(header, "query" | "columns" | "xtypes" | "explain" | "error") {
                        continue;
                    }
                    let q: Vec<&str> = lines.by_ref().take_while(|l| !l.trim().is_empty() && l.trim_end() != "----").collect();
                    if !q.is_empty() {
                        out.push(q.join("\n"));
                    }
                }
            }
            assert!(out.len() > 100, "expected the slt queries as seeds, found {}", out.len());
            out
        })
    }

    /// Replacements that keep a query well-formed more often than not, by the kind of word
    /// replaced: numbers at and beyond the limits of geometry arguments, columns of every type,
    /// and functions (ADQL's, ours, and the rewriter's internal targets, which users can call).
    const NUMBERS: &[&str] = &["0", "1", "3", "29", "30", "90", "90.0000001", "180", "360", "720", "1e308", "0.0000001", "1e-300"];
    const COLUMNS: &[&str] = &[
        "ra", "dec", "parallax", "bp_rp", "designation", "source_id", "phot_g_mean_mag", "teff_gspphot", "NULL", "-ra",
        "'10 20 1'", "'Circle ICRS 1 2 3'", "'Box 0 0 2 2'", "''", "'deg'", "'mas'", "POINT(ra, dec)", "CIRCLE(ra, dec, 1)",
    ];
    const FUNCTIONS: &[&str] = &[
        "POINT", "CIRCLE", "BOX", "POLYGON", "REGION", "CENTROID", "AREA", "COORD1", "COORD2", "COORDSYS", "DISTANCE",
        "CONTAINS", "INTERSECTS", "ABS", "LOG", "SQRT", "ROUND", "TRUNCATE", "MOD", "POWER", "RAND", "IN_UNIT",
        "COALESCE", "LOWER", "MAX", "COUNT", "ivo_healpix_index", "ivo_healpix_center", "ivo_epoch_prop_pos",
        "gaia_healpix_index", "ivo_hasword", "ivo_nocasematch", "adql_in_cone", "adql_in_polygon", "adql_in_box",
        "adql_cast_point", "adql_cast_circle", "adql_cast_polygon", "adql_log", "adql_round",
    ];

    #[derive(Debug, Clone)]
    enum Mutation {
        Delete(usize, usize),
        Insert(usize, &'static str),
        Duplicate(usize, usize),
        Truncate(usize),
        /// Replace the n-th word (run of letters, digits, `_`, `.`) by the k-th word of its kind.
        Replace(usize, usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), 1..20usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
            (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::Insert(a, t)),
            (any::<usize>(), 1..30usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
            any::<usize>().prop_map(Mutation::Truncate),
        ]
    }

    fn mutations() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
        (any::<usize>(), prop::collection::vec(mutation(), 1..6))
    }

    /// Mostly word replacements, so that many mutants still plan and run.
    fn gentle_mutations() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
        let m = prop_oneof![
            8 => (any::<usize>(), any::<usize>()).prop_map(|(n, k)| Mutation::Replace(n, k)),
            1 => mutation(),
        ];
        (any::<usize>(), prop::collection::vec(m, 1..4))
    }

    /// The replacement for the word `chars[a..b]`: same kind, or None (keywords stay).
    fn replacement(chars: &[char], a: usize, b: usize, k: usize) -> Option<&'static str> {
        let first = chars[a];
        let pick = |list: &[&'static str]| list[k % list.len()];
        if first.is_ascii_digit() || first == '.' {
            return Some(pick(NUMBERS));
        }
        if chars[b..].iter().find(|c| !c.is_whitespace()) == Some(&'(') {
            return Some(pick(FUNCTIONS));
        }
        let word: String = chars[a..b].iter().collect();
        let keyword = word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        (!keyword && !word.contains('.')).then(|| pick(COLUMNS))
    }

    fn apply(text: &str, muts: &[Mutation]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for m in muts {
            let len = chars.len().max(1);
            match *m {
                Mutation::Delete(a, n) => {
                    let a = a % len;
                    let b = (a + n).min(chars.len());
                    if a < b {
                        chars.drain(a..b);
                    }
                }
                Mutation::Insert(a, t) => {
                    let a = a % (chars.len() + 1);
                    let ins: Vec<char> = format!(" {t} ").chars().collect();
                    chars.splice(a..a, ins);
                }
                Mutation::Duplicate(a, n) => {
                    let a = a % len;
                    let b = (a + n).min(chars.len());
                    if a < b {
                        let piece: Vec<char> = chars[a..b].to_vec();
                        chars.splice(b..b, piece);
                    }
                }
                Mutation::Truncate(a) => chars.truncate(a % len),
                Mutation::Replace(n, k) => {
                    let is_word = |c: &char| c.is_ascii_alphanumeric() || *c == '_' || *c == '.';
                    let starts: Vec<usize> =
                        (0..chars.len()).filter(|&i| is_word(&chars[i]) && (i == 0 || !is_word(&chars[i - 1]))).collect();
                    if let Some(&a) = starts.get(n % starts.len().max(1)) {
                        let b = (a..chars.len()).find(|&i| !is_word(&chars[i])).unwrap_or(chars.len());
                        if let Some(w) = replacement(&chars, a, b, k) {
                            chars.splice(a..b, w.chars());
                        }
                    }
                }
            }
        }
        chars.into_iter().collect()
    }

    fn deep_nesting() -> impl Strategy<Value = String> {
        (0usize..400, "[(]{0,3}").prop_map(|(depth, open)| format!("SELECT {}1{} FROM t{}", "(".repeat(depth), ")".repeat(depth), open))
    }

    /// Hostile shapes (issue "Safety"): long flat operator chains, wide IN lists, deep CASE
    /// nesting, set-operation chains, unary chains, huge literals. Below the input limits they
    /// must plan and run; above them they must be refused with a position; never a crash.
    fn hostile() -> impl Strategy<Value = String> {
        let ops = prop::sample::select(vec!["+", "-", "*", "/", "||", " AND ", " OR ", " = ", " < "]);
        prop_oneof![
            (0usize..20_000, ops).prop_map(|(n, op)| {
                let term = if op.trim().chars().all(char::is_alphabetic) { "ra > 1" } else { "ra" };
                format!("SELECT {} AS x FROM gaiadr3.gaia_source", vec![term; n + 1].join(op))
            }),
            (0usize..50_000).prop_map(|n| format!(
                "SELECT source_id FROM gaiadr3.gaia_source WHERE source_id IN ({})",
                (0..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
            )),
            (0usize..2_000).prop_map(|n| format!(
                "SELECT {}0{} AS x FROM gaiadr3.gaia_source",
                "CASE WHEN ra > 1 THEN ".repeat(n),
                " ELSE 1 END".repeat(n)
            )),
            (0usize..5_000).prop_map(|n| vec!["SELECT source_id FROM gaiadr3.gaia_source"; n + 1].join(" UNION ")),
            (0usize..5_000, prop::sample::select(vec!["-", "NOT "])).prop_map(|(n, op)| {
                let operand = if op == "-" { "ra" } else { "ra > 1" };
                format!("SELECT source_id FROM gaiadr3.gaia_source WHERE {}{operand}{}", op.repeat(n), if op == "-" { " < 0" } else { "" })
            }),
            (0usize..200_000).prop_map(|n| format!("SELECT 1{} AS x FROM gaiadr3.gaia_source", "7".repeat(n))),
            (0usize..300_000).prop_map(|n| format!("SELECT '{}' AS x FROM gaiadr3.gaia_source", "x".repeat(n))),
            (0usize..70, 0usize..40).prop_map(|(depth, width)| format!(
                "SELECT {}ra{} AS x FROM gaiadr3.gaia_source",
                "(".repeat(depth),
                format!("{})", "+ra".repeat(width)).repeat(depth)
            )),
        ]
    }

    /// [`assert_plans_and_runs`] on a thread with the server's query stack (the depth limit is
    /// sized for it; test threads have 2 MiB).
    fn assert_plans_and_runs_on_query_stack(text: String) {
        let worker = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || assert_plans_and_runs(&text))
            .expect("fuzz thread");
        if let Err(p) = worker.join() {
            std::panic::resume_unwind(p);
        }
    }

    fn assert_sane(text: &str) {
        if let Err(e) = check_syntax(text) {
            assert!(e.line >= 1 && e.column >= 1, "bad position for {text:?}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    /// A 3-row catalog with the tables and columns the slt queries use, and a runtime.
    struct Engine {
        rt: tokio::runtime::Runtime,
        ctx: SessionContext,
    }

    fn engine() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(|| {
            let f64s = |v: &[Option<f64>]| -> ArrayRef { Arc::new(Float64Array::from(v.to_vec())) };
            let ids = |v: &[i64]| -> ArrayRef { Arc::new(Int64Array::from(v.to_vec())) };
            let f = |n: &str, t: DataType| Field::new(n, t, true);
            let gaia = RecordBatch::try_new(
                Arc::new(Schema::new(vec![
                    f("source_id", DataType::Int64),
                    f("ra", DataType::Float64),
                    f("dec", DataType::Float64),
                    f("parallax", DataType::Float64),
                    f("phot_g_mean_mag", DataType::Float64),
                    f("bp_rp", DataType::Float64),
                    f("designation", DataType::Utf8),
                    f("_healpix_29", DataType::Int64),
                ])),
                vec![
                    ids(&[1, 2, 3]),
                    f64s(&[Some(10.0), Some(359.9), None]),
                    f64s(&[Some(20.0), Some(-89.5), Some(0.0)]),
                    f64s(&[Some(1.0), None, Some(-0.5)]),
                    f64s(&[Some(12.0), Some(15.0), Some(20.0)]),
                    f64s(&[None, Some(0.5), Some(1.0)]),
                    Arc::new(StringArray::from(vec![Some("Gaia DR3 1"), None, Some("10 20")])),
                    ids(&[0, 1, 2]),
                ],
            )
            .expect("static batch");
            let ap = RecordBatch::try_new(
                Arc::new(Schema::new(vec![f("source_id", DataType::Int64), f("teff_gspphot", DataType::Float64)])),
                vec![ids(&[1, 3]), f64s(&[Some(5800.0), None])],
            )
            .expect("static batch");
            let mixed = RecordBatch::try_new(
                Arc::new(Schema::new(vec![f("id", DataType::Int64), f("RAJ2000", DataType::Float64)])),
                vec![ids(&[1]), f64s(&[Some(150.5)])],
            )
            .expect("static batch");
            let ctx = adql::session_with_udfs();
            let catalog = ctx.catalog("datafusion").expect("default catalog");
            catalog.register_schema("gaiadr3", Arc::new(MemorySchemaProvider::new())).expect("schema");
            for (name, b) in [("gaiadr3.gaia_source", gaia), ("gaiadr3.astrophysical_parameters", ap), ("gaiadr3.mixed", mixed)] {
                let t = MemTable::try_new(b.schema(), vec![vec![b]]).expect("memtable");
                ctx.register_table(name, Arc::new(t)).expect("register");
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            Engine { rt, ctx }
        })
    }

    /// Mutants that planned, and that also ran to completion (for the run's summary).
    static PLANNED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    static RAN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    /// The whole front-end and DataFusion on the text: errors are fine, panics are not (also
    /// the ones DataFusion catches in its tasks and returns as errors).
    fn assert_plans_and_runs(text: &str) {
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| plan_and_run(text))) {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("panic for {text:?}: {}", msg.unwrap_or_default());
        }
    }

    fn plan_and_run(text: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        let e = engine();
        e.rt.block_on(async {
            let no_panic = |what: &str, msg: String| assert!(!msg.contains("panicked"), "{what} panicked for {text:?}: {msg}");
            match adql::plan(text, &e.ctx).await {
                Err(err) => {
                    assert!(err.line >= 1 && err.column >= 1, "bad position for {text:?}: {err}");
                    no_panic("planning", err.to_string());
                }
                Ok(plan) => {
                    PLANNED.fetch_add(1, Relaxed);
                    match e.ctx.execute_logical_plan(plan).await {
                        Err(err) => no_panic("physical planning", err.to_string()),
                        Ok(df) => match df.collect().await {
                            Ok(_) => {
                                RAN.fetch_add(1, Relaxed);
                            }
                            Err(err) => no_panic("execution", err.to_string()),
                        },
                    }
                }
            }
        });
    }

    proptest! {
        // Failures are reported with their minimal input; nothing to persist beside the sources.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn fuzz_token_soup_never_panics(q in soup()) {
            assert_sane(&q);
        }

        #[test]
        fn fuzz_mutated_lyonetia_never_panics((idx, muts) in mutations()) {
            let seeds = seeds();
            assert_sane(&apply(&seeds[idx % seeds.len()], &muts));
        }

        #[test]
        fn fuzz_deep_nesting_never_panics(q in deep_nesting()) {
            assert_sane(&q);
        }

        #[test]
        fn fuzz_mutated_slt_queries_plan_and_run_without_panic((idx, muts) in gentle_mutations()) {
            let seeds = slt_queries();
            assert_plans_and_runs(&apply(&seeds[idx % seeds.len()], &muts));
        }
    }

    proptest! {
        // Each case is up to a few hundred KB of query through the whole engine: fewer cases in
        // the suite; the time-boxed run below does many more.
        #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn fuzz_hostile_shapes_are_refused_or_run(q in hostile()) {
            assert_plans_and_runs_on_query_stack(q);
        }
    }

    /// Runs `cases` cases of `strategy`, counting them; a failure (with proptest's minimal
    /// input) fails the test.
    fn run_batch<S: Strategy>(config: &Config, name: &str, strategy: S, cases: &Cell<u64>, test: impl Fn(S::Value))
    where
        S::Value: std::fmt::Debug,
    {
        // A runner counts successes over its lifetime: a fresh one (fresh random seed) per batch.
        let mut runner = TestRunner::new(config.clone());
        let result = runner.run(&strategy, |v| {
            test(v);
            cases.set(cases.get() + 1);
            Ok(())
        });
        if let Err(e) = result {
            match e {
                TestError::Fail(why, input) => panic!("{name}: {why}\nminimal failing input: {input:?}"),
                TestError::Abort(why) => panic!("{name}: aborted: {why}"),
            }
        }
    }

    /// The long fuzz run: all four targets in turn until `ADQL_FUZZ_SECONDS` (default 2) have
    /// passed, then prints how many cases ran. README "Development" gives the 10-minute command.
    #[test]
    fn fuzz_for_a_time_budget() {
        let secs: u64 = std::env::var("ADQL_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
        let start = Instant::now();
        let deadline = start + Duration::from_secs(secs);
        let per_batch = 100;
        let config = Config { cases: per_batch, failure_persistence: None, ..Config::default() };
        let counts: [Cell<u64>; 5] = Default::default();
        loop {
            run_batch(&config, "token soup", soup(), &counts[0], |q| assert_sane(&q));
            run_batch(&config, "mutated lyonetia", mutations(), &counts[1], |(i, m)| {
                assert_sane(&apply(&seeds()[i % seeds().len()], &m))
            });
            run_batch(&config, "deep nesting", deep_nesting(), &counts[2], |q| assert_sane(&q));
            run_batch(&config, "mutated slt (plan + run)", gentle_mutations(), &counts[3], |(i, m)| {
                assert_plans_and_runs(&apply(&slt_queries()[i % slt_queries().len()], &m))
            });
            // Fewer of these per batch: each is up to a few hundred KB of query.
            let hostile_config = Config { cases: 10, ..config.clone() };
            run_batch(&hostile_config, "hostile shapes", hostile(), &counts[4], assert_plans_and_runs_on_query_stack);
            if Instant::now() >= deadline {
                break;
            }
        }
        let c: Vec<u64> = counts.iter().map(Cell::get).collect();
        println!(
            "fuzz: {} cases in {:.1} s without a panic (token soup {}, mutated lyonetia {}, deep nesting {}, mutated slt {}, hostile shapes {}: {} planned, {} ran)",
            c.iter().sum::<u64>(),
            start.elapsed().as_secs_f64(),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            PLANNED.load(std::sync::atomic::Ordering::Relaxed),
            RAN.load(std::sync::atomic::Ordering::Relaxed),
        );
        assert!(c[..4].iter().all(|&n| n >= per_batch as u64) && c[4] >= 10, "every target ran: {c:?}");
    }
}
