//! pyvo's async API against the real service (tests/py/test_async.py).

use std::process::Command;

use crate::lifecycle::LONG_QUERY;
use crate::support::{demo_data, python, repo_root, write_config, Server};

#[test]
fn pyvo_run_async_submit_wait_fetch_abort_delete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "[jobs]\nmax_concurrent = 2\nmax_wait_secs = 30");
    let server = Server::start(dir.path(), &config);
    let out = Command::new(python())
        .arg(repo_root().join("tests/py/test_async.py"))
        .env("ASTROTAP_TAP_URL", &server.base)
        .env("ASTROTAP_DEMO_ROOT", demo_data().join("catalogs/gaiadr3"))
        .env("ASTROTAP_LONG_QUERY", LONG_QUERY)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pyvo suite failed:\n{stdout}\n{stderr}\nserver log:\n{}", server.log());
    for check in ["run_async", "submit_wait_fetch", "abort", "delete", "error"] {
        assert!(stdout.lines().any(|l| l == format!("ok {check}")), "{check} did not run:\n{stdout}");
    }
}
