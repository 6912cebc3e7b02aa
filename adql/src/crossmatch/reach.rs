//! Reading only the probe partitions the build side can reach. When the probe positions are the
//! partitioning columns of a HATS scan and the join keeps no unmatched probe rows, a probe file
//! whose margin (its pixel widened by the radius, [`healpix::margin`]) holds no build position
//! can give no pair, so it is not read. This is what lets "my list of a hundred stars x Gaia"
//! read a handful of Gaia's thousands of partitions, as an index would, whatever the list's
//! column names: the positions are the ones the query's POINTs name.
//!
//! The build side must be known first, so which files are read is decided at run time, once per
//! execution, by the first probe partition that asks; the files reached are then dealt
//! round-robin to the output partitions (neighbouring partitions, of similar density, go to
//! different ones).

use std::sync::Arc;

use datafusion::common::{JoinType, Result as DfResult};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{EmptyRecordBatchStream, ExecutionPlan, SendableRecordBatchStream};
use healpix::{healpix29, margin, SkyPartition};
use tokio::sync::OnceCell;

use super::align::{partitions_of, restrict};
use super::build::{f64_values, BuildSide};
use super::keys::{MatchKeys, Radius};
use super::units::one_partition;

/// The probe input and its partitions (module documentation).
#[derive(Debug)]
pub struct ProbeReach {
    plan: Arc<dyn ExecutionPlan>,
    files: Vec<(PartitionedFile, SkyPartition)>,
    /// Decided once per execution (the other partitions wait for it, as for the build side).
    reached: OnceCell<Vec<PartitionedFile>>,
}

/// What one probe partition reads.
pub struct ProbeShare {
    /// Its rows.
    pub stream: SendableRecordBatchStream,
    /// HATS partitions it reads.
    pub read: usize,
    /// HATS partitions no probe partition reads (reported by the one that decided).
    pub skipped: Option<usize>,
}

impl ProbeReach {
    /// The reach of a crossmatch of `probe` on `keys`, if it applies (module documentation).
    pub fn of(probe: &Arc<dyn ExecutionPlan>, keys: &MatchKeys, join_type: JoinType) -> Option<Self> {
        if !matches!(join_type, JoinType::Inner | JoinType::Left) || matches!(keys.radius, Radius::Probe(_)) {
            return None;
        }
        let files = partitions_of(probe, &keys.probe)?.files;
        (files.len() >= 2).then(|| ProbeReach { plan: Arc::clone(probe), files, reached: OnceCell::new() })
    }

    /// HATS partitions of the probe scan.
    pub fn partitions(&self) -> usize {
        self.files.len()
    }

    /// The rows of output partition `partition` of `partitions`, once `build` is known.
    pub async fn share(
        &self,
        build: &BuildSide,
        keys: &MatchKeys,
        partition: usize,
        partitions: usize,
        context: &Arc<TaskContext>,
    ) -> DfResult<ProbeShare> {
        let mut decided = false;
        let reached = self
            .reached
            .get_or_try_init(|| async {
                decided = true;
                self.reached_by(build, keys)
            })
            .await?;
        let skipped = decided.then(|| self.files.len() - reached.len());
        let mine: Vec<PartitionedFile> = reached.iter().skip(partition).step_by(partitions.max(1)).cloned().collect();
        let stream = if mine.is_empty() {
            Box::pin(EmptyRecordBatchStream::new(self.plan.schema())) as SendableRecordBatchStream
        } else {
            one_partition(restrict(&self.plan, &mine)?).execute(0, Arc::clone(context))?
        };
        Ok(ProbeShare { stream, read: mine.len(), skipped })
    }

    /// The probe files whose margin holds a build position.
    fn reached_by(&self, build: &BuildSide, keys: &MatchKeys) -> DfResult<Vec<PartitionedFile>> {
        let radius = match keys.radius {
            Radius::Constant(r) => r,
            _ => build.largest_radius,
        };
        let lon = f64_values(&keys.build.lon, &build.batch)?;
        let lat = f64_values(&keys.build.lat, &build.batch)?;
        let mut at: Vec<u64> = lon
            .iter()
            .zip(lat.iter())
            .filter_map(|(l, b)| healpix29(l?, b?))
            .collect();
        at.sort_unstable();
        at.dedup();
        let holds = |r: &std::ops::Range<u64>| {
            let first = at.partition_point(|&h| h < r.start);
            at.get(first).is_some_and(|&h| h < r.end)
        };
        Ok(self
            .files
            .iter()
            .filter(|(_, p)| margin(p.order, p.npix, radius).ranges().iter().any(holds))
            .map(|(f, _)| f.clone())
            .collect())
    }
}
