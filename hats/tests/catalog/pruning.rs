//! File and row-group pruning through real DataFusion queries: results must equal an unpruned
//! evaluation, and the scan must touch only the partitions that can match.

use hats::scan_summary::summarize;

use crate::support::*;

/// Counts with pruning and with the same predicate hidden from the provider (wrapped so the
/// range analysis cannot see it), and returns (pruned count, brute count, files selected, total).
async fn compare(ctx: &datafusion::prelude::SessionContext, table: &hats::HatsTable, pred: &str) -> (i64, i64, usize, usize) {
    let (pruned, scanned) = scalar_i64_scanned(ctx, &format!("SELECT count(*) FROM t WHERE {pred}")).await;
    let total = table.catalog().file_count();
    // `_healpix_29 + 0` is opaque to the range analysis: every file is read.
    let brute_sql = format!("SELECT count(*) FROM t WHERE {}", pred.replace("_healpix_29", "(_healpix_29 + 0)"));
    let (brute, brute_scanned) = scalar_i64_scanned(ctx, &brute_sql).await;
    assert_eq!((brute_scanned.files, brute_scanned.files_total), (total, total));
    if scanned.files > 0 {
        assert_eq!(scanned.files_total, total, "the scan reports the catalog's file count");
    }
    (pruned, brute, scanned.files, total)
}

#[tokio::test]
async fn ranges_straddling_partitions_of_different_orders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let summary = synthetic_catalog(&out, 40_000, 1_500);
    let (ctx, table) = session_with(&out);
    // Pick a deep partition and its neighbour in index order that has a different order, and
    // query a range from inside one to inside the other.
    let mut parts: Vec<_> = summary.partitions.iter().map(|(p, _)| *p).collect();
    parts.sort_by_key(|p| p.range29().start);
    let w = parts.windows(2).find(|w| w[0].order != w[1].order && w[0].range29().end == w[1].range29().start).expect("adjacent partitions of different orders");
    let (a, b) = (w[0].range29(), w[1].range29());
    let lo = a.start + (a.end - a.start) / 2;
    let hi = b.start + (b.end - b.start) / 3;
    for pred in [
        format!("_healpix_29 BETWEEN {lo} AND {hi}"),
        format!("_healpix_29 >= {lo} AND _healpix_29 < {hi}"),
        format!("(_healpix_29 >= {lo} AND _healpix_29 < {}) OR (_healpix_29 >= {} AND _healpix_29 < {hi})", a.end - 1000, b.start),
    ] {
        let (pruned, brute, sel, total) = compare(&ctx, &table, &pred).await;
        assert_eq!(pruned, brute, "{pred}");
        assert!(pruned > 0, "the range must hold rows: {pred}");
        assert_eq!(sel, 2, "{pred}: exactly the two straddled partitions must be read");
        assert!(total > 10);
    }
    // IN-list hitting one pixel, equality, and an empty range.
    let some = a.start + 5;
    let (p, b2, sel, _) = compare(&ctx, &table, &format!("_healpix_29 IN ({some}, {})", some + 1)).await;
    // One partition at most; none when no row group's index bounds hold the two values.
    assert_eq!(p, b2);
    assert!(sel <= 1, "{sel} files for two index values in one partition");
    let (p, _, sel, _) = compare(&ctx, &table, "_healpix_29 < 0").await;
    assert_eq!((p, sel), (0, 0));
    // A predicate on other columns only reads everything and stays correct.
    let (p, b3, sel, total) = compare(&ctx, &table, "phot_g_mean_mag < 12 AND _healpix_29 + 0 >= 0").await;
    assert_eq!((p, sel), (b3, total));
}

#[tokio::test]
async fn row_groups_are_pruned_inside_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    // Few big partitions with many 500-row groups.
    let summary = synthetic_catalog(&out, 20_000, 50_000);
    let (ctx, _) = session_with(&out);
    let (p, n) = *summary.partitions.iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(n > 3_000, "want a partition of many row groups, biggest has {n}");
    let r = p.range29();
    let narrow = (r.start + (r.end - r.start) / 2, r.start + (r.end - r.start) / 2 + (r.end - r.start) / 200);
    let sql = format!("SELECT count(*) FROM t WHERE _healpix_29 BETWEEN {} AND {}", narrow.0, narrow.1);
    let df = ctx.sql(&sql).await.unwrap();
    let plan = df.create_physical_plan().await.unwrap();
    let _ = datafusion::physical_plan::collect(plan.clone(), ctx.task_ctx()).await.unwrap();
    let s = summarize(&plan);
    assert_eq!(s.files, 1);
    // The row groups outside the range are skipped by the HEALPix access plan (from _metadata)
    // before DataFusion's statistics pruning sees the rest.
    let pruned = s.row_groups_pruned;
    let read = (n as usize).div_ceil(500) - pruned;
    assert!(pruned as u64 >= n / 500 - 2 && read <= 2, "row groups pruned {pruned}, read {read}: {:?}", s.metrics);
    assert!(s.metrics.get(hats::provider::metric::ROW_GROUPS_PRUNED).copied().unwrap_or(0) > 0, "{:?}", s.metrics);
    assert!(s.rows_scanned <= 1_000, "{s:?}");
}
