//! What a query's scans touched: files opened, row groups pruned and rows read, collected from an
//! executed physical plan's metrics (the numbers `EXPLAIN ANALYZE` prints), so they are those of
//! one query even when others run on the same tables.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::ExecutionPlan;

use crate::provider::metric;

/// Totals over every file scan in a plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanSummary {
    /// Files the scans were planned to read (after HATS file pruning).
    pub files: usize,
    /// Files in the scanned catalogs (0 for a scan that HEALPix pruning emptied entirely,
    /// which is planned as an empty relation).
    pub files_total: usize,
    /// Row groups skipped, by HEALPix ranges and by DataFusion's statistics pruning together.
    pub row_groups_pruned: usize,
    /// Rows the scans produced (after row-group and page pruning, before exact filters).
    pub rows_scanned: usize,
    /// All scan metrics by name, summed (e.g. `row_groups_pruned_statistics.pruned`, `bytes_scanned`).
    pub metrics: BTreeMap<String, usize>,
}

/// Walks `plan` (after execution, for metrics) and sums what its file scans did.
pub fn summarize(plan: &Arc<dyn ExecutionPlan>) -> ScanSummary {
    let mut s = ScanSummary::default();
    visit(plan, &mut s);
    let get = |k: &str| s.metrics.get(k).copied().unwrap_or(0);
    s.files_total = get(metric::FILES_TOTAL);
    s.row_groups_pruned = get(metric::ROW_GROUPS_PRUNED) + get("row_groups_pruned_statistics.pruned");
    s
}

/// Sums saturate: some metrics (timestamps in nanoseconds) are near `usize::MAX / 4` already.
fn add(metrics: &mut BTreeMap<String, usize>, name: String, v: usize) {
    let slot = metrics.entry(name).or_default();
    *slot = slot.saturating_add(v);
}

fn visit(plan: &Arc<dyn ExecutionPlan>, s: &mut ScanSummary) {
    if let Some(ds) = plan.downcast_ref::<DataSourceExec>() {
        if let Some(cfg) = ds.data_source().downcast_ref::<FileScanConfig>() {
            // DataFusion may split one large file into byte ranges of several groups: count
            // each file once.
            let paths: std::collections::HashSet<_> =
                cfg.file_groups.iter().flat_map(|g| g.files().iter().map(|f| f.object_meta.location.clone())).collect();
            s.files += paths.len();
            if let Some(m) = plan.metrics() {
                s.rows_scanned += m.output_rows().unwrap_or(0);
                for metric in m.iter() {
                    match metric.value() {
                        // Pruning counters carry two numbers: what was skipped and what was kept.
                        MetricValue::PruningMetrics { name, pruning_metrics } => {
                            add(&mut s.metrics, format!("{name}.pruned"), pruning_metrics.pruned());
                            add(&mut s.metrics, format!("{name}.matched"), pruning_metrics.matched());
                        }
                        v => add(&mut s.metrics, v.name().to_string(), v.as_usize()),
                    }
                }
            }
        }
    }
    for child in plan.children() {
        visit(child, s);
    }
}
