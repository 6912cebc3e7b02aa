//! Conformance against the IVOA lyonetia ADQL test queries, plus the parser/checker fuzz target.
//!
//! The queries are read at test time from `/work/shared/conformance/lyonetia/**/*.xml`
//! (override with `ASTROTAP_CONFORMANCE_DIR`, the folder holding `lyonetia/`); they are never
//! copied into this repository. Our verdict is `adql::check_syntax` (grammar + ADQL-only checks,
//! no catalogue): lyonetia's tables (`stars`, `spatial`, ...) are not ours, so tables count by
//! syntax only, and so do functions we do not have (an `UnknownFunction` error means "the
//! syntax is fine"). Every remaining disagreement is listed in `adql/CONFORMANCE.md`.
//!
//! Fuzz: `cargo test -p astrotap-adql --test conformance fuzz_ -- --nocapture`
//! (more cases: `PROPTEST_CASES=20000 cargo test -p astrotap-adql --release --test conformance fuzz_`).

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

    const TOKENS: &[&str] = &[
        "SELECT", "FROM", "WHERE", "TOP", "DISTINCT", "ALL", "AS", "JOIN", "NATURAL", "LEFT", "OUTER", "ON",
        "USING", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "OFFSET", "UNION", "EXCEPT", "INTERSECT",
        "WITH", "AND", "OR", "NOT", "IN", "EXISTS", "BETWEEN", "LIKE", "ILIKE", "IS", "NULL", "CASE", "WHEN",
        "THEN", "ELSE", "END", "CAST", "COALESCE", "CONTAINS", "POINT", "CIRCLE", "BOX", "POLYGON", "DISTANCE",
        "COUNT", "LOG", "MOD", "ROUND", "TRUNCATE", "ra", "dec", "t", "gaiadr3.gaia_source", "\"Quoted\"",
        "'ICRS'", "''", "'it''s'", "1", "0", "-1", "3.5", "1e-5", ".5", "(", ")", ",", ".", "*", "+", "-", "/",
        "||", "=", "<", ">", "<=", ">=", "<>", "!=", "--c\n", ";", "::", "==", "[", "]", "%", "&", "|", "^",
        "~", "$1", "?", "\n", "\"", "'", "LIMIT", "CREATE", "TABLE", "DROP", "read_parquet", "INTERVAL",
    ];

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.join(" "))
    }

    fn seeds() -> Vec<String> {
        let mut s: Vec<String> = load_cases().unwrap_or_default().into_iter().map(|c| c.text).collect();
        s.push("SELECT TOP 5 ra, dec FROM gaiadr3.gaia_source WHERE 1=CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 1))".into());
        s
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Delete(usize, usize),
        Insert(usize, &'static str),
        Duplicate(usize, usize),
        Truncate(usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), 1..20usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
            (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::Insert(a, t)),
            (any::<usize>(), 1..30usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
            any::<usize>().prop_map(Mutation::Truncate),
        ]
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
            }
        }
        chars.into_iter().collect()
    }

    fn assert_sane(text: &str) {
        if let Err(e) = check_syntax(text) {
            assert!(e.line >= 1 && e.column >= 1, "bad position for {text:?}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    proptest! {
        #[test]
        fn fuzz_token_soup_never_panics(q in soup()) {
            assert_sane(&q);
        }

        #[test]
        fn fuzz_mutated_lyonetia_never_panics(idx in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
            let seeds = seeds();
            let seed = &seeds[idx % seeds.len()];
            assert_sane(&apply(seed, &muts));
        }

        #[test]
        fn fuzz_deep_nesting_never_panics(depth in 0usize..400, open in "[(]{0,3}") {
            let q = format!("SELECT {}1{} FROM t{}", "(".repeat(depth), ")".repeat(depth), open);
            assert_sane(&q);
        }
    }
}
