//! The `astrotap` server as a child process on 127.0.0.1, for benchmarks that measure it from the
//! outside (latency, throughput, its RSS and CPU time from /proc).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context};

/// The release `astrotap` binary next to this benchmark's executable (same target dir).
pub fn sibling_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let bin = me.with_file_name("astrotap");
    if !bin.is_file() {
        bail!("{} not found: build it first with `cargo build --release --bin astrotap`", bin.display());
    }
    Ok(bin)
}

/// Builds the demo set under `data_dir` with the server binary (skipped when present).
pub fn ensure_demo(bin: &Path, data_dir: &Path, rows: u64) -> anyhow::Result<()> {
    let status = Command::new(bin)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["demo", "--rows", &rows.to_string(), "--xp-rows", "2000", "--epoch-rows", "2000", "--quiet"])
        .stdout(Stdio::null())
        .status()
        .context("running astrotap demo")?;
    if !status.success() {
        bail!("astrotap demo failed");
    }
    Ok(())
}

/// A running server; killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// The service URL, e.g. `http://127.0.0.1:41234/tap`.
    pub base: String,
}

impl ServerProcess {
    /// Starts `astrotap serve` on a free port and waits for it to announce its address.
    pub fn start(bin: &Path, data_dir: &Path, config: Option<&Path>) -> anyhow::Result<ServerProcess> {
        let mut cmd = Command::new(bin);
        cmd.arg("--data-dir").arg(data_dir).arg("serve").args(["--listen", "127.0.0.1:0"]);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let mut child = cmd.env("ASTROTAP_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::piped()).spawn()?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = mpsc::channel();
        // Drain stderr for the server's whole life so its logging never blocks.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("TAP service at ").nth(1) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(base) => Ok(ServerProcess { child, base }),
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not start")
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Current and peak RSS of the server in MB (`VmRSS`, `VmHWM`).
    pub fn rss_mb(&self) -> (f64, f64) {
        let pid = self.pid().to_string();
        (crate::rss::status_mb(&pid, "VmRSS"), crate::rss::status_mb(&pid, "VmHWM"))
    }

    /// CPU time (user + system) the server has used so far.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Duration::from_millis(ticks * 1000 / hz)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP agent that shows redirects as sent; `timeout` bounds every request.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).timeout(timeout).build()
}

/// Status, Location and body of a response, errors statuses included.
#[allow(dead_code)] // sync-output streams its bodies itself
pub fn answer(result: Result<ureq::Response, ureq::Error>) -> anyhow::Result<(u16, Option<String>, String)> {
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e.into()),
    };
    let status = resp.status();
    let location = resp.header("location").map(str::to_owned);
    Ok((status, location, resp.into_string()?))
}
