//! `CrossmatchExec`: a positional crossmatch join. It replaces a nested-loop join whose
//! condition holds a crossmatch conjunct (see [`super::keys`]) and gives the same rows: the
//! build (left) input is collected once, bucketed by HEALPix cell at an order chosen from the
//! radius; each probe (right) row looks up only the cells its cone can touch; the candidates
//! then pass the join's own condition. Inner, LEFT (build rows kept) and RIGHT (probe rows
//! kept) joins. Two HATS catalogues are joined a sky patch at a time instead (partition-aligned,
//! [`super::align`]), which bounds memory by a patch rather than by the build table.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{internal_err, JoinType, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, Partitioning, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::joins::utils::{build_join_schema, JoinFilter};
use datafusion::physical_plan::metrics::{ExecutionPlanMetricsSet, MetricBuilder, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, PlanProperties, SendableRecordBatchStream};

use super::align::{align, AlignOptions, Alignment};
use super::keys::{MatchKeys, Radius};
use super::reach::ProbeReach;
use super::rows::Rows;
use super::stream::{PairMetrics, PairStream, Probe, Shared};
use super::units::{UnitPlans, UnitStream};

/// See the module documentation.
#[derive(Debug)]
pub struct CrossmatchExec {
    probe: Arc<dyn ExecutionPlan>,
    /// The build input, keys, condition and output shape (what every partition reads).
    shared: Arc<Shared>,
    /// When both inputs are HATS catalogues partitioned on the match positions: the sky
    /// patches, and the inputs each is joined from.
    aligned: Option<(Alignment, Arc<UnitPlans>)>,
    /// Otherwise, when the probe input is a HATS catalogue partitioned on the match position:
    /// its partitions, of which only those the build side reaches are read.
    reach: Option<Arc<ProbeReach>>,
    /// What decides alignment (kept to decide again for new children).
    align_options: Option<AlignOptions>,
    target_partitions: usize,
    metrics: ExecutionPlanMetricsSet,
    properties: Arc<PlanProperties>,
}

impl CrossmatchExec {
    /// A crossmatch of `build` (left) and `probe` (right) on `filter`, whose crossmatch conjunct
    /// gave `keys`; `projection` as on the nested-loop join it replaces. With `align_options`,
    /// partition-aligned when [`align`] finds the inputs suited, over at most
    /// `target_partitions` output partitions.
    pub fn try_new(
        build: Arc<dyn ExecutionPlan>,
        probe: Arc<dyn ExecutionPlan>,
        keys: MatchKeys,
        filter: JoinFilter,
        join_type: JoinType,
        projection: Option<Vec<usize>>,
        align_options: Option<(AlignOptions, usize)>,
    ) -> DfResult<Self> {
        if !Self::supports(join_type) {
            return internal_err!("CrossmatchExec: unsupported join type {join_type}");
        }
        let (join_schema, _) = build_join_schema(&build.schema(), &probe.schema(), &join_type);
        let join_schema: SchemaRef = Arc::new(join_schema);
        let schema = match &projection {
            Some(p) => Arc::new(join_schema.project(p)?),
            None => Arc::clone(&join_schema),
        };
        let alignment = align_options.and_then(|(o, _)| align(&build, &probe, &keys, join_type, &o));
        let probe_partitions = probe.properties().partitioning.partition_count();
        let output_partitions = match (&alignment, align_options) {
            (Some(a), Some((_, target))) => target.clamp(1, a.units.len().max(1)),
            _ => probe_partitions,
        };
        let emission = if join_type == JoinType::Left { EmissionType::Both } else { EmissionType::Incremental };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(output_partitions),
            emission,
            Boundedness::Bounded,
        );
        let rows = Rows { filter, join_type, join_schema, projection };
        let aligned = alignment.map(|a| {
            let plans = UnitPlans { build: Arc::clone(&build), probe: Arc::clone(&probe), keys: keys.clone(), rows: rows.clone() };
            (a, Arc::new(plans))
        });
        let reach = match &aligned {
            Some(_) => None,
            None => ProbeReach::of(&probe, &keys, join_type).map(Arc::new),
        };
        let shared = Arc::new(Shared::new(build, keys, rows, probe_partitions));
        Ok(CrossmatchExec {
            probe,
            shared,
            aligned,
            reach,
            align_options: align_options.map(|(o, _)| o),
            target_partitions: align_options.map_or(1, |(_, t)| t),
            metrics: ExecutionPlanMetricsSet::new(),
            properties: Arc::new(properties),
        })
    }

    /// The join types the operator implements.
    pub fn supports(join_type: JoinType) -> bool {
        matches!(join_type, JoinType::Inner | JoinType::Left | JoinType::Right)
    }
}

impl DisplayAs for CrossmatchExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (keys, rows) = (&self.shared.keys, &self.shared.rows);
        let radius = match &keys.radius {
            Radius::Constant(r) => format!("{r} deg (order {})", healpix::order_for_radius(*r)),
            Radius::Build(e) => format!("left {e}"),
            Radius::Probe(e) => format!("right {e}"),
        };
        write!(
            f,
            "CrossmatchExec: join_type={}, left=({}, {}), right=({}, {}), radius={radius}, filter={}",
            rows.join_type,
            keys.build.lon,
            keys.build.lat,
            keys.probe.lon,
            keys.probe.lat,
            rows.filter.expression()
        )?;
        if let Some(p) = &rows.projection {
            write!(f, ", projection={p:?}")?;
        }
        if let Some((a, _)) = &self.aligned {
            let probe_reads: usize = a.units.iter().map(|u| u.probe.len()).sum();
            write!(f, ", aligned={} sky patches ({probe_reads} probe partition reads)", a.units.len())?;
        }
        if let Some(r) = &self.reach {
            write!(f, ", probe=partitions within reach of the left side (of {})", r.partitions())?;
        }
        Ok(())
    }
}

impl ExecutionPlan for CrossmatchExec {
    fn name(&self) -> &str {
        "CrossmatchExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::SinglePartition, Distribution::UnspecifiedDistribution]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false, false]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.shared.plan, &self.probe]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        f(self.shared.rows.filter.expression())
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [build, probe] = children.as_slice() else {
            return internal_err!("CrossmatchExec takes two children, got {}", children.len());
        };
        // A new `Shared`: the build side of one execution is never reused by another.
        let (keys, rows) = (&self.shared.keys, &self.shared.rows);
        Ok(Arc::new(CrossmatchExec::try_new(
            Arc::clone(build),
            Arc::clone(probe),
            keys.clone(),
            rows.filter.clone(),
            rows.join_type,
            rows.projection.clone(),
            self.align_options.map(|o| (o, self.target_partitions)),
        )?))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let counter = |name: &'static str| MetricBuilder::new(&self.metrics).counter(name, partition);
        let metrics = PairMetrics {
            build_rows: counter("build_rows"),
            pairs_tested: counter("pairs_tested"),
            pairs_kept: counter("pairs_kept"),
            partitions_joined: counter("partitions_joined"),
            probe_partitions_read: counter("probe_partitions_read"),
            probe_partitions_skipped: counter("probe_partitions_skipped"),
            output_rows: MetricBuilder::new(&self.metrics).output_rows(partition),
        };
        if let Some((alignment, plans)) = &self.aligned {
            // Units dealt round-robin: neighbouring patches (similar density) go to different
            // partitions, which evens the work out.
            let n = self.properties.partitioning.partition_count();
            let mine = alignment.units.iter().skip(partition).step_by(n.max(1)).cloned().collect();
            let units = UnitStream::new(Arc::clone(plans), mine, context, metrics);
            let stream = futures::stream::try_unfold(units, |mut units| async move {
                Ok(units.next_batch().await?.map(|batch| (batch, units)))
            });
            return Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), stream)));
        }
        let probe = match &self.reach {
            Some(reach) => Probe::Reach {
                reach: Arc::clone(reach),
                partition,
                partitions: self.properties.partitioning.partition_count(),
            },
            None => Probe::Stream(self.probe.execute(partition, Arc::clone(&context))?),
        };
        let pairs = PairStream::new(Arc::clone(&self.shared), context, probe, self.probe.schema(), metrics);
        let stream = futures::stream::try_unfold(pairs, |mut pairs| async move {
            Ok(pairs.next_batch().await?.map(|batch| (batch, pairs)))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), stream)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}
