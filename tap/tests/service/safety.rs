//! Hostile input: limits on the query text, and the closed function namespace, on the real
//! server (the query threads' stack, the engine's session).

use super::*;

fn post_query(s: &TestServer, query: &str) -> http::Response {
    let body = format!("LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}", encode(query));
    send(s.addr, "POST", "/tap/sync", &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes())
}

fn chain(terms: usize) -> String {
    format!("SELECT TOP 1 {} AS x FROM TAP_SCHEMA.tables", vec!["1"; terms].join("+"))
}

#[test]
fn a_ten_thousand_term_chain_is_400_naming_the_limit() {
    let s = server();
    let r = post_query(s, &chain(10_000));
    assert_error(&r, 400, "max_query_depth");
    // The process survived it and still answers.
    let ok = post_query(s, "SELECT TOP 1 table_name FROM TAP_SCHEMA.tables");
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[test]
fn a_chain_at_the_depth_limit_runs_on_a_query_thread() {
    let s = server();
    let limit = adql::InputLimits::default().max_depth;
    let r = post_query(s, &chain(limit));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(csv_rows(&r), vec![vec!["x".to_string()], vec![limit.to_string()]]);
}

#[test]
fn limits_come_from_the_configuration() {
    let s = start(config(|c| {
        c.max_query_bytes = 100;
        c.max_query_depth = 5;
    }));
    assert_error(&post_query(&s, &chain(6)), 400, "more than 5 levels");
    let long = format!("SELECT TOP 1 table_name FROM TAP_SCHEMA.tables WHERE table_name <> '{}'", "x".repeat(100));
    assert_error(&post_query(&s, &long), 400, "at most 100 bytes (max_query_bytes)");
    assert_eq!(post_query(&s, &chain(5)).status, 200);
}

#[test]
fn functions_outside_adql_and_the_advertised_udfs_are_unknown() {
    let s = server();
    for (query, name) in [
        ("SELECT TOP 1 version() AS v FROM TAP_SCHEMA.tables", "version"),
        ("SELECT TOP 1 now() AS t FROM TAP_SCHEMA.tables", "now"),
        ("SELECT TOP 1 arrow_typeof(table_name) AS t FROM TAP_SCHEMA.tables", "arrow_typeof"),
        ("SELECT TOP 1 repeat('x', 100000000) AS t FROM TAP_SCHEMA.tables", "repeat"),
    ] {
        assert_error(&post_query(s, query), 400, &format!("unknown function &apos;{name}&apos;"));
    }
    assert_error(&post_query(s, "SELECT * FROM generate_series(1, 10)"), 400, "table functions");
    // What is advertised still runs.
    let r = post_query(s, "SELECT TOP 1 ivo_healpix_index(5, ra, dec) AS h FROM gaiadr3.gaia_source");
    assert_eq!(r.status, 200, "{}", r.text());
}
