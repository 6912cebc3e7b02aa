//! Query lifetime: client disconnects, the first-row timeout and the transfer limit.

use super::*;

/// A query that produces rows for a long time: every pair of stars.
pub(crate) const ENDLESS: &str = "SELECT a.source_id, b.source_id FROM gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b";

#[test]
fn client_disconnect_cancels_the_query() {
    let s = start(config(|_| {}));
    // Tasks alive on the query runtime before the query (the async job executor may keep some):
    // after the disconnect the count must come back to this, proving that DataFusion's own tasks
    // (joins, repartitioning) were dropped too and not just our encoder task.
    let runtime = s.engine.runtime().handle().metrics();
    let baseline = runtime.num_alive_tasks();
    let mut sock = http::connect(s.addr);
    let target = format!("/tap/sync?LANG=ADQL&MAXREC=100000000&QUERY={}", encode(ENDLESS));
    write!(sock, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < 256 * 1024 {
        got += sock.read(&mut buf).expect("read");
    }
    assert_eq!(s.engine.active_queries(), 1, "the query is running");
    assert!(runtime.num_alive_tasks() > baseline, "the query has tasks on the query runtime");
    // 20,000² rows at well under 10 M rows/s in a debug build: the query cannot have finished by
    // itself within the 20 s allowed below, so reaching zero means it was cancelled.
    drop(sock);
    let t0 = Instant::now();
    while s.engine.active_queries() > 0 || runtime.num_alive_tasks() > baseline {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "query still running 20 s after the client left ({} queries, {} tasks vs {baseline} before)",
            s.engine.active_queries(),
            runtime.num_alive_tasks()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("query cancelled {:?} after disconnect", t0.elapsed());
}

#[test]
fn sync_timeout_is_400_pointing_to_async() {
    let s = start(config(|c| c.sync_timeout_secs = 1));
    // 100 x 20,000 x 20,000 rows through a CROSS JOIN (no filter: DataFusion's CrossJoinExec
    // emits one batch per poll, so the deadline is seen between batches), summed so that no
    // statistics shortcut answers it: minutes on any machine. A two-way join of the 20,000 rows
    // finished within the 1 s timeout on a fast CI runner.
    let q = "SELECT SUM(a.ra - b.ra) AS s FROM (SELECT TOP 100 source_id FROM gaiadr3.gaia_source) AS c \
             CROSS JOIN gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b";
    let t0 = Instant::now();
    let r = get(s.addr, &format!("/tap/sync?LANG=ADQL&QUERY={}", encode(q)));
    // 400, a final answer: 408 would invite HTTP clients to send the same slow query again.
    assert_error(&r, 400, &format!("http://{}/tap/async", s.addr));
    assert!(r.text().contains("did not start returning rows within 1 s"), "{}", r.text());
    assert!(t0.elapsed() < Duration::from_secs(10), "timeout took {:?}", t0.elapsed());
    let t1 = Instant::now();
    while s.engine.active_queries() > 0 {
        assert!(t1.elapsed() < Duration::from_secs(20), "timed-out query still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_transfer_past_its_limit_ends_with_the_transfer_limit_error() {
    // The first row comes at once (T1 stays at 60 s); the cross join streams far longer than T2.
    let s = start(config(|c| c.sync_transfer_limit_secs = 2));
    let mut sock = http::connect(s.addr);
    let target = format!("/tap/sync?LANG=ADQL&MAXREC=100000000&QUERY={}", encode(ENDLESS));
    write!(sock, "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", s.addr).expect("send");
    let mut raw = vec![0u8; 64 * 1024];
    let n = sock.read(&mut raw).expect("first bytes");
    assert!(String::from_utf8_lossy(&raw[..n]).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&raw[..n]));
    // A slow client: it reads nothing while the limit passes, so the encoder is left waiting on
    // a full channel and sees the deadline only when the client reads again.
    std::thread::sleep(Duration::from_secs(3));
    let mut rest = Vec::new();
    let t0 = Instant::now();
    // Reads to the end of the response; the bound only guards against a transfer that never ends
    // (the read timeout of `connect` is 120 s).
    let _ = sock.read_to_end(&mut rest);
    assert!(t0.elapsed() < Duration::from_secs(120), "the transfer was not cut");
    let text = String::from_utf8_lossy(&rest);
    let tail: String = text.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(tail.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">"), "{tail}");
    assert!(tail.contains("transfer limit of 2 s (sync_transfer_limit_secs)"), "{tail}");
    assert!(tail.contains(&format!("http://{}/tap/async", s.addr)), "{tail}");
    assert!(!tail.contains("did not start returning rows"), "{tail}");
    assert!(tail.ends_with("0\r\n\r\n"), "the chunked body ends cleanly: {tail}");
    assert!(tail.contains("</VOTABLE>"), "the document is closed: {tail}");
    let t1 = Instant::now();
    while s.engine.active_queries() > 0 {
        assert!(t1.elapsed() < Duration::from_secs(20), "the cut query is still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}
