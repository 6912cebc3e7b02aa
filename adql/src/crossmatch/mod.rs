//! Positional crossmatch as a planned operator.
//!
//! The spatial rewrite turns every crossmatch spelling (CONTAINS of a point in a circle centred
//! on another table's position, DISTANCE between two tables' points below a radius) into the
//! per-row cone test `adql_in_cone(lon, lat, lon0, lat0, r)`. In a join condition DataFusion
//! plans that as a nested-loop join, which tests every pair; [`PlanCrossmatches`] replaces such
//! a join by a [`CrossmatchExec`], which tests only the pairs in neighbouring HEALPix cells:
//!
//! - [`keys`]: finding the crossmatch conjunct and its two positions and radius;
//! - [`index`]: the build side bucketed by cell, and the candidate lookup;
//! - [`build`]: collecting the build input once per execution, under the memory pool;
//! - [`stream`]: one probe partition: candidates, exact test, unmatched rows;
//! - [`rows`]: the exact test (the join's own condition) and the output rows;
//! - [`align`], [`units`]: two HATS catalogues joined a sky patch at a time (partition-aligned,
//!   with margins), so memory is bounded by a patch;
//! - [`reach`]: otherwise, a HATS probe side reads only the partitions within the radius of a
//!   build position (a small list against a large catalogue reads a few files);
//! - [`exec`], [`rule`]: the plan node and the optimizer rule.

pub mod align;
pub mod build;
pub mod exec;
pub mod index;
pub mod keys;
pub mod reach;
pub mod rows;
pub mod rule;
pub mod stream;
pub mod units;

pub use align::AlignOptions;
pub use exec::CrossmatchExec;
pub use rule::PlanCrossmatches;
