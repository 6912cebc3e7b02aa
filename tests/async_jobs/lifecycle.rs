//! Jobs that run real queries: results equal `/sync`'s, errors carry the ADQL position, and
//! cancellation (ABORT, executionDuration) ends them without results.

use std::time::Duration;

use crate::support::{delete, element, get, post, submit, wait_final, wait_for_phase, write_config, Server};

/// Runs for minutes on the test data (a three-way cross join), in bounded memory and in small
/// batches, so it is always EXECUTING when the test acts on it.
pub const LONG_QUERY: &str = "SELECT COUNT(*) AS n FROM (SELECT TOP 100 source_id FROM gaiadr3.gaia_source) AS c \
     CROSS JOIN gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b WHERE a.ra + b.ra > c.source_id";

const QUERY: &str = "SELECT TOP 50 source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source \
     WHERE 1=CONTAINS(POINT(ra, dec), CIRCLE(180, 0, 30)) ORDER BY source_id";

fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "[jobs]\nmax_concurrent = 2\nmax_wait_secs = 30");
    let server = Server::start(dir.path(), &config);
    (dir, server)
}

#[test]
fn results_equal_sync_in_every_format() {
    let (_dir, server) = server();
    for (format, media_type) in [
        ("csv", "text/csv;header=present"),
        ("tsv", "text/tab-separated-values"),
        ("votable", "application/x-votable+xml"),
        ("votable/b2", "application/x-votable+xml;serialization=BINARY2"),
        ("parquet", "application/vnd.apache.parquet"),
    ] {
        let params = [("LANG", "ADQL"), ("QUERY", QUERY), ("RESPONSEFORMAT", format), ("PHASE", "RUN")];
        let job = submit(&server, &params);
        assert_eq!(wait_final(&job, Duration::from_secs(120)), "COMPLETED", "{format}");
        let doc = get(&job).text();
        assert!(doc.contains(&format!("mime-type=\"{media_type}\"")), "{format}: {doc}");
        let result = get(&format!("{job}/results/result"));
        assert_eq!(result.status, 200);
        assert_eq!(result.content_type.as_deref(), Some(media_type), "{format}");
        let sync = post(&server.url("/sync"), &params[..3]);
        assert_eq!(sync.status, 200, "{}", sync.text());
        if format == "csv" || format == "tsv" {
            // Text formats carry no per-request metadata: the documents must be identical.
            assert_eq!(result.text(), sync.text(), "{format}");
            assert_eq!(result.text().lines().count(), 51, "header and TOP 50 rows");
        } else if format == "votable" {
            assert_eq!(result.text().matches("<TR>").count(), 50);
            assert_eq!(result.text().matches("<TR>").count(), sync.text().matches("<TR>").count());
            assert!(result.text().contains("<INFO name=\"QUERY_STATUS\" value=\"OK\""), "{}", result.text());
        } else {
            assert!(!result.body.is_empty());
        }
    }
}

#[test]
fn bad_input_ends_in_error_with_the_position() {
    let (_dir, server) = server();
    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", "SELECT\n  nosuch FROM gaiadr3.gaia_source"), ("PHASE", "RUN")]);
    assert_eq!(wait_final(&job, Duration::from_secs(60)), "ERROR");
    let doc = get(&job).text();
    assert!(doc.contains("<uws:errorSummary type=\"fatal\" hasDetail=\"true\">"), "{doc}");
    assert!(doc.contains("nosuch"), "{doc}");
    assert!(!doc.contains("<uws:result "), "an errored job lists no result: {doc}");
    let error = get(&format!("{job}/error"));
    assert_eq!(error.status, 200);
    let text = error.text();
    assert!(text.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">2:3:"), "{text}");

    for (params, expect) in [
        (vec![("QUERY", "SELECT 1 FROM gaiadr3.gaia_source")], "LANG"),
        (vec![("LANG", "SQL"), ("QUERY", "SELECT 1")], "LANG=SQL"),
        (vec![("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 ra FROM gaiadr3.gaia_source"), ("RESPONSEFORMAT", "xls")], "xls"),
        (vec![("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 ra FROM gaiadr3.gaia_source"), ("MAXREC", "many")], "MAXREC"),
    ] {
        let mut params = params;
        params.push(("PHASE", "RUN"));
        let job = submit(&server, &params);
        assert_eq!(wait_final(&job, Duration::from_secs(60)), "ERROR", "{params:?}");
        let text = get(&format!("{job}/error")).text();
        assert!(text.contains(expect), "{params:?}: {text}");
    }
}

/// Every column of both sides: the hash join's build side (all rows, every column) must be held
/// before the first row, and cannot spill.
const MEMORY_HOG: &str =
    "SELECT TOP 5 * FROM gaiadr3.gaia_source AS a JOIN gaiadr3.gaia_source AS b ON a.source_id = b.source_id";

#[test]
fn a_job_short_of_memory_is_transient_a_bad_query_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "query_memory_limit_mb = 1");
    let server = Server::start(dir.path(), &config);
    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", MEMORY_HOG), ("PHASE", "RUN")]);
    assert_eq!(wait_final(&job, Duration::from_secs(120)), "ERROR");
    let doc = get(&job).text();
    assert!(doc.contains("<uws:errorSummary type=\"transient\" hasDetail=\"true\">"), "{doc}");
    assert!(doc.contains("more memory than the limit of 1 MiB"), "{doc}");
    let error = get(&format!("{job}/error")).text();
    assert!(error.contains("TOP or MAXREC"), "{error}");

    let bad = submit(&server, &[("LANG", "ADQL"), ("QUERY", "SELECT nosuch FROM gaiadr3.gaia_source"), ("PHASE", "RUN")]);
    assert_eq!(wait_final(&bad, Duration::from_secs(60)), "ERROR");
    let doc = get(&bad).text();
    assert!(doc.contains("<uws:errorSummary type=\"fatal\" hasDetail=\"true\">"), "{doc}");
}

#[test]
fn abort_stops_a_running_query_and_keeps_no_result() {
    let (dir, server) = server();
    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", LONG_QUERY), ("PHASE", "RUN")]);
    assert!(wait_for_phase(&job, "EXECUTING", Duration::from_secs(60)), "never EXECUTING");
    let r = post(&format!("{job}/phase"), &[("PHASE", "ABORT")]);
    assert_eq!(r.status, 303);
    assert_eq!(get(&format!("{job}/phase")).text(), "ABORTED");
    let doc = get(&job).text();
    assert!(element(&doc, "endTime").is_some_and(|t| !t.is_empty()), "{doc}");
    assert!(!doc.contains("<uws:result "), "{doc}");
    // The slot is free again: a small job runs to completion while the aborted one is gone.
    let next = submit(&server, &[("LANG", "ADQL"), ("QUERY", QUERY), ("PHASE", "RUN")]);
    assert_eq!(wait_final(&next, Duration::from_secs(120)), "COMPLETED");
    let id = job.rsplit('/').next().unwrap_or_default();
    let leftovers = std::fs::read_dir(dir.path().join("uws/results").join(id)).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "an aborted job leaves no (partial) result files");
}

#[test]
fn execution_duration_is_enforced_on_a_real_query() {
    let (_dir, server) = server();
    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", LONG_QUERY), ("EXECUTIONDURATION", "1")]);
    assert_eq!(get(&format!("{job}/executionduration")).text(), "1");
    assert_eq!(post(&format!("{job}/phase"), &[("PHASE", "RUN")]).status, 303);
    assert_eq!(wait_final(&job, Duration::from_secs(120)), "ERROR");
    let doc = get(&job).text();
    assert!(doc.contains("execution duration of 1 s was exceeded"), "{doc}");
    assert!(doc.contains("type=\"transient\""), "{doc}");
}

#[test]
fn parameters_are_frozen_once_the_job_runs_and_delete_removes_everything() {
    let (dir, server) = server();
    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 ra FROM gaiadr3.gaia_source")]);
    // PENDING: the query can still be replaced (UWS 1.1 §2.1.11).
    assert_eq!(post(&format!("{job}/parameters"), &[("QUERY", QUERY)]).status, 303);
    assert!(get(&format!("{job}/parameters")).text().contains("TOP 50"));
    assert_eq!(post(&format!("{job}/phase"), &[("PHASE", "RUN")]).status, 303);
    assert_eq!(wait_final(&job, Duration::from_secs(120)), "COMPLETED");
    let refused = post(&format!("{job}/parameters"), &[("QUERY", "SELECT 1")]);
    assert!(refused.status == 403 || refused.status == 400, "{} {}", refused.status, refused.text());
    assert!(get(&format!("{job}/parameters")).text().contains("TOP 50"), "parameters unchanged");
    let rows = get(&format!("{job}/results/result")).text().matches("<TR>").count();
    assert_eq!(rows, 50);

    let gone = delete(&job);
    assert_eq!(gone.status, 303);
    assert!(gone.location.as_deref().is_some_and(|l| l.ends_with("/async?LAST=100")), "{:?}", gone.location);
    assert_eq!(get(&job).status, 404);
    assert_eq!(get(&format!("{job}/results/result")).status, 404);
    let id = job.rsplit('/').next().unwrap_or_default();
    assert!(!dir.path().join("uws/results").join(id).exists(), "result files must go with the job");
}

#[test]
fn advertised_limits_are_the_enforced_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = "async_execution_secs = 600\nasync_execution_max_secs = 1200\nretention_secs = 3600\nretention_max_secs = 86400";
    let config = write_config(dir.path(), extra);
    let server = Server::start(dir.path(), &config);
    let caps = get(&server.url("/capabilities")).text();
    assert!(caps.contains("<executionDuration><default>600</default><hard>1200</hard></executionDuration>"), "{caps}");
    assert!(caps.contains("<retentionPeriod><default>3600</default><hard>86400</hard></retentionPeriod>"), "{caps}");

    let plain = submit(&server, &[("LANG", "ADQL"), ("QUERY", QUERY)]);
    assert_eq!(get(&format!("{plain}/executionduration")).text(), "600");
    let greedy = submit(&server, &[("LANG", "ADQL"), ("QUERY", QUERY), ("EXECUTIONDURATION", "5000")]);
    assert_eq!(get(&format!("{greedy}/executionduration")).text(), "1200", "clamped to the hard limit");
    assert_eq!(post(&format!("{greedy}/executionduration"), &[("EXECUTIONDURATION", "900")]).status, 303);
    assert_eq!(get(&format!("{greedy}/executionduration")).text(), "900");

    // Destruction: the default is creation + retention; a request beyond the hard limit is cut
    // back to now + 1 day.
    let far = "2100-01-01T00:00:00Z";
    assert_eq!(post(&format!("{plain}/destruction"), &[("DESTRUCTION", far)]).status, 303);
    let set = get(&format!("{plain}/destruction")).text();
    assert!(set.as_str() < "2100" && set.ends_with('Z'), "{set}");
    let bad = post(&format!("{plain}/destruction"), &[("DESTRUCTION", "next tuesday")]);
    assert_eq!(bad.status, 400, "{}", bad.text());
    let bad = post(&format!("{plain}/executionduration"), &[("EXECUTIONDURATION", "-5")]);
    assert_eq!(bad.status, 400, "{}", bad.text());
}
