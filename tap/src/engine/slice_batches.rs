//! `SliceBatchesExec`: passes its input through in slices of at most `rows` rows (zero-copy).
//!
//! DataFusion's nested-loop join joins each probe batch with the whole buffered build side inside
//! one `poll_next`, and a selective filter (a crossmatch, `a.x + b.x > c`) produces no output to
//! return early with: one poll can then take minutes, and nothing (deadline, ABORT, disconnect,
//! shutdown) can stop the task before it ends. Feeding the join smaller probe batches bounds the
//! work of one poll to about `build rows x rows` pairs; see `cooperative::BoundNestedLoopProbes`.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{Result as DfResult, Statistics};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::CardinalityEffect;
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream};
use futures::{Stream, StreamExt};

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct SliceBatchesExec {
    input: Arc<dyn ExecutionPlan>,
    rows: usize,
}

impl SliceBatchesExec {
    /// Slices `input`'s batches to at most `rows` rows (at least 1).
    pub fn new(input: Arc<dyn ExecutionPlan>, rows: usize) -> Self {
        SliceBatchesExec { input, rows: rows.max(1) }
    }
}

/// `batch` as consecutive slices of at most `rows` rows.
fn slices(batch: RecordBatch, rows: usize) -> Vec<RecordBatch> {
    if batch.num_rows() == 0 {
        return Vec::new();
    }
    if batch.num_rows() <= rows {
        return vec![batch];
    }
    (0..batch.num_rows()).step_by(rows).map(|start| batch.slice(start, rows.min(batch.num_rows() - start))).collect()
}

/// Emits the input's batches in slices, returning `Pending` once before each slice.
///
/// The yield is the point: the join above loops for as long as its input is `Ready`, so slices
/// that were always ready would be joined back to back inside the same poll. Waking itself
/// before `Pending` makes the task go back to the scheduler between slices (a few microseconds
/// per slice of about a million pairs), where a dropped query is really dropped.
struct SliceStream {
    input: SendableRecordBatchStream,
    rows: usize,
    queued: VecDeque<RecordBatch>,
    yielded: bool,
}

impl Stream for SliceStream {
    type Item = DfResult<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(slice) = self.queued.pop_front() {
            self.yielded = false;
            return Poll::Ready(Some(Ok(slice)));
        }
        match self.input.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(batch))) => {
                let rows = self.rows;
                self.queued.extend(slices(batch, rows));
                self.yielded = false;
                match self.queued.pop_front() {
                    Some(slice) => Poll::Ready(Some(Ok(slice))),
                    // An empty input batch: ask again.
                    None => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                }
            }
            other => other,
        }
    }
}

impl DisplayAs for SliceBatchesExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SliceBatchesExec: rows={}", self.rows)
    }
}

impl ExecutionPlan for SliceBatchesExec {
    fn name(&self) -> &str {
        "SliceBatchesExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return Err(datafusion::error::DataFusionError::Internal(format!(
                "SliceBatchesExec takes one child, got {}",
                children.len()
            )));
        }
        Ok(Arc::new(SliceBatchesExec::new(children.swap_remove(0), self.rows)))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let schema = input.schema();
        let sliced = SliceStream { input, rows: self.rows, queued: VecDeque::new(), yielded: false };
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, sliced)))
    }

    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(partition)]
    }

    fn statistics_from_inputs(&self, input_stats: &[Arc<Statistics>], _args: &StatisticsArgs) -> DfResult<Arc<Statistics>> {
        match input_stats.first() {
            Some(s) => Ok(Arc::clone(s)),
            None => Ok(Arc::new(Statistics::new_unknown(&self.schema()))),
        }
    }

    fn supports_limit_pushdown(&self) -> bool {
        true
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int32Array};

    #[test]
    fn slices_cover_the_batch_in_order() {
        let column: ArrayRef = Arc::new(Int32Array::from((0..10).collect::<Vec<i32>>()));
        let batch = RecordBatch::try_from_iter(vec![("x", column)]).expect("batch");
        let parts = slices(batch.clone(), 4);
        assert_eq!(parts.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), vec![4, 4, 2]);
        let joined = datafusion::arrow::compute::concat_batches(&batch.schema(), &parts).expect("concat");
        assert_eq!(joined, batch);
        assert_eq!(slices(batch.clone(), 10).len(), 1);
        assert!(slices(batch.slice(0, 0), 4).is_empty());
    }
}
