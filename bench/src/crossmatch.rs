//! Positional crossmatch through /sync of the real release server (child process, client on
//! 127.0.0.1), side by side with a DaCHS service when one is given:
//!
//! - Gaia DR3 bright stars (482,176) x Hipparcos-2 (117,955), COUNT of pairs within 1" and 5"
//!   (the same real data DaCHS's figures are for: 76,757 and 107,418 pairs);
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

/// Median wall time of `runs` POSTs of `query` to `base/sync` (CSV), after one warm-up, and the
/// answer's single value.
fn time_query(base: &str, query: &str, runs: usize, timeout: Duration) -> anyhow::Result<(Duration, String)> {
    let client = agent(timeout);
    let once = || -> anyhow::Result<(Duration, String)> {
        let t0 = Instant::now();
        let form = [("LANG", "ADQL"), ("REQUEST", "doQuery"), ("FORMAT", "csv"), ("QUERY", query)];
        let (status, _, body) = answer(client.post(&format!("{base}/sync")).send_form(&form))?;
        let took = t0.elapsed();
        if status != 200 {
            bail!("{base}: HTTP {status} for {query}: {body}");
        }
        let value = body.lines().nth(1).unwrap_or_default().trim().to_string();
        Ok((took, value))
    };
    let (_, value) = once()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let (t, v) = once()?;
        if v != value {
            bail!("{query}: answers differ between runs ({value} then {v})");
        }
        times.push(t);
    }
    times.sort();
    Ok((times[times.len() / 2], value))
}

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
        let (dt, dn, ratio) = match &theirs {
            Some((dt, dn)) => (format!("{:.3}", dt.as_secs_f64()), dn.clone(), format!("{:.1}x", dt.as_secs_f64() / t.as_secs_f64())),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!("| Gaia x Hipparcos COUNT within {r}\" | {:.3} | {n} | {dt} | {dn} | {ratio} |", t.as_secs_f64());
    }
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
