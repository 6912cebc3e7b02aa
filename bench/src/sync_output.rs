//! /sync output throughput of the real server, measured from a client on 127.0.0.1: N rows x 10
//! columns of gaiadr3.gaia_source as VOTable BINARY2, TABLEDATA, Parquet and CSV. For each format
//! it reports the bytes received, MB/s (10^6 bytes per second of wall time, request to last byte),
//! rows/s, the server's CPU time, and the server's RSS: its idle baseline, the highest VmRSS sampled
//! every 20 ms during the transfer, and the growth over the baseline. Goals (issue 5): BINARY2 and
//! Parquet >= 150 MB/s; RSS growth < 300 MB whatever the row count.
//!
//! cargo build --release --bin astrotap && \
//! cargo run --release -p astrotap-bench --bin sync-output -- [--rows 1000000] [--formats votable/b2,parquet]
//!
//! The demo catalog of `--rows` rows is built (once) under `--dir/rows-N` with the server binary.
//! Every request has a time limit (`--timeout`, seconds), and the client only talks to 127.0.0.1.

// Shared with the async-jobs benchmark, which uses the parts this one does not.
#[allow(dead_code)]
mod rss;
mod server;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use server::{ensure_demo, sibling_binary, ServerProcess};

const QUERY: &str = "SELECT source_id, ra, dec, parallax, parallax_error, pmra, pmdec, \
                     phot_g_mean_mag, phot_bp_mean_mag, phot_rp_mean_mag FROM gaiadr3.gaia_source";

/// The formats of the issue, in the order they are measured.
const FORMATS: &[&str] = &["votable/b2", "parquet", "votable", "csv"];

struct Args {
    rows: u64,
    formats: Vec<String>,
    timeout: Duration,
    dir: std::path::PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        rows: 1_000_000,
        formats: FORMATS.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_secs(900),
        dir: std::env::temp_dir().join("astrotap-sync-bench"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--rows" => a.rows = value.parse()?,
            "--formats" => a.formats = value.split(',').map(str::to_string).collect(),
            "--timeout" => a.timeout = Duration::from_secs(value.parse()?),
            "--dir" => a.dir = value.into(),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// The server configuration of the run: no /sync wall-clock limit short enough to cut a large
/// TABLEDATA transfer, MAXREC up to the row count, no async job machinery running beside it.
fn write_config(dir: &Path, rows: u64, timeout: Duration) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("sync-output-bench.toml");
    let text = format!(
        "sync_timeout_secs = {}\nmaxrec_limit = {}\n\n[jobs]\nenabled = false\n",
        timeout.as_secs().max(60),
        rows.max(1)
    );
    std::fs::write(&path, text)?;
    Ok(path)
}

/// What one transfer gave.
struct Transfer {
    bytes: u64,
    secs: f64,
    /// Newline count, to check the CSV row count.
    newlines: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

/// GETs a /sync URL and reads the body to the end, counting bytes; keeps the first and last
/// bytes for the sanity checks.
fn transfer(agent: &ureq::Agent, url: &str) -> anyhow::Result<Transfer> {
    let start = Instant::now();
    let resp = match agent.get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => bail!("HTTP {code}: {}", r.into_string().unwrap_or_default()),
        Err(e) => return Err(e.into()),
    };
    let mut reader = resp.into_reader();
    let mut buf = vec![0u8; 1 << 20];
    let (mut bytes, mut newlines) = (0u64, 0u64);
    let mut head = Vec::new();
    let mut tail = Vec::new();
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if head.len() < 4096 {
            head.extend_from_slice(&chunk[..n.min(4096 - head.len())]);
        }
        tail.extend_from_slice(&chunk[n.saturating_sub(4096)..]);
        if tail.len() > 8192 {
            tail.drain(..tail.len() - 4096);
        }
        newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        bytes += n as u64;
    }
    Ok(Transfer { bytes, secs: start.elapsed().as_secs_f64(), newlines, head, tail })
}

/// Cheap checks that the document is complete and holds `rows` rows without overflow.
fn check(format: &str, t: &Transfer, rows: u64) -> anyhow::Result<()> {
    let tail = String::from_utf8_lossy(&t.tail);
    match format {
        "parquet" => {
            if !t.head.starts_with(b"PAR1") || !t.tail.ends_with(b"PAR1") {
                bail!("parquet: not a complete Parquet file");
            }
        }
        "csv" => {
            if t.newlines != rows + 1 {
                bail!("csv: {} lines for {rows} rows + header", t.newlines);
            }
        }
        _ => {
            if !tail.trim_end().ends_with("</VOTABLE>") || tail.contains("OVERFLOW") || tail.contains("value=\"ERROR\"") {
                bail!("{format}: incomplete or failed VOTable; ends with {tail}");
            }
            if !String::from_utf8_lossy(&t.head).contains("value=\"OK\"") {
                bail!("{format}: no QUERY_STATUS=OK");
            }
        }
    }
    Ok(())
}

/// Samples the server's VmRSS every 20 ms until stopped; returns the highest value seen (MB).
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<f64>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(Mutex::new(0.0f64));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let rss = rss::status_mb(&pid.to_string(), "VmRSS");
                if let Ok(mut m) = p.lock() {
                    *m = m.max(rss);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        RssSampler { stop, peak, thread: Some(thread) }
    }

    fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.lock().map(|m| *m).unwrap_or(f64::NAN)
    }
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let bin = sibling_binary()?;
    let data = args.dir.join(format!("rows-{}", args.rows));
    std::fs::create_dir_all(&data)?;
    let t0 = Instant::now();
    ensure_demo(&bin, &data, args.rows)?;
    eprintln!("demo set of {} rows ready in {:.1} s ({})", args.rows, t0.elapsed().as_secs_f64(), data.display());
    let config = write_config(&data, args.rows, args.timeout)?;
    let server = ServerProcess::start(&bin, &data, Some(&config))?;
    let agent = server::agent(args.timeout);
    if !server.base.starts_with("http://127.0.0.1:") {
        bail!("the server is not on 127.0.0.1: {}", server.base);
    }
    // Warm-up: open the catalog files and fault in the code paths, so the baseline is the
    // resident set of a server that has already answered a query.
    let warm = format!("{}/sync?LANG=ADQL&RESPONSEFORMAT=csv&MAXREC=1000&QUERY={}", server.base, encode(QUERY));
    transfer(&agent, &warm).context("warm-up query")?;
    std::thread::sleep(Duration::from_millis(500));
    let (baseline, _) = server.rss_mb();
    println!(
        "sync-output: {} rows x 10 columns, server pid {}, idle RSS {baseline:.0} MB, {} query threads",
        args.rows,
        server.pid(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("{:<11} {:>10} {:>8} {:>9} {:>10} {:>9} {:>10} {:>10}", "format", "MB", "s", "MB/s", "Mrows/s", "cpu s", "peak RSS", "growth");
    let mut failures = 0;
    for format in &args.formats {
        let url = format!(
            "{}/sync?LANG=ADQL&RESPONSEFORMAT={}&MAXREC={}&QUERY={}",
            server.base,
            encode(format),
            args.rows,
            encode(QUERY)
        );
        let cpu0 = server.cpu_time();
        let sampler = RssSampler::start(server.pid());
        let result = transfer(&agent, &url);
        let peak = sampler.finish().max(server.rss_mb().0);
        let cpu = server.cpu_time().saturating_sub(cpu0).as_secs_f64();
        let t = match result {
            Ok(t) => t,
            Err(e) => {
                println!("{format:<11} FAILED: {e:#}");
                failures += 1;
                continue;
            }
        };
        if let Err(e) = check(format, &t, args.rows) {
            println!("{format:<11} WRONG OUTPUT: {e:#}");
            failures += 1;
        }
        let mb = t.bytes as f64 / 1e6;
        println!(
            "{:<11} {:>10.1} {:>8.2} {:>9.0} {:>10.2} {:>9.2} {:>7.0} MB {:>7.0} MB",
            format,
            mb,
            t.secs,
            mb / t.secs,
            args.rows as f64 / 1e6 / t.secs,
            cpu,
            peak,
            peak - baseline
        );
    }
    let (rss, hwm) = server.rss_mb();
    println!("server RSS after the run {rss:.0} MB, high-water mark (VmHWM) {hwm:.0} MB, growth of the high-water mark over idle {:.0} MB", hwm - baseline);
    if failures > 0 {
        bail!("{failures} format(s) failed");
    }
    Ok(())
}

/// Percent-encodes a query-string component (RFC 3986 unreserved characters stay as they are).
fn encode(text: &str) -> String {
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(text, COMPONENT).to_string()
}
