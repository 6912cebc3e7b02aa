//! Load with hostile neighbours, against the real server on 127.0.0.1: many connections of small
//! cone searches for a fixed time while one client keeps sending a runaway join and another the
//! hostile set (a 10,000-term chain, functions outside ADQL, a huge IN list, a table function).
//! Reports cone requests/s, p50/p99 latency, errors (admission 503s counted apart) and the
//! server's RSS before and after. The cones must keep succeeding.
//!
//! cargo build --release --bin astrotap && \
//! cargo run --release -p astrotap-bench --bin load -- [--connections 64] [--secs 60] [--rows 1000000]

mod rss;
mod server;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use server::{agent, ensure_demo, sibling_binary, ServerProcess};

/// Bound on every request of the benchmark clients.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// Never matches, so the join has nothing to return early with (see tap/src/engine/cooperative.rs).
const RUNAWAY: &str = "SELECT COUNT(*) AS n FROM (SELECT TOP 100 source_id FROM gaiadr3.gaia_source) AS c \
     CROSS JOIN gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b WHERE a.ra + b.ra > c.source_id";

struct Args {
    connections: usize,
    secs: u64,
    rows: u64,
    dir: std::path::PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { connections: 64, secs: 60, rows: 1_000_000, dir: std::env::temp_dir().join("astrotap-load-bench") };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--connections" => a.connections = value.parse()?,
            "--secs" => a.secs = value.parse()?,
            "--rows" => a.rows = value.parse()?,
            "--dir" => a.dir = value.into(),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

fn write_config(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let root = dir.join("catalogs/gaiadr3");
    // The runaway query is cut by the sync deadline; keep it short so it comes back often.
    let mut text = String::from("sync_timeout_secs = 10\n[jobs]\nreaper_interval_secs = 3600\n");
    for table in ["gaia_source", "xp_continuous_mean_spectrum", "epoch_photometry"] {
        text.push_str(&format!("[[catalogs]]\nschema = \"gaiadr3\"\ntable = \"{table}\"\npath = \"{}\"\n", root.join(table).display()));
    }
    let path = dir.join("load.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Status of a form POST to /sync, reading the whole body; 0 for a transport error.
fn post_sync(agent: &ureq::Agent, base: &str, query: &str) -> u16 {
    let body = format!("LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}", utf8_percent_encode(query, NON_ALPHANUMERIC));
    let result = agent.post(&format!("{base}/sync")).set("Content-Type", "application/x-www-form-urlencoded").send_string(&body);
    match result {
        Ok(r) => {
            let status = r.status();
            let _ = r.into_string();
            status
        }
        Err(ureq::Error::Status(code, r)) => {
            let _ = r.into_string();
            code
        }
        Err(_) => 0,
    }
}

/// The hostile set, each expected to be refused (4xx) without harm to anyone else.
fn hostile_queries() -> Vec<String> {
    vec![
        format!("SELECT TOP 1 {} AS x FROM TAP_SCHEMA.tables", vec!["1"; 10_000].join("+")),
        "SELECT TOP 1 version() AS v FROM TAP_SCHEMA.tables".to_string(),
        "SELECT TOP 1 repeat('x', 1000000000) AS v FROM TAP_SCHEMA.tables".to_string(),
        "SELECT * FROM generate_series(1, 1000000000)".to_string(),
        format!(
            "SELECT source_id FROM gaiadr3.gaia_source WHERE source_id IN ({})",
            (0..60_000u64).map(|i| (4_000_000_000_000_000 + i).to_string()).collect::<Vec<_>>().join(",")
        ),
        format!("SELECT TOP 1 {}1{} AS x FROM TAP_SCHEMA.tables", "(".repeat(200), ")".repeat(200)),
    ]
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    busy: AtomicU64,
    errors: AtomicU64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let bin = sibling_binary()?;
    std::fs::create_dir_all(&args.dir)?;
    ensure_demo(&bin, &args.dir, args.rows)?;
    let config = write_config(&args.dir)?;
    let server = ServerProcess::start(&bin, &args.dir, Some(&config))?;
    let base = server.base.clone();
    println!("server {base} (pid {}), gaia_source {} rows, {} cone connections for {} s", server.pid(), args.rows, args.connections, args.secs);
    // Warm up (catalog metadata, first Parquet footers), then take the baseline RSS.
    let warm = agent(CLIENT_TIMEOUT);
    for _ in 0..20 {
        post_sync(&warm, &base, "SELECT TOP 10 source_id FROM gaiadr3.gaia_source WHERE 1=CONTAINS(POINT(ra, dec), CIRCLE(10, 10, 0.5))");
    }
    let (rss_before, _) = server.rss_mb();

    let stop = Arc::new(AtomicBool::new(false));
    let cones = Arc::new(Tally::default());
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut workers = Vec::new();
    for c in 0..args.connections {
        let (stop, cones, latencies, base) = (stop.clone(), cones.clone(), latencies.clone(), base.clone());
        workers.push(std::thread::spawn(move || {
            let agent = agent(CLIENT_TIMEOUT);
            // A different, reproducible sequence of positions per connection.
            let mut state = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(c as u64 + 1);
            let mut mine = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let ra = (state >> 11) as f64 / (1u64 << 53) as f64 * 360.0;
                let dec = ((state >> 3) % 1600) as f64 / 10.0 - 80.0;
                let q = format!("SELECT source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source WHERE 1=CONTAINS(POINT(ra, dec), CIRCLE({ra:.4}, {dec:.4}, 0.5))");
                let t0 = Instant::now();
                match post_sync(&agent, &base, &q) {
                    200 => {
                        mine.push(t0.elapsed());
                        cones.ok.fetch_add(1, Ordering::Relaxed);
                    }
                    503 => {
                        cones.busy.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        cones.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            if let Ok(mut all) = latencies.lock() {
                all.extend(mine);
            }
        }));
    }
    let runaway = Arc::new(Tally::default());
    {
        let (stop, runaway, base) = (stop.clone(), runaway.clone(), base.clone());
        workers.push(std::thread::spawn(move || {
            let agent = agent(CLIENT_TIMEOUT);
            while !stop.load(Ordering::Relaxed) {
                match post_sync(&agent, &base, RUNAWAY) {
                    0 => runaway.errors.fetch_add(1, Ordering::Relaxed),
                    503 => runaway.busy.fetch_add(1, Ordering::Relaxed),
                    _ => runaway.ok.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let hostile = Arc::new(Tally::default());
    {
        let (stop, hostile, base) = (stop.clone(), hostile.clone(), base.clone());
        workers.push(std::thread::spawn(move || {
            let agent = agent(CLIENT_TIMEOUT);
            let set = hostile_queries();
            'outer: while !stop.load(Ordering::Relaxed) {
                for q in &set {
                    if stop.load(Ordering::Relaxed) {
                        break 'outer;
                    }
                    match post_sync(&agent, &base, q) {
                        400..=499 => hostile.ok.fetch_add(1, Ordering::Relaxed),
                        503 => hostile.busy.fetch_add(1, Ordering::Relaxed),
                        _ => hostile.errors.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }
        }));
    }
    let started = Instant::now();
    let mut peak = rss_before;
    while started.elapsed() < Duration::from_secs(args.secs) {
        std::thread::sleep(Duration::from_millis(200));
        peak = peak.max(server.rss_mb().0);
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let elapsed = started.elapsed();
    // Give the allocator a moment to hand memory back before reading RSS again; the server's CPU
    // over the same pause shows whether anything (the runaway join) is still computing.
    let cpu_at_stop = server.cpu_time();
    std::thread::sleep(Duration::from_secs(5));
    let idle_cpu = server.cpu_time().saturating_sub(cpu_at_stop);
    let (rss_after, hwm) = server.rss_mb();
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort();
    let ok = cones.ok.load(Ordering::Relaxed);
    println!(
        "cones    {ok} ok in {:.1} s = {:.0} requests/s; p50 {:.1} ms, p99 {:.1} ms; {} admission 503s, {} other errors",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0,
        cones.busy.load(Ordering::Relaxed),
        cones.errors.load(Ordering::Relaxed),
    );
    println!(
        "runaway  {} answered (sync deadline), {} admission 503s, {} transport errors",
        runaway.ok.load(Ordering::Relaxed),
        runaway.busy.load(Ordering::Relaxed),
        runaway.errors.load(Ordering::Relaxed)
    );
    println!(
        "hostile  {} refused with 4xx, {} admission 503s, {} other answers",
        hostile.ok.load(Ordering::Relaxed),
        hostile.busy.load(Ordering::Relaxed),
        hostile.errors.load(Ordering::Relaxed)
    );
    println!("server   RSS before {rss_before:.0} MB, peak during {peak:.0} MB (VmHWM {hwm:.0} MB), after {rss_after:.0} MB");
    println!("server   CPU in the 5 s after the clients stopped: {:.2} s", idle_cpu.as_secs_f64());
    if cones.errors.load(Ordering::Relaxed) > 0 || hostile.errors.load(Ordering::Relaxed) > 0 {
        bail!("cone searches or hostile queries got unexpected answers");
    }
    Ok(())
}
