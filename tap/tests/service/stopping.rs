//! A runaway query stops computing soon after each event that ends it: the sync deadline, a
//! client disconnect, job ABORT and the job's executionDuration. (Shutdown is tested on the real
//! binary: tests/async_jobs/shutdown.rs.)
//!
//! The query is a nested-loop join whose filter never matches, so the join has no output to
//! return early with: before probe batches were sliced, one poll of it ran for the whole build
//! side against a whole probe batch, and nothing could stop it for many seconds.

use super::*;

const RUNAWAY: &str = "SELECT COUNT(*) AS n FROM (SELECT TOP 100 source_id FROM gaiadr3.gaia_source) AS c \
     CROSS JOIN gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b WHERE a.ra + b.ra > c.source_id";

/// Generous bound on "stops within a second": the machine may be loaded by other tests.
const STOP_BOUND: Duration = Duration::from_secs(5);

/// CPU the engine's query threads used during `window`.
fn cpu_in(engine: &QueryEngine, window: Duration) -> Duration {
    let before = engine.runtime().thread_cpu_times();
    std::thread::sleep(window);
    let after = engine.runtime().thread_cpu_times();
    after.iter().map(|(tid, t)| t.saturating_sub(*before.get(tid).unwrap_or(t))).sum()
}

/// Waits (bounded) until the query threads are computing: at least half a core.
fn wait_until_busy(engine: &QueryEngine) {
    let t0 = Instant::now();
    while cpu_in(engine, Duration::from_millis(400)) < Duration::from_millis(200) {
        assert!(t0.elapsed() < Duration::from_secs(60), "the runaway query never got busy");
    }
}

/// Time until the query threads are idle (under 10% of a core over 300 ms), bounded.
fn time_until_idle(engine: &QueryEngine, event: &str) -> Duration {
    let t0 = Instant::now();
    loop {
        let used = cpu_in(engine, Duration::from_millis(300));
        if used <= Duration::from_millis(30) {
            let took = t0.elapsed();
            println!("{event}: query threads idle {took:?} after the event");
            return took;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "{event}: still computing after a minute");
    }
}

fn assert_stops(engine: &QueryEngine, event: &str) {
    let took = time_until_idle(engine, event);
    assert!(took < STOP_BOUND, "{event}: the query computed for {took:?} after it was stopped");
}

fn server_with_jobs(tweak: impl FnOnce(&mut TapConfig)) -> (tempfile::TempDir, TestServer) {
    let jobs = tempfile::tempdir().expect("job dir");
    let path = jobs.path().to_path_buf();
    let s = start(config(move |c| {
        c.jobs.dir = path;
        tweak(c);
    }));
    (jobs, s)
}

fn submit(s: &TestServer, extra: &str) -> String {
    let body = format!("LANG=ADQL&PHASE=RUN&QUERY={}{extra}", encode(RUNAWAY));
    let r = send(s.addr, "POST", "/tap/async", &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes());
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").expect("job location").to_string();
    // The Location is absolute; keep the path.
    match location.find("/tap/") {
        Some(i) => location[i..].to_string(),
        None => location,
    }
}

fn phase(s: &TestServer, job: &str) -> String {
    get(s.addr, &format!("{job}/phase")).text().trim().to_string()
}

#[test]
fn the_sync_deadline_stops_a_runaway_join() {
    let s = start(config(|c| c.sync_timeout_secs = 1));
    let r = get(s.addr, &format!("/tap/sync?LANG=ADQL&QUERY={}", encode(RUNAWAY)));
    assert!(r.status >= 400, "the deadline answers with an error: {}", r.text());
    assert_stops(&s.engine, "sync deadline");
}

#[test]
fn a_client_disconnect_stops_a_runaway_join() {
    let s = start(config(|_| {}));
    let mut socket = http::connect(s.addr);
    let request = format!(
        "GET /tap/sync?LANG=ADQL&QUERY={} HTTP/1.1\r\nHost: {}\r\n\r\n",
        encode(RUNAWAY),
        s.addr
    );
    socket.write_all(request.as_bytes()).expect("send request");
    wait_until_busy(&s.engine);
    drop(socket);
    assert_stops(&s.engine, "client disconnect");
}

#[test]
fn abort_stops_a_runaway_job() {
    let (_jobs, s) = server_with_jobs(|_| {});
    let job = submit(&s, "");
    wait_until_busy(&s.engine);
    let r = send(s.addr, "POST", &format!("{job}/phase"), &[("Content-Type", "application/x-www-form-urlencoded")], b"PHASE=ABORT");
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(phase(&s, &job), "ABORTED");
    assert_stops(&s.engine, "ABORT");
}

#[test]
fn the_execution_duration_stops_a_runaway_job() {
    let (_jobs, s) = server_with_jobs(|_| {});
    let job = submit(&s, "&EXECUTIONDURATION=2");
    wait_until_busy(&s.engine);
    let t0 = Instant::now();
    while !matches!(phase(&s, &job).as_str(), "ERROR" | "ABORTED") {
        assert!(t0.elapsed() < Duration::from_secs(60), "executionDuration never ended the job: {}", phase(&s, &job));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_stops(&s.engine, "executionDuration");
}

/// A crossmatch whose radius takes in the whole sky: every pair is a candidate, and the exact
/// test (with a condition no pair meets) runs 400 million times.
const RUNAWAY_CROSSMATCH: &str = "SELECT COUNT(*) AS n FROM gaiadr3.gaia_source AS a JOIN gaiadr3.gaia_source AS b \
     ON 1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(a.ra, a.dec, 179)) AND a.ra + b.ra < -1";

#[test]
fn a_client_disconnect_stops_a_runaway_crossmatch() {
    let s = start(config(|_| {}));
    let explain = tokio::runtime::Runtime::new().expect("rt").block_on(s.engine.explain(RUNAWAY_CROSSMATCH, 10));
    assert!(explain.expect("explain").contains("CrossmatchExec"), "the query runs as the crossmatch operator");
    let mut socket = http::connect(s.addr);
    let request = format!("GET /tap/sync?LANG=ADQL&QUERY={} HTTP/1.1\r\nHost: {}\r\n\r\n", encode(RUNAWAY_CROSSMATCH), s.addr);
    socket.write_all(request.as_bytes()).expect("send request");
    wait_until_busy(&s.engine);
    drop(socket);
    assert_stops(&s.engine, "client disconnect (crossmatch)");
}
