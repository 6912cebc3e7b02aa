//! The physical optimizer rule that plans crossmatches: a nested-loop join (what DataFusion
//! makes of a join whose condition has no equality) whose condition holds a crossmatch conjunct
//! becomes a [`CrossmatchExec`] over the same inputs, condition and projection. Other joins,
//! and join types the operator does not implement, are left as they are (still correct, only
//! slower).
//!
//! Where both inputs are HATS catalogues partitioned on the match positions and the build side
//! is large ([`AlignOptions`]), the operator joins them a sky patch at a time.
//!
//! It runs after DataFusion's own rules, so the nested-loop join already has its build side on
//! the left (the smaller input, by statistics) as a single partition.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::joins::NestedLoopJoinExec;
use datafusion::physical_plan::ExecutionPlan;

use super::align::AlignOptions;
use super::exec::CrossmatchExec;
use super::keys;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct PlanCrossmatches {
    /// When two HATS catalogues are joined a sky patch at a time ([`super::align`]).
    pub align: AlignOptions,
}

fn crossmatch_of(join: &NestedLoopJoinExec, align: (AlignOptions, usize)) -> DfResult<Option<CrossmatchExec>> {
    if !CrossmatchExec::supports(*join.join_type()) {
        return Ok(None);
    }
    let Some(filter) = join.filter() else { return Ok(None) };
    let Some(keys) = keys::find(filter)? else { return Ok(None) };
    let projection = join.projection().as_ref().map(|p| p.to_vec());
    Ok(Some(CrossmatchExec::try_new(
        Arc::clone(join.left()),
        Arc::clone(join.right()),
        keys,
        filter.clone(),
        *join.join_type(),
        projection,
        Some(align),
    )?))
}

impl PhysicalOptimizerRule for PlanCrossmatches {
    fn name(&self) -> &str {
        "astrotap_plan_crossmatches"
    }

    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, config: &ConfigOptions) -> DfResult<Arc<dyn ExecutionPlan>> {
        let align = (self.align, config.execution.target_partitions);
        plan.transform_up(|node| {
            let Some(join) = node.downcast_ref::<NestedLoopJoinExec>() else { return Ok(Transformed::no(node)) };
            match crossmatch_of(join, align)? {
                Some(x) => Ok(Transformed::yes(Arc::new(x) as Arc<dyn ExecutionPlan>)),
                None => Ok(Transformed::no(node)),
            }
        })
        .map(|t| t.data)
    }

    fn schema_check(&self) -> bool {
        true
    }
}
