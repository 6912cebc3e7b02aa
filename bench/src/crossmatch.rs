//! Positional crossmatch through /sync of the real release server (child process, client on
//! 127.0.0.1), side by side with a DaCHS service when one is given:
//!
//! - Gaia DR3 bright stars (482,176) x Hipparcos-2 (117,955), COUNT of pairs within 1" and 5"
//!   (the same real data DaCHS's figures are for: 76,757 and 107,418 pairs);
//! - an upload of 100,000 positions (Hipparcos stars, CSV, multipart) joined to Gaia within 1";
//! - a synthetic Gaia-like self-join (`--self-rows`, default 1,000,000) within 10", with the
//!   server's peak RSS.
//!
//! cargo build --release --bin astrotap && \
//! cargo run --release -p astrotap-bench --bin crossmatch -- [--dachs http://localhost:8080/tap]
//!
//! The real catalogs come from scripts/fetch-real-data.sh and are written as HATS under `--dir`
//! once; so is the synthetic set. Each query runs once to warm up, then `--runs` times; medians.

// Shared with the other server benchmarks, which use the parts this one does not.
#[allow(dead_code)]
mod rss;
#[allow(dead_code)]
mod server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use astrotap_demo::realdata::{default_dir, locate, GaiaWheel, Hipparcos};
use server::{agent, answer, ensure_demo, sibling_binary, ServerProcess};

struct Args {
    dir: PathBuf,
    runs: usize,
    self_rows: u64,
    dachs: Option<String>,
    timeout: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        dir: std::env::temp_dir().join("astrotap-crossmatch-bench"),
        runs: 5,
        self_rows: 1_000_000,
        dachs: None,
        timeout: Duration::from_secs(600),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dir" => a.dir = value.into(),
            "--runs" => a.runs = value.parse()?,
            "--self-rows" => a.self_rows = value.parse()?,
            "--dachs" => a.dachs = Some(value),
            "--timeout" => a.timeout = Duration::from_secs(value.parse()?),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// Writes the two real catalogs as HATS under `dir/real` (once).
fn real_catalogs(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let (Some(gaia), Some(hip)) = locate(&default_dir()) else {
        bail!("real data not in {}: run scripts/fetch-real-data.sh", default_dir().display());
    };
    let out = (dir.join("real/gaia"), dir.join("real/hip"));
    let opts = |name: &str| hats::writer::WriteOptions { name: name.into(), max_rows: 50_000, ..Default::default() };
    if !out.0.is_dir() {
        hats::writer::write_catalog(&GaiaWheel { path: gaia }, &out.0, &opts("gaia"))?;
    }
    if !out.1.is_dir() {
        hats::writer::write_catalog(&Hipparcos { path: hip }, &out.1, &opts("hip"))?;
    }
    Ok(out)
}

fn write_config(dir: &Path, gaia: &Path, hip: &Path, synthetic: &Path, args: &Args) -> anyhow::Result<PathBuf> {
    let path = dir.join("crossmatch-bench.toml");
    let catalog = |schema: &str, table: &str, p: &Path| {
        format!("[[catalogs]]\nschema = \"{schema}\"\ntable = \"{table}\"\npath = \"{}\"\n\n", p.display())
    };
    let text = format!(
        "sync_timeout_secs = {}\nsync_transfer_limit_secs = {}\n\n[jobs]\nenabled = false\n\n{}{}{}",
        args.timeout.as_secs(),
        args.timeout.as_secs(),
        catalog("gaia", "source", gaia),
        catalog("hip", "main", hip),
        catalog("gaiadr3", "gaia_source", synthetic),
    );
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Median wall time of `runs` calls of `once` (each answering a time and a value), after one
/// warm-up; every run must give the same value.
fn median_of(runs: usize, what: &str, once: impl Fn() -> anyhow::Result<(Duration, String)>) -> anyhow::Result<(Duration, String)> {
    let (_, value) = once()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let (t, v) = once()?;
        if v != value {
            bail!("{what}: answers differ between runs ({value} then {v})");
        }
        times.push(t);
    }
    times.sort();
    Ok((times[times.len() / 2], value))
}

/// The single value of a CSV answer, or the error.
fn single_value(base: &str, query: &str, status: u16, body: &str) -> anyhow::Result<String> {
    if status != 200 {
        bail!("{base}: HTTP {status} for {query}: {body}");
    }
    Ok(body.lines().nth(1).unwrap_or_default().trim().to_string())
}

/// Median wall time of `runs` POSTs of `query` to `base/sync` (CSV), and the answer's single value.
fn time_query(base: &str, query: &str, runs: usize, timeout: Duration) -> anyhow::Result<(Duration, String)> {
    let client = agent(timeout);
    median_of(runs, query, || {
        let t0 = Instant::now();
        let form = [("LANG", "ADQL"), ("REQUEST", "doQuery"), ("FORMAT", "csv"), ("QUERY", query)];
        let (status, _, body) = answer(client.post(&format!("{base}/sync")).send_form(&form))?;
        let took = t0.elapsed();
        Ok((took, single_value(base, query, status, &body)?))
    })
}

const BOUNDARY: &str = "astrotap-bench-7c1f0e";

/// The same with the table `t` uploaded inline (multipart/form-data, TAP 1.1 §2.5.4): the time
/// covers sending, reading and joining the upload.
fn time_upload(base: &str, query: &str, csv: &[u8], runs: usize, timeout: Duration) -> anyhow::Result<(Duration, String)> {
    let client = agent(timeout);
    let mut body = Vec::with_capacity(csv.len() + 1024);
    for (name, value) in [("LANG", "ADQL"), ("REQUEST", "doQuery"), ("FORMAT", "csv"), ("UPLOAD", "t,param:t"), ("QUERY", query)] {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"t\"; filename=\"t.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    median_of(runs, query, || {
        let t0 = Instant::now();
        let request = client.post(&format!("{base}/sync")).set("Content-Type", &content_type);
        let (status, _, answer_body) = answer(request.send_bytes(&body))?;
        let took = t0.elapsed();
        Ok((took, single_value(base, query, status, &answer_body)?))
    })
}

/// Positions to upload: the first `rows` Hipparcos stars (hip, ra, dec) as CSV, from the server.
fn upload_positions(base: &str, rows: usize, timeout: Duration) -> anyhow::Result<Vec<u8>> {
    let query = format!("SELECT TOP {rows} hip, ra, dec FROM hip.main ORDER BY hip");
    let form = [("LANG", "ADQL"), ("FORMAT", "csv"), ("MAXREC", "1000000"), ("QUERY", query.as_str())];
    let (status, _, body) = answer(agent(timeout).post(&format!("{base}/sync")).send_form(&form))?;
    if status != 200 || body.lines().count() != rows + 1 {
        bail!("fetching {rows} upload positions: HTTP {status}, {} lines", body.lines().count());
    }
    Ok(body.into_bytes())
}

fn dachs_cells(theirs: &Option<(Duration, String)>, ours: Duration) -> (String, String, String) {
    match theirs {
        Some((dt, dn)) => (format!("{:.3}", dt.as_secs_f64()), dn.clone(), format!("{:.1}x", dt.as_secs_f64() / ours.as_secs_f64())),
        None => ("-".into(), "-".into(), "-".into()),
    }
}

const UPLOAD_XMATCH: &str = "SELECT COUNT(*) FROM TAP_UPLOAD.t AS t JOIN gaia.source AS g \
                             ON 1=CONTAINS(POINT('ICRS', g.ra, g.dec), CIRCLE('ICRS', t.ra, t.dec, 1/3600.0))";

/// Rows of the upload case (the acceptance's 100,000 positions).
const UPLOAD_ROWS: usize = 100_000;

const XMATCH: &str = "SELECT COUNT(*) FROM gaia.source AS g JOIN hip.main AS h \
                      ON 1=CONTAINS(POINT('ICRS', g.ra, g.dec), CIRCLE('ICRS', h.ra, h.dec, {r}/3600.0))";

const SELF_JOIN: &str = "SELECT COUNT(*) FROM gaiadr3.gaia_source AS a JOIN gaiadr3.gaia_source AS b \
                         ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 10/3600.0 AND a.source_id < b.source_id";

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.dir)?;
    let bin = sibling_binary()?;
    let (gaia, hip) = real_catalogs(&args.dir)?;
    let synthetic_dir = args.dir.join(format!("synthetic-{}", args.self_rows));
    ensure_demo(&bin, &synthetic_dir, args.self_rows)?;
    let synthetic = astrotap_demo::demo::demo_root(&synthetic_dir).join("gaia_source");
    let config = write_config(&args.dir, &gaia, &hip, &synthetic, &args)?;
    let server = ServerProcess::start(&bin, &args.dir, Some(&config))?;
    println!("| query | astrotap s | answer | DaCHS s | DaCHS answer | ratio |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for r in ["1", "5"] {
        let q = XMATCH.replace("{r}", r);
        let (t, n) = time_query(&server.base, &q, args.runs, args.timeout)?;
        let theirs = match &args.dachs {
            Some(url) => Some(time_query(url, &q, args.runs, args.timeout)?),
            None => None,
        };
        let (dt, dn, ratio) = dachs_cells(&theirs, t);
        println!("| Gaia x Hipparcos COUNT within {r}\" | {:.3} | {n} | {dt} | {dn} | {ratio} |", t.as_secs_f64());
    }
    let csv = upload_positions(&server.base, UPLOAD_ROWS, args.timeout)?;
    let (t, n) = time_upload(&server.base, UPLOAD_XMATCH, &csv, args.runs, args.timeout)?;
    let theirs = match &args.dachs {
        Some(url) => Some(time_upload(url, UPLOAD_XMATCH, &csv, args.runs, args.timeout)?),
        None => None,
    };
    let (dt, dn, ratio) = dachs_cells(&theirs, t);
    println!(
        "| upload of {UPLOAD_ROWS} positions ({:.1} MB CSV) x Gaia COUNT within 1\" | {:.3} | {n} | {dt} | {dn} | {ratio} |",
        csv.len() as f64 / 1e6,
        t.as_secs_f64()
    );
    let (_, idle_peak) = server.rss_mb();
    let (t, n) = time_query(&server.base, SELF_JOIN, args.runs.min(3), args.timeout)?;
    let (_, peak) = server.rss_mb();
    println!(
        "| {} synthetic self-join COUNT within 10\" | {:.3} | {n} | - | - | - |",
        args.self_rows,
        t.as_secs_f64()
    );
    println!("\nserver peak RSS: {idle_peak:.0} MB before the self-join, {peak:.0} MB after");
    Ok(())
}
