//! What a query's scans touched: files opened, row groups pruned and rows read, collected from an
//! executed physical plan's metrics (the numbers `EXPLAIN ANALYZE` prints).

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::ExecutionPlan;

/// Totals over every file scan in a plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanSummary {
    /// Files the scans were planned to read (after HATS file pruning).
    pub files: usize,
    /// Rows the scans produced (after row-group and page pruning, before exact filters).
    pub rows_scanned: usize,
    /// All scan metrics by name, summed (e.g. `row_groups_pruned_statistics.pruned`, `bytes_scanned`).
    pub metrics: BTreeMap<String, usize>,
}

/// Walks `plan` (after execution, for metrics) and sums what its file scans did.
pub fn summarize(plan: &Arc<dyn ExecutionPlan>) -> ScanSummary {
    let mut s = ScanSummary::default();
    visit(plan, &mut s);
    s
}

fn visit(plan: &Arc<dyn ExecutionPlan>, s: &mut ScanSummary) {
    if let Some(ds) = plan.downcast_ref::<DataSourceExec>() {
        if let Some(cfg) = ds.data_source().downcast_ref::<FileScanConfig>() {
            s.files += cfg.file_groups.iter().map(|g| g.len()).sum::<usize>();
            if let Some(m) = plan.metrics() {
                s.rows_scanned += m.output_rows().unwrap_or(0);
                for metric in m.iter() {
                    match metric.value() {
                        // Pruning counters carry two numbers: what was skipped and what was kept.
                        MetricValue::PruningMetrics { name, pruning_metrics } => {
                            *s.metrics.entry(format!("{name}.pruned")).or_default() += pruning_metrics.pruned();
                            *s.metrics.entry(format!("{name}.matched")).or_default() += pruning_metrics.matched();
                        }
                        v => *s.metrics.entry(v.name().to_string()).or_default() += v.as_usize(),
                    }
                }
            }
        }
    }
    for child in plan.children() {
        visit(child, s);
    }
}
