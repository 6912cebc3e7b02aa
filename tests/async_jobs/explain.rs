//! `astrotap adql check --explain` prints the physical plan `/sync` and async jobs execute: the
//! command builds its engine from the same configuration as `serve`, and both plan through
//! `QueryEngine::prepare`.

use std::process::Command;

use crate::support::write_config;

/// A join, a spatial constraint (HEALPix pruning) and an ORDER BY under a row limit: each shaped
/// by a rule or limit a bare DataFusion session would not apply.
const QUERY: &str = "SELECT TOP 20 a.source_id, b.source_id AS xp\n\
     FROM gaiadr3.gaia_source AS a JOIN gaiadr3.xp_continuous_mean_spectrum AS b ON a.source_id = b.source_id\n\
     WHERE 1 = CONTAINS(POINT(a.ra, a.dec), CIRCLE(10, 10, 5))\n\
     ORDER BY a.phot_g_mean_mag";

/// The body of `== {title} ==` up to the next section.
fn section<'a>(text: &'a str, title: &str) -> &'a str {
    let head = format!("== {title} ==\n");
    let start = text.find(&head).map(|i| i + head.len()).unwrap_or_else(|| panic!("no {head:?} in {text}"));
    let rest = &text[start..];
    rest[..rest.find("\n== ").unwrap_or(rest.len())].trim_end()
}

#[test]
fn explain_shows_the_physical_plan_the_service_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "");
    let file = dir.path().join("query.adql");
    std::fs::write(&file, QUERY).expect("write query");
    let out = Command::new(env!("CARGO_BIN_EXE_astrotap"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["adql", "check", "--explain", "--maxrec", "7", "--config"])
        .arg(&config)
        .arg(&file)
        .output()
        .expect("run astrotap adql check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let shown = section(&text, "Physical plan");

    // The engine `serve` builds from this file (with --data-dir applied the same way).
    let mut cfg: tap::TapConfig = toml::from_str(&std::fs::read_to_string(&config).expect("read config")).expect("parse config");
    cfg.data_dir = dir.path().to_path_buf();
    let engine = tap::QueryEngine::build(&cfg).expect("build engine");
    let run = engine.runtime().handle().block_on(engine.prepare(QUERY, 7)).expect("prepare").physical_text();
    assert_eq!(shown, run.trim_end(), "adql check --explain and the service plan differently");
    // MAXREC 7 (plus the row that detects overflow) and the service's own physical rule.
    assert!(shown.contains("fetch=8"), "{shown}");
    assert!(shown.contains("CooperativeExec"), "{shown}");
    assert!(!section(&text, "HEALPix pruning").contains("none"), "{text}");
}
