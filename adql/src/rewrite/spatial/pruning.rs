//! The pruning half of the spatial rule: when a predicate's point is the position a table's
//! `_healpix_29` column was computed from, a typed range filter on that column whose ranges
//! (the region's HEALPix coverage) travel as a value to the HATS scan (see
//! `healpix::filter`).
//!
//! Equivalence: the coverage is a superset of the region, so `in_ranges AND in_region` ≡
//! `in_region`. The filter is only added to top-level WHERE conjuncts, where a NULL position
//! (in_region NULL) filters the row either way.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;
use datafusion::sql::sqlparser::ast::{Expr, Ident};
use healpix::{RangeFilter, RangeSet, INDEX_COLUMN};

use super::matcher::SpatialPredicate;
use crate::rewrite::ast::call_delimited;
use crate::rewrite::scope::Scope;

/// More ranges than this are coarsened (the smallest gaps bridged): the filter stays a
/// superset, and planning and pruning stay cheap.
pub const MAX_RANGES: usize = 64;

/// A range filter the rewrite placed in the query. Planning registers `udf` in the query's own
/// session state, under its name, so the call in the AST resolves to this very instance.
#[derive(Debug, Clone)]
pub struct PruningFilter {
    /// The filter, holding its ranges.
    pub udf: Arc<ScalarUDF>,
    /// One line for EXPLAIN: table, region, point columns, number of ranges.
    pub description: String,
}

impl PruningFilter {
    /// The (unique within the query) function name the AST calls.
    pub fn name(&self) -> &str {
        self.udf.name()
    }
}

/// The range-filter call for a predicate in a SELECT with `scope`, if the point is the
/// HEALPix-indexed position of one of its tables. `tag` numbers the filters of one query.
pub fn pruning_for(p: &SpatialPredicate, scope: &Scope, tag: usize) -> Option<(Expr, PruningFilter)> {
    if p.negated {
        return None;
    }
    let (i_lon, c_lon) = scope.resolve_column(&p.lon)?;
    let (i_lat, c_lat) = scope.resolve_column(&p.lat)?;
    if i_lon != i_lat {
        return None;
    }
    let item = &scope.items[i_lon];
    let table = item.table.as_ref()?;
    let (ra, dec) = table.healpix_position_columns()?;
    if c_lon != ra || c_lat != dec {
        return None;
    }
    let ranges = RangeSet::from_ranges(p.region.healpix_ranges()?).coarsen(MAX_RANGES);
    let description = format!(
        "{}: {} on ({}, {}) -> {} _healpix_29 range(s), {:.4}% of the sky",
        table.name,
        p.region.describe(),
        c_lon,
        c_lat,
        ranges.len(),
        100.0 * ranges.sky_fraction()
    );
    let udf = RangeFilter::new(tag, ranges).into_udf();
    let hp = Ident::with_quote('"', INDEX_COLUMN);
    // Qualified only when the SELECT has several FROM items (the name is then ambiguous).
    let column = if scope.items.len() > 1 {
        Expr::CompoundIdentifier(vec![item.qualifier.clone(), hp])
    } else {
        Expr::Identifier(hp)
    };
    let call = call_delimited(udf.name(), vec![column]);
    Some((call, PruningFilter { udf, description }))
}
