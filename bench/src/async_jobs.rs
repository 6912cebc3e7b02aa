//! UWS /async figures of the real server, measured from a client on 127.0.0.1:
//! 1. submit-to-COMPLETED latency of a trivial query with a blocking WAIT (median, p95);
//! 2. jobs per second for 1,000 small jobs from 4 concurrent clients;
//! 3. ABORT of a running full scan: time until the job reads ABORTED and until the server
//!    stops burning CPU (the DataFusion query really stopped).
//!
//! cargo build --release --bin astrotap && \
//! cargo run --release -p astrotap-bench --bin async-jobs -- [--jobs 1000] [--clients 4] [--scan-rows 2000000]

mod rss;
mod server;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use server::{agent, answer, ensure_demo, sibling_binary, ServerProcess};

/// Bound on every request of the benchmark client.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);
const TRIVIAL: &str = "SELECT TOP 1 source_id FROM gaiadr3.gaia_source";
const SCAN: &str = "SELECT * FROM gaiadr3.gaia_source";

struct Args {
    jobs: usize,
    clients: usize,
    latency_samples: usize,
    scan_rows: u64,
    dir: std::path::PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        jobs: 1000,
        clients: 4,
        latency_samples: 200,
        scan_rows: 2_000_000,
        dir: std::env::temp_dir().join("astrotap-async-bench"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--jobs" => a.jobs = value.parse()?,
            "--clients" => a.clients = value.parse()?,
            "--latency-samples" => a.latency_samples = value.parse()?,
            "--scan-rows" => a.scan_rows = value.parse()?,
            "--dir" => a.dir = value.into(),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// Submits with PHASE=RUN, then blocks with WAIT until the job is final; returns the job
/// document and when it arrived.
fn submit_and_wait(agent: &ureq::Agent, base: &str, query: &str) -> anyhow::Result<(String, SystemTime)> {
    let (status, location, body) =
        answer(agent.post(&format!("{base}/async")).send_form(&[("LANG", "ADQL"), ("QUERY", query), ("PHASE", "RUN")]))?;
    let job = match (status, location) {
        (303, Some(l)) => l,
        _ => bail!("job creation answered {status}: {body}"),
    };
    loop {
        let (_, _, doc) = answer(agent.get(&format!("{job}?WAIT=30")).call())?;
        let received = SystemTime::now();
        if doc.contains("<uws:phase>COMPLETED</uws:phase>") {
            return Ok((doc, received));
        }
        if !["PENDING", "QUEUED", "EXECUTING"].iter().any(|p| doc.contains(&format!("<uws:phase>{p}</uws:phase>"))) {
            bail!("job ended badly: {doc}");
        }
    }
}

fn element(doc: &str, name: &str) -> Option<String> {
    let open = format!("<uws:{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</uws:{name}>"))?;
    Some(doc[start..start + end].to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn latency(base: &str, samples: usize) -> anyhow::Result<()> {
    let agent = agent(CLIENT_TIMEOUT);
    submit_and_wait(&agent, base, TRIVIAL)?; // warm the plan cache and the connection
    let mut times = Vec::with_capacity(samples);
    let mut wakeups = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let (doc, received) = submit_and_wait(&agent, base, TRIVIAL)?;
        times.push(t.elapsed());
        // endTime is written by the server (ms precision) just before it notifies waiters.
        let end = element(&doc, "endTime").and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
        if let Some(end) = end {
            let end = SystemTime::from(end.with_timezone(&chrono::Utc));
            wakeups.push(received.duration_since(end).unwrap_or_default());
        }
    }
    times.sort();
    wakeups.sort();
    println!(
        "latency  submit->COMPLETED with WAIT, {samples} jobs: median {:.1} ms, p95 {:.1} ms, max {:.1} ms (goal: median < 20 ms)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 1.0))
    );
    println!(
        "wake-up  endTime -> WAIT answer received, {} jobs: median {:.1} ms, max {:.1} ms (goal: < 50 ms)",
        wakeups.len(),
        ms(percentile(&wakeups, 0.5)),
        ms(percentile(&wakeups, 1.0))
    );
    Ok(())
}

fn throughput(base: &str, jobs: usize, clients: usize) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let next = Arc::clone(&next);
            let base = base.to_owned();
            std::thread::spawn(move || -> anyhow::Result<usize> {
                let agent = agent(CLIENT_TIMEOUT);
                let mut done = 0;
                while next.fetch_add(1, Ordering::Relaxed) < jobs {
                    submit_and_wait(&agent, &base, TRIVIAL)?;
                    done += 1;
                }
                Ok(done)
            })
        })
        .collect();
    let mut done = 0;
    for w in workers {
        done += w.join().map_err(|_| anyhow::anyhow!("client thread panicked"))??;
    }
    let secs = t.elapsed().as_secs_f64();
    println!("throughput {done} jobs, {clients} clients: {secs:.2} s, {:.0} jobs/s", done as f64 / secs);
    Ok(())
}

/// Aborts a full scan after it has run a while; the server's CPU time must stop growing.
fn abort_scan(server: &ServerProcess) -> anyhow::Result<()> {
    let agent = agent(CLIENT_TIMEOUT);
    let base = &server.base;
    let (status, location, body) = answer(agent.post(&format!("{base}/async")).send_form(&[
        ("LANG", "ADQL"),
        ("QUERY", SCAN),
        ("RESPONSEFORMAT", "votable"),
        ("MAXREC", "100000000"),
        ("PHASE", "RUN"),
    ]))?;
    let job = match (status, location) {
        (303, Some(l)) => l,
        _ => bail!("job creation answered {status}: {body}"),
    };
    // Let the scan get well under way (reading files, writing rows) before stopping it.
    std::thread::sleep(Duration::from_millis(500));
    let (_, _, phase) = answer(agent.get(&format!("{job}/phase")).call())?;
    if phase != "EXECUTING" {
        bail!("the scan was {phase} after 0.5 s: use more --scan-rows");
    }
    let t = Instant::now();
    answer(agent.post(&format!("{job}/phase")).send_form(&[("PHASE", "ABORT")]))?;
    let (_, _, phase) = answer(agent.get(&format!("{job}/phase")).call())?;
    let aborted = t.elapsed();
    // The query has stopped once the server uses (almost) no CPU over a 100 ms window.
    let mut last = server.cpu_time();
    let stopped = loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = server.cpu_time();
        if now.saturating_sub(last) <= Duration::from_millis(10) {
            break t.elapsed().saturating_sub(Duration::from_millis(100));
        }
        last = now;
        if t.elapsed() > Duration::from_secs(60) {
            bail!("the server was still busy 60 s after ABORT");
        }
    };
    println!(
        "abort    running full scan: phase {phase} after {:.1} ms, server CPU idle within {:.0} ms (goal: < 1 s)",
        ms(aborted),
        ms(stopped)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn write_config(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let root = dir.join("catalogs/gaiadr3");
    let mut text = String::from("maxrec_limit = 100000000\n[jobs]\nmax_concurrent = 4\nreaper_interval_secs = 3600\n");
    for table in ["gaia_source", "xp_continuous_mean_spectrum", "epoch_photometry"] {
        text.push_str(&format!("[[catalogs]]\nschema = \"gaiadr3\"\ntable = \"{table}\"\npath = \"{}\"\n", root.join(table).display()));
    }
    let path = dir.join("bench.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let bin = sibling_binary()?;
    std::fs::create_dir_all(&args.dir)?;
    ensure_demo(&bin, &args.dir, args.scan_rows)?;
    // A fresh job store every run, so the figures do not depend on earlier runs' jobs.
    let jobs_dir = args.dir.join("uws");
    if jobs_dir.exists() {
        std::fs::remove_dir_all(&jobs_dir)?;
    }
    let config = write_config(&args.dir)?;
    let server = ServerProcess::start(&bin, &args.dir, Some(&config))?;
    println!("server {} (pid {}), gaia_source {} rows", server.base, server.pid(), args.scan_rows);
    latency(&server.base, args.latency_samples)?;
    throughput(&server.base, args.jobs, args.clients)?;
    abort_scan(&server)?;
    let (rss, peak) = server.rss_mb();
    println!("server   RSS {rss:.0} MB, peak {peak:.0} MB");
    Ok(())
}
