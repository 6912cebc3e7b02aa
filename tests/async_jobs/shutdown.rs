//! SIGTERM with work in flight: the service stops accepting, ends a streaming /sync result with
//! a well-formed trailing error, leaves the executing job for the restart logic, and exits
//! within a bounded time even though both queries could compute for minutes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::lifecycle::LONG_QUERY as RUNAWAY;
use crate::support::{element, get, submit, wait_for_phase, write_config, Server};

/// Rows for minutes: every pair of stars.
const ENDLESS: &str = "SELECT a.source_id, b.source_id FROM gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b";

/// Generous bound on the exit (responses in flight get `tap::app::SHUTDOWN_GRACE`, 5 s; this
/// one is read and ends at once).
const EXIT_BOUND: Duration = Duration::from_secs(15);

#[test]
fn sigterm_ends_streams_cleanly_and_exits_promptly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "[jobs]\nmax_concurrent = 2\nmax_wait_secs = 30");
    let server = Server::start(dir.path(), &config);

    let job = submit(&server, &[("LANG", "ADQL"), ("QUERY", RUNAWAY), ("PHASE", "RUN")]);
    assert!(wait_for_phase(&job, "EXECUTING", Duration::from_secs(60)), "the job never started");

    // A client of a long /sync result that has read its beginning.
    let mut client = TcpStream::connect(server.authority()).expect("connect");
    client.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let q: String = ENDLESS.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let request = format!("GET /tap/sync?LANG=ADQL&QUERY={q} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.authority());
    client.write_all(request.as_bytes()).expect("send");
    let mut head = vec![0u8; 64 * 1024];
    let n = client.read(&mut head).expect("first bytes");
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head[..n]));
    // The client goes on reading, as a real one does, until the server ends the response.
    let reader = std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest);
        rest
    });

    let data_dir = dir.path().to_path_buf();
    let (ok, took) = server.terminate_timed().expect("the service did not exit within 30 s of SIGTERM");
    println!("SIGTERM to exit: {took:?}");
    assert!(ok, "exit status after SIGTERM");
    assert!(took < EXIT_BOUND, "the service took {took:?} to exit");

    // The stream ended as a complete document whose status says why it stopped.
    let rest = reader.join().expect("reader thread");
    let tail = String::from_utf8_lossy(&rest[rest.len().saturating_sub(4096)..]).into_owned();
    assert!(tail.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">"), "no trailing error status: ...{tail}");
    assert!(tail.contains("shutting down"), "{tail}");
    assert!(tail.contains("</VOTABLE>"), "document not closed: ...{tail}");

    // After a restart the interrupted job is ERROR, as after a crash, never COMPLETED.
    let again = Server::start(&data_dir, &config);
    let job_again = job.replacen(&job[..job.find("/tap/").unwrap_or(0)], &again.base.replace("/tap", ""), 1);
    let doc = get(&job_again).text();
    assert_eq!(element(&doc, "phase").as_deref(), Some("ERROR"), "{doc}");
    drop(again);
}
