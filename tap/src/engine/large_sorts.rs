//! Sorts whose row limit is too large to keep in memory become sorts that can spill.
//!
//! Every /sync query and async job carries MAXREC + 1 as a limit, which DataFusion pushes into an
//! ORDER BY: the sort becomes a TopK that keeps `fetch` rows in memory and cannot spill. That is
//! the best plan for `TOP 10`, but with a large MAXREC the TopK alone can need more than the
//! query may hold, and the query fails where a full sort would have spilled to disk and
//! finished. So a TopK whose rows would take more than [`SpillableLargeSorts::max_topk_bytes`]
//! is replaced by a sort without a limit (external: it spills) under the same limit.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::limit::{GlobalLimitExec, LocalLimitExec};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::ExecutionPlan;

/// Assumed size of a value without a fixed width (strings, arrays), in bytes.
const VARIABLE_WIDTH_BYTES: usize = 64;

/// The rule; `max_topk_bytes` is a share of the per-query memory budget.
#[derive(Debug)]
pub(super) struct SpillableLargeSorts {
    pub(super) max_topk_bytes: usize,
}

impl PhysicalOptimizerRule for SpillableLargeSorts {
    fn name(&self) -> &str {
        "astrotap_spillable_large_sorts"
    }

    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, _config: &ConfigOptions) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(sort) = node.downcast_ref::<SortExec>() else { return Ok(Transformed::no(node)) };
            let Some(fetch) = sort.fetch() else { return Ok(Transformed::no(node)) };
            if fetch.saturating_mul(estimated_row_bytes(&sort.schema())) <= self.max_topk_bytes {
                return Ok(Transformed::no(node));
            }
            let full: Arc<dyn ExecutionPlan> = Arc::new(sort.with_fetch(None));
            // Per partition when the sort keeps partitions (a merge with its own fetch sits above).
            let limited: Arc<dyn ExecutionPlan> = if sort.preserve_partitioning() {
                Arc::new(LocalLimitExec::new(full, fetch))
            } else {
                Arc::new(GlobalLimitExec::new(full, 0, Some(fetch)))
            };
            Ok(Transformed::yes(limited))
        })
        .map(|t| t.data)
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// A rough in-memory size of one row of `schema`.
fn estimated_row_bytes(schema: &Schema) -> usize {
    schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Boolean => 1,
            t => t.primitive_width().unwrap_or(VARIABLE_WIDTH_BYTES),
        })
        .sum::<usize>()
        .max(1)
}
