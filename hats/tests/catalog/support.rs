//! Shared test helpers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use astrotap_demo::generator::{Synthetic, SyntheticTable};
use hats::writer::{write_catalog, WriteOptions, WriteSummary};
use hats::{HatsCatalog, HatsTable};

/// The project's Python venv (hats, hats-import, astropy, pyvo), or None outside CI when absent.
pub fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("ASTROTAP_VENV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/astrotap-venv")
    });
    let py = venv.join("bin/python");
    if py.is_file() {
        return Some(py);
    }
    assert!(std::env::var_os("CI").is_none(), "CI must provide the venv (scripts/setup-python.sh)");
    eprintln!("NOTICE: no Python venv at {}: run scripts/setup-python.sh; skipping", venv.display());
    None
}

/// Runs a Python snippet in the venv, returning stdout; panics with stderr on failure.
pub fn python(py: &Path, code: &str, args: &[&str]) -> String {
    let out = Command::new(py).arg("-c").arg(code).args(args).output().expect("start python");
    assert!(out.status.success(), "python failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes a synthetic gaia_source catalog.
pub fn synthetic_catalog(dir: &Path, rows: u64, max_rows: u64) -> WriteSummary {
    let src = Synthetic { table: SyntheticTable::GaiaSource, seed: 11, rows };
    let opts = WriteOptions { name: "gaia_source".into(), max_rows, row_group_rows: 500, mapping_order: 8, ..WriteOptions::default() };
    write_catalog(&src, dir, &opts).expect("write synthetic catalog")
}

/// A session with the catalog registered as table `t`; returns the table too.
pub fn session_with(path: &Path) -> (SessionContext, Arc<HatsTable>) {
    let ctx = SessionContext::new();
    let table = Arc::new(HatsTable::new(Arc::new(HatsCatalog::open(path).expect("open catalog"))));
    ctx.register_table("t", table.clone()).expect("register");
    (ctx, table)
}

/// Runs SQL returning one i64, and what its scans touched (this query's own metrics).
pub async fn scalar_i64_scanned(ctx: &SessionContext, sql: &str) -> (i64, hats::scan_summary::ScanSummary) {
    let plan = ctx.sql(sql).await.expect("plan").create_physical_plan().await.expect("physical plan");
    let batches = datafusion::physical_plan::collect(plan.clone(), ctx.task_ctx()).await.expect("run");
    (first_i64(&batches), hats::scan_summary::summarize(&plan))
}

fn first_i64(batches: &[RecordBatch]) -> i64 {
    let b = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    let col = b.column(0);
    assert!(!col.is_null(0));
    col.as_primitive::<Int64Type>().value(0)
}

/// Runs SQL and returns the single i64 of the single row.
pub async fn scalar_i64(ctx: &SessionContext, sql: &str) -> i64 {
    let batches: Vec<RecordBatch> = ctx.sql(sql).await.expect("plan").collect().await.expect("run");
    first_i64(&batches)
}
