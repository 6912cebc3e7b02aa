//! From candidate pairs to output rows: the join's own condition (the exact distance test and
//! any other conjunct, e.g. `a.source_id < b.source_id`) decides which candidates are pairs,
//! exactly as the nested-loop join it replaces would; outer joins add unmatched rows with NULLs.

use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, Array, ArrayRef, BooleanArray, UInt32Array};
use datafusion::arrow::compute::{filter, take};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::{internal_err, JoinSide, JoinType, Result as DfResult};
use datafusion::physical_plan::joins::utils::JoinFilter;

/// The join's shape, shared by all partitions of one crossmatch.
#[derive(Debug, Clone)]
pub struct Rows {
    /// The join condition, over its intermediate schema.
    pub filter: JoinFilter,
    /// Inner, Left (build rows kept) or Right (probe rows kept).
    pub join_type: JoinType,
    /// Build fields then probe fields, with outer-join nullability.
    pub join_schema: SchemaRef,
    /// The columns of `join_schema` output, if not all.
    pub projection: Option<Vec<usize>>,
}

impl Rows {
    /// The candidates (build row, probe row) for which the join condition is true.
    pub fn keep(
        &self,
        build: &RecordBatch,
        probe: &RecordBatch,
        b: UInt32Array,
        p: UInt32Array,
    ) -> DfResult<(UInt32Array, UInt32Array)> {
        if b.is_empty() {
            return Ok((b, p));
        }
        let columns = self
            .filter
            .column_indices()
            .iter()
            .map(|c| match c.side {
                JoinSide::Left => Ok(take(build.column(c.index), &b, None)?),
                JoinSide::Right => Ok(take(probe.column(c.index), &p, None)?),
                JoinSide::None => internal_err!("crossmatch: a join condition column of neither input"),
            })
            .collect::<DfResult<Vec<ArrayRef>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(b.len()));
        let pairs = RecordBatch::try_new_with_options(Arc::clone(self.filter.schema()), columns, &options)?;
        let verdict = self.filter.expression().evaluate(&pairs)?.into_array(b.len())?;
        let Some(mask) = verdict.as_any().downcast_ref::<BooleanArray>() else {
            return internal_err!("crossmatch: the join condition is not boolean");
        };
        // `filter` drops NULL verdicts, as a join drops unknown conditions.
        let kept_b = filter(&b, mask)?;
        let kept_p = filter(&p, mask)?;
        let as_u32 = |a: ArrayRef| a.as_any().downcast_ref::<UInt32Array>().cloned();
        match (as_u32(kept_b), as_u32(kept_p)) {
            (Some(b), Some(p)) => Ok((b, p)),
            _ => internal_err!("crossmatch: filtered indices changed type"),
        }
    }

    /// Output rows: the build rows `b` beside the probe rows `p`; a missing side is NULL (the
    /// unmatched rows of an outer join). `n` is the row count.
    pub fn output(
        &self,
        build: &RecordBatch,
        probe: &RecordBatch,
        b: Option<&UInt32Array>,
        p: Option<&UInt32Array>,
        n: usize,
    ) -> DfResult<RecordBatch> {
        let fields = self.join_schema.fields();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let (input, rows, at) = if i < build.num_columns() {
                (build, b, i)
            } else {
                (probe, p, i - build.num_columns())
            };
            columns.push(match rows {
                Some(rows) => take(input.column(at), rows, None)?,
                None => new_null_array(field.data_type(), n),
            });
        }
        let options = RecordBatchOptions::new().with_row_count(Some(n));
        let joined = RecordBatch::try_new_with_options(Arc::clone(&self.join_schema), columns, &options)?;
        match &self.projection {
            Some(columns) => Ok(joined.project(columns)?),
            None => Ok(joined),
        }
    }

    /// Whether unmatched build rows are output (after every probe partition has finished).
    pub fn keeps_build_rows(&self) -> bool {
        self.join_type == JoinType::Left
    }

    /// Whether unmatched probe rows are output (after each probe batch).
    pub fn keeps_probe_rows(&self) -> bool {
        self.join_type == JoinType::Right
    }
}
