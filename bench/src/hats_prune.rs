//! Spatial pruning benchmark: 1-degree cone searches on a large synthetic gaia_source, with the
//! cone's HEALPix coverage as `_healpix_29` ranges (what the ADQL rewrite adds) and without it.
//! Both runs use the same exact great-circle distance filter, in one process, side by side;
//! prints files touched, rows scanned and time for each, and checks both give the same rows.
//!
//! cargo run --release -p astrotap-bench --bin hats-prune -- --rows 10000000

mod rss;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use astrotap_demo::generator::{Synthetic, SyntheticTable};
use astrotap_demo::progress::ProgressBars;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::physical_plan::collect;
use datafusion::prelude::{SessionConfig, SessionContext};
use hats::scan_summary::summarize;
use hats::writer::{write_catalog, WriteOptions};
use hats::{HatsCatalog, HatsTable};
use rss::peak_rss_mb;

struct Args {
    rows: u64,
    max_rows: u64,
    dir: PathBuf,
    radius: f64,
    cones: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { rows: 10_000_000, max_rows: 20_000, dir: PathBuf::from("bench-data"), radius: 1.0, cones: 8 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => a.rows = val()?.parse()?,
            "--max-rows" => a.max_rows = val()?.parse()?,
            "--dir" => a.dir = PathBuf::from(val()?),
            "--radius" => a.radius = val()?.parse()?,
            "--cones" => a.cones = val()?.parse()?,
            "--help" | "-h" => {
                println!("hats-prune [--rows N] [--max-rows N] [--dir DIR] [--radius DEG] [--cones N]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

async fn run(ctx: &SessionContext, sql: &str) -> anyhow::Result<(i64, usize, usize, f64)> {
    let t0 = Instant::now();
    let plan = ctx.sql(sql).await?.create_physical_plan().await?;
    let batches = collect(plan.clone(), ctx.task_ctx()).await?;
    let dt = t0.elapsed().as_secs_f64();
    let n = batches.iter().find(|b| b.num_rows() > 0).map(|b| b.column(0).as_primitive::<Int64Type>().value(0)).unwrap_or(0);
    let scanned = summarize(&plan);
    Ok((n, scanned.files, scanned.rows_scanned, dt))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = parse_args()?;
    let path = a.dir.join(format!("gaia_source_{}_{}", a.rows, a.max_rows));
    if !path.join("hats.properties").exists() {
        eprintln!("building {} ...", path.display());
        let src = Synthetic { table: SyntheticTable::GaiaSource, seed: 2016, rows: a.rows };
        let opts = WriteOptions { name: "gaia_source".into(), max_rows: a.max_rows, progress: Some(ProgressBars::shared()), overwrite: true, ..Default::default() };
        let s = write_catalog(&src, &path, &opts)?;
        println!("ingest: {s}");
        println!("ingest peak RSS: {:.0} MB", peak_rss_mb());
    }
    let cat = Arc::new(HatsCatalog::open(&path)?);
    let total_files = cat.file_count();
    let table = Arc::new(HatsTable::new(cat));
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    ctx.register_table("gaia_source", table.clone())?;
    println!("catalog: {} rows, {} files; cone radius {} deg", a.rows, total_files, a.radius);
    println!("{:>8} {:>8} | {:>7} {:>7} {:>10} {:>10} {:>8} {:>8} | {:>7}", "ra", "dec", "files", "files", "rows", "rows", "s", "s", "rows");
    println!("{:>8} {:>8} | {:>7} {:>7} {:>10} {:>10} {:>8} {:>8} | {:>7}", "", "", "pruned", "all", "pruned", "all", "pruned", "all", "matched");
    let (mut tp, mut tu, mut max_frac) = (0.0, 0.0, 0.0f64);
    for k in 0..a.cones {
        // Deterministic centres spread over the sky, some in the dense galactic plane.
        let ra = (37.0 + 97.3 * k as f64) % 360.0;
        let dec = -60.0 + (k as f64 * 41.0) % 120.0;
        let r = a.radius;
        let cone = format!(
            "degrees(2 * asin(sqrt(power(sin(radians(dec - {dec}) / 2), 2) + cos(radians(dec)) * cos(radians({dec})) * power(sin(radians(ra - {ra}) / 2), 2)))) < {r}"
        );
        // The cone's coverage as the ADQL rewrite hands it to the scan: a typed range filter.
        let ranges = adql::geometry::coverage::cone_ranges(ra, dec, r).map_err(|e| anyhow::anyhow!("{e}"))?;
        let filter = healpix::RangeFilter::new(k + 1, healpix::RangeSet::from_ranges(ranges)).into_udf();
        let name = filter.name().to_string();
        ctx.register_udf(filter.as_ref().clone());
        let pruned_sql = format!("SELECT count(*) FROM gaia_source WHERE \"{name}\"(_healpix_29) AND {cone}");
        let full_sql = format!("SELECT count(*) FROM gaia_source WHERE {cone}");
        let (np, fp, rp, dp) = run(&ctx, &pruned_sql).await?;
        let (nu, fu, ru, du) = run(&ctx, &full_sql).await?;
        if np != nu {
            bail!("pruning changed the result at ({ra}, {dec}): {np} vs {nu}");
        }
        println!("{ra:>8.2} {dec:>8.2} | {fp:>7} {fu:>7} {rp:>10} {ru:>10} {dp:>8.3} {du:>8.3} | {np:>7}");
        tp += dp;
        tu += du;
        max_frac = max_frac.max(fp as f64 / total_files as f64);
    }
    println!("files touched: at most {:.2}% of {} files per cone", 100.0 * max_frac, total_files);
    println!("total time pruned {tp:.3} s vs unpruned {tu:.3} s: {:.1}x faster", tu / tp.max(1e-9));
    println!("peak RSS: {:.0} MB", peak_rss_mb());
    Ok(())
}
