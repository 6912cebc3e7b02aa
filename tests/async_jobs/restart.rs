//! UWS restart recovery (issue acceptance): SIGKILL the service while one job executes, one is
//! queued and one is completed; after a restart the completed job and its result are served
//! byte for byte and the interrupted ones are ERROR with an explanation, never COMPLETED.

use std::time::Duration;

use crate::lifecycle::LONG_QUERY;
use crate::support::{element, get, post, submit, wait_final, wait_for_phase, write_config, Server};

#[test]
fn sigkill_then_restart_keeps_completed_results_and_reports_interrupted_jobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "[jobs]\nmax_concurrent = 1\nmax_wait_secs = 30");
    let server = Server::start(dir.path(), &config);

    let done = submit(
        &server,
        &[
            ("LANG", "ADQL"),
            ("QUERY", "SELECT TOP 200 source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source ORDER BY source_id"),
            ("RESPONSEFORMAT", "votable/b2"),
            ("PHASE", "RUN"),
        ],
    );
    assert_eq!(wait_final(&done, Duration::from_secs(120)), "COMPLETED");
    let before_doc = get(&done).text();
    let before = get(&format!("{done}/results/result"));
    assert_eq!(before.status, 200);
    assert!(before.body.len() > 1000);

    let running = submit(&server, &[("LANG", "ADQL"), ("QUERY", LONG_QUERY), ("PHASE", "RUN")]);
    assert!(wait_for_phase(&running, "EXECUTING", Duration::from_secs(60)), "never EXECUTING");
    // One slot: this one waits behind the running job.
    let queued = submit(&server, &[("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 ra FROM gaiadr3.gaia_source"), ("PHASE", "RUN")]);
    assert_eq!(get(&format!("{queued}/phase")).text(), "QUEUED");
    let pending = submit(&server, &[("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 ra FROM gaiadr3.gaia_source")]);

    let old_base = server.base.clone();
    server.kill();

    let server = Server::start(dir.path(), &config);
    // The port is new; the job ids are not.
    let moved = |url: &str| url.replacen(&old_base, &server.base, 1);
    let (done, running, queued, pending) = (moved(&done), moved(&running), moved(&queued), moved(&pending));

    let after_doc = get(&done).text();
    assert_eq!(element(&after_doc, "phase").as_deref(), Some("COMPLETED"));
    for field in ["startTime", "endTime", "creationTime", "destruction"] {
        assert_eq!(element(&after_doc, field), element(&before_doc, field), "{field} changed over the restart");
    }
    let after = get(&format!("{done}/results/result"));
    assert_eq!(after.status, 200);
    assert_eq!(after.content_type, before.content_type);
    assert!(after.body == before.body, "the completed result changed over the restart");

    for (job, was) in [(&running, "EXECUTING"), (&queued, "QUEUED")] {
        let doc = get(job).text();
        assert_eq!(element(&doc, "phase").as_deref(), Some("ERROR"), "{doc}");
        assert!(doc.contains(&format!("restarted while this job was {was}")), "{doc}");
        assert!(!doc.contains("<uws:result "), "{doc}");
        let error = get(&format!("{job}/error")).text();
        assert!(error.contains("Please submit it again"), "{error}");
    }
    assert_eq!(get(&format!("{pending}/phase")).text(), "PENDING", "a PENDING job is untouched");
    assert_eq!(post(&format!("{pending}/phase"), &[("PHASE", "RUN")]).status, 303);
    assert_eq!(wait_final(&pending, Duration::from_secs(120)), "COMPLETED");
    assert!(server.terminate(), "SIGTERM should stop the service cleanly");
}
