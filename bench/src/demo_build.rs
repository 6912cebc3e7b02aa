//! Times building the default demo data set (1,000,000 gaia_source rows, 20,000 XP spectra,
//! 20,000 epoch-photometry series) into a fresh directory and reports the peak RSS.
//!
//! cargo run --release -p astrotap-bench --bin demo-build -- [DIR]

mod rss;

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).map(std::path::PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("astrotap-demo-bench"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let t0 = Instant::now();
    let tables = astrotap_demo::demo::build_demo(&dir, &astrotap_demo::demo::DemoOptions::default())?;
    let secs = t0.elapsed().as_secs_f64();
    for t in &tables {
        if let Some(s) = &t.built {
            println!("{}.{}: {s}", t.schema, t.table);
        }
    }
    println!("demo data set built in {secs:.1} s, peak RSS {:.0} MB", rss::peak_rss_mb());
    Ok(())
}
