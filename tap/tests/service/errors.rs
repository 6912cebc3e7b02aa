//! Every bad input: the HTTP status and the DALI error document (DALI 1.1 §4.2: a VOTable whose
//! RESOURCE carries `QUERY_STATUS=ERROR` with the message; `assert_error` checks both).

use super::*;

const Q: &str = "SELECT TOP 1 source_id FROM gaiadr3.gaia_source";

fn post_form(target: &str, body: &str) -> http::Response {
    send(server().addr, "POST", target, &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes())
}

fn multipart(boundary: &str, parts: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (k, v) in parts {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body
}

fn post_multipart(boundary: &str, body: &str) -> http::Response {
    let content_type = format!("multipart/form-data; boundary={boundary}");
    send(server().addr, "POST", "/tap/sync", &[("Content-Type", &content_type)], body.as_bytes())
}

#[test]
fn bad_lang_is_400() {
    assert_error(&sync_get(&[("QUERY", Q)]), 400, "LANG is missing");
    assert_error(&sync_get(&[("LANG", "SQL"), ("QUERY", Q)]), 400, "LANG=SQL");
    assert_error(&sync_get(&[("LANG", "ADQL-3.0"), ("QUERY", Q)]), 400, "LANG=ADQL-3.0");
    assert_error(&sync_get(&[("LANG", ""), ("QUERY", Q)]), 400, "LANG=");
}

#[test]
fn missing_or_empty_query_is_400() {
    assert_error(&sync_get(&[("LANG", "ADQL")]), 400, "QUERY is missing");
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", "  \n ")]), 400, "QUERY is empty");
    assert_error(&post_form("/tap/sync", "LANG=ADQL"), 400, "QUERY is missing");
}

#[test]
fn bad_maxrec_is_400() {
    for bad in ["-1", "lots", "1.5", "", "1e3"] {
        let r = sync_get(&[("LANG", "ADQL"), ("QUERY", Q), ("MAXREC", bad)]);
        assert_error(&r, 400, &format!("MAXREC={bad} is not a non-negative integer"));
    }
}

#[test]
fn unknown_format_is_400_and_lists_the_known_ones() {
    for bad in ["fits", "application/fits", "votable/b1"] {
        for name in ["RESPONSEFORMAT", "FORMAT"] {
            let r = sync_get(&[("LANG", "ADQL"), ("QUERY", Q), (name, bad)]);
            assert_error(&r, 400, bad);
            for d in all_formats() {
                assert!(r.text().contains(tap::output::xml_escape(d.mime).as_ref()), "{bad}: {} not offered in {}", d.mime, r.text());
            }
        }
    }
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", Q), ("RESPONSEFORMAT", "csv"), ("FORMAT", "tsv")]);
    assert_error(&r, 400, "disagree");
}

#[test]
fn bad_request_value_is_400() {
    assert_error(&sync_get(&[("REQUEST", "getCapabilities"), ("LANG", "ADQL"), ("QUERY", Q)]), 400, "doQuery");
}

#[test]
fn repeated_parameters_are_400_wherever_they_come_from() {
    // DALI 1.1 §3.1: single-valued parameters must not repeat, names compare case-insensitively.
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", Q), ("QUERY", Q)]), 400, "QUERY was given more than once");
    assert_error(&sync_get(&[("LANG", "ADQL"), ("lang", "ADQL"), ("QUERY", Q)]), 400, "LANG was given more than once");
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", Q), ("MAXREC", "5"), ("maxrec", "5")]), 400, "MAXREC was given more than once");
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", Q), ("RUNID", "a"), ("RunId", "b")]), 400, "RUNID was given more than once");
    // Query string and form body together.
    let body = format!("QUERY={}&MAXREC=3", encode(Q));
    assert_error(&post_form("/tap/sync?LANG=ADQL&MAXREC=4", &body), 400, "MAXREC was given more than once");
    // Multipart parts.
    let b = "----astrotap-repeat";
    let body = multipart(b, &[("LANG", "ADQL"), ("QUERY", Q), ("RESPONSEFORMAT", "csv"), ("responseformat", "csv")]);
    assert_error(&post_multipart(b, &body), 400, "RESPONSEFORMAT was given more than once");
}

#[test]
fn bad_adql_is_400_with_line_and_column() {
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT source_id\nFROM gaiadr3.gaia_source\nWHERE nosuchcolumn > 1")]);
    assert_error(&r, 400, "nosuchcolumn");
    assert!(r.text().contains("3:7"), "line:col of the unknown column: {}", r.text());
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT FROM WHERE")]);
    assert_error(&r, 400, "1:");
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT * FROM gaiadr3.nosuchtable")]), 400, "nosuchtable");
    // A reserved word as a bare column name must be delimited (ADQL 2.1 §2.1.3).
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT size FROM TAP_SCHEMA.columns")]), 400, "delimited identifier, &quot;size&quot;");
    // The error document echoes the query (as INFO name=QUERY), escaped.
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT <& FROM x")]);
    assert_error(&r, 400, "1:");
    assert!(!r.text().contains("<&"), "markup from the query is escaped: {}", r.text());
}

#[test]
fn malformed_bodies_are_400() {
    let r = post_multipart("----never-closed", "------never-closed\r\nContent-Disposition: form-data; name=\"LANG\"\r\n\r\nADQL");
    assert_error(&r, 400, "malformed multipart/form-data body");
    let r = send(server().addr, "POST", "/tap/sync", &[("Content-Type", "multipart/form-data")], b"--x\r\n");
    assert_error(&r, 400, "malformed multipart/form-data body");
}

#[test]
fn oversize_bodies_are_413() {
    let big = format!("LANG=ADQL&QUERY={}", "x".repeat(200 * 1024));
    assert_error(&post_form("/tap/sync", &big), 413, "65536");
    let b = "----astrotap-big";
    let query = "x".repeat(200 * 1024);
    let body = multipart(b, &[("LANG", "ADQL"), ("QUERY", &query)]);
    assert_error(&post_multipart(b, &body), 413, "65536");
    // Just under the limit is fine (the query itself is then what fails).
    // (`+` is a space in form encoding: a long but harmless tail of whitespace.)
    let fits = format!("LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}{}", encode(Q), "+".repeat(60 * 1024));
    assert!(fits.len() < 64 * 1024);
    assert_eq!(post_form("/tap/sync", &fits).status, 200);
}

#[test]
fn planning_errors_in_joins_keep_their_position() {
    // DataFusion finds these while planning the join; the ADQL layer maps them back to the token.
    let ambiguous = "SELECT source_id\nFROM gaiadr3.gaia_source AS a\nJOIN gaiadr3.xp_continuous_mean_spectrum AS b ON a.source_id = b.source_id";
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", ambiguous)]), 400, ">1:8: column reference");
    let unknown = "SELECT a.ra\nFROM gaiadr3.gaia_source AS a\nJOIN gaiadr3.xp_continuous_mean_spectrum AS b\n  ON a.source_id = b.nosuch";
    assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", unknown)]), 400, ">4:20: unknown column &apos;b.nosuch&apos;");
}

/// Every column of both sides: a hash join must hold its whole build side (all 20 000 rows,
/// every column) before the first row, and cannot spill it.
const MEMORY_HOG: &str =
    "SELECT TOP 5 * FROM gaiadr3.gaia_source AS a JOIN gaiadr3.gaia_source AS b ON a.source_id = b.source_id";

#[test]
fn a_query_over_the_memory_limit_is_400_with_advice() {
    let small = start(config(|c| c.query_memory_limit_mb = 1));
    let target = format!("/tap/sync?LANG=ADQL&QUERY={}", encode(MEMORY_HOG));
    let r = get(small.addr, &target);
    assert_error(&r, 400, "the query needs more memory than the limit of 1 MiB");
    assert!(r.text().contains("TOP or MAXREC"), "{}", r.text());
    // The same service still answers what fits.
    let fits = format!("/tap/sync?LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}", encode(Q));
    assert_eq!(get(small.addr, &fits).status, 200);
}
