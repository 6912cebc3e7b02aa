//! The real `astrotap` binary on a free port over a small demo data set, and a plain HTTP client
//! that shows redirects as sent.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const ROWS: u64 = 20_000;

/// The demo catalogs, built once per test binary with the binary's own `demo` command.
pub fn demo_data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = Command::new(env!("CARGO_BIN_EXE_astrotap"))
            .args(["--data-dir"])
            .arg(dir.path())
            .args(["demo", "--rows", &ROWS.to_string(), "--xp-rows", "400", "--epoch-rows", "400", "--quiet"])
            .stdout(Stdio::null())
            .status()
            .expect("run astrotap demo");
        assert!(status.success(), "astrotap demo failed");
        dir
    })
    .path()
}

/// A service configuration over the demo tables with its own job store in `data_dir`.
pub fn write_config(data_dir: &Path, extra: &str) -> PathBuf {
    let root = demo_data().join("catalogs/gaiadr3");
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nmaxrec_default = 100000\nquery_threads = 2\n{extra}\n"
    );
    for table in ["gaia_source", "xp_continuous_mean_spectrum", "epoch_photometry"] {
        text.push_str(&format!(
            "[[catalogs]]\nschema = \"gaiadr3\"\ntable = \"{table}\"\npath = \"{}\"\n",
            root.join(table).display()
        ));
    }
    let path = data_dir.join("astrotap.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// A running `astrotap serve` child process.
pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the binary and waits for the line announcing its address.
    pub fn start(data_dir: &Path, config: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_astrotap"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("ASTROTAP_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn astrotap serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        // Keep draining stderr for the life of the process, or its logging would block on a
        // full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("TAP service at ").nth(1) {
                    let _ = tx.send(url.trim().to_owned());
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not announce its address:\n{}", log.lock().map(|l| l.clone()).unwrap_or_default());
            }
        };
        Server { child, base, log }
    }

    /// SIGKILL: no shutdown code runs, as in a crash or an OOM kill.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to exit; returns whether it exited successfully.
    pub fn terminate(self) -> bool {
        self.terminate_timed().is_some_and(|(ok, _)| ok)
    }

    /// SIGTERM, then waits (at most 30 s) for the process to exit: whether it exited
    /// successfully and how long it took, or `None` if it had to be killed.
    pub fn terminate_timed(mut self) -> Option<(bool, Duration)> {
        let pid = self.child.id() as libc::pid_t;
        let t0 = Instant::now();
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        while t0.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some((status.success(), t0.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }

    /// `host:port` of the service.
    pub fn authority(&self) -> String {
        let rest = self.base.trim_start_matches("http://");
        rest.split('/').next().unwrap_or(rest).to_string()
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(120)).build()
}

fn into_response(result: Result<ureq::Response, ureq::Error>) -> Response {
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("HTTP transport error: {e}"),
    };
    let status = resp.status();
    let location = resp.header("location").map(str::to_owned);
    let content_type = resp.header("content-type").map(str::to_owned);
    let mut body = Vec::new();
    resp.into_reader().read_to_end(&mut body).expect("read body");
    Response { status, location, content_type, body }
}

pub fn get(url: &str) -> Response {
    into_response(agent().get(url).call())
}

pub fn post(url: &str, form: &[(&str, &str)]) -> Response {
    into_response(agent().post(url).send_form(form))
}

pub fn delete(url: &str) -> Response {
    into_response(agent().delete(url).call())
}

/// The text of the first `<uws:{name}>` element.
pub fn element(doc: &str, name: &str) -> Option<String> {
    let open = format!("<uws:{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</uws:{name}>"))?;
    Some(doc[start..start + end].to_owned())
}

/// Creates a job and returns its URL.
pub fn submit(server: &Server, params: &[(&str, &str)]) -> String {
    let r = post(&server.url("/async"), params);
    assert_eq!(r.status, 303, "job creation: {}", r.text());
    r.location.expect("Location of the new job")
}

/// Blocks (UWS WAIT) until the job leaves the active phases or `limit` passes; returns the phase.
pub fn wait_final(job_url: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let doc = get(&format!("{job_url}?WAIT=10")).text();
        let phase = element(&doc, "phase").unwrap_or_default();
        if !matches!(phase.as_str(), "PENDING" | "QUEUED" | "EXECUTING") || Instant::now() > deadline {
            return phase;
        }
    }
}

/// Polls (with short WAITs) until the job is in `phase`.
pub fn wait_for_phase(job_url: &str, phase: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let now = get(&format!("{job_url}/phase")).text();
        if now == phase {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Python in the project's venv (scripts/setup-python.sh).
pub fn python() -> PathBuf {
    let venv = std::env::var_os("ASTROTAP_VENV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/astrotap-venv")
    });
    let python = venv.join("bin/python");
    assert!(python.exists(), "no Python venv at {}: run scripts/setup-python.sh", venv.display());
    python
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
