//! From the filters DataFusion pushes into a HATS scan to the set of `_healpix_29` ranges the
//! scan must read.
//!
//! The ADQL rewrite hands spatial constraints over as a typed [`RangeFilter`] whose ranges are a
//! value (see `astrotap-healpix`). Predicates a user writes on the index column directly
//! (`"_healpix_29" BETWEEN a AND b`, comparisons, IN lists, AND/OR of them) also prune. The
//! analysis is conservative: anything it does not understand means "all of the sky", so
//! pruning can only ever skip files that provably hold no matching row.
//!
//! [`RangeFilter`]: healpix::RangeFilter

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};

use crate::healpix::{npix, range_filter_of, RangeSet, INDEX_ORDER};

/// The ranges allowed by a conjunction of filters on column `index_col`.
pub fn ranges_from_filters(filters: &[Expr], index_col: &str) -> RangeSet {
    filters.iter().fold(RangeSet::all(), |acc, f| acc.intersect(&ranges_of(f, index_col)))
}

/// Whether `e` is a typed range filter on `index_col`: the scan applies it by pruning alone.
pub fn is_range_filter(e: &Expr, index_col: &str) -> bool {
    range_filter_of(e).is_some_and(|(c, _)| c.name == index_col)
}

fn ranges_of(e: &Expr, col: &str) -> RangeSet {
    if let Some((c, ranges)) = range_filter_of(e) {
        return if c.name == col { ranges.clone() } else { RangeSet::all() };
    }
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::And, right }) => ranges_of(left, col).intersect(&ranges_of(right, col)),
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Or, right }) => ranges_of(left, col).union(&ranges_of(right, col)),
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            if let (true, Some(v)) = (is_index(left, col), literal(right)) {
                comparison(*op, v)
            } else if let (Some(v), true) = (literal(left), is_index(right, col)) {
                op.swap().map_or_else(RangeSet::all, |op| comparison(op, v))
            } else {
                RangeSet::all()
            }
        }
        Expr::Between(Between { expr, negated: false, low, high }) if is_index(expr, col) => match (literal(low), literal(high)) {
            (Some(lo), Some(hi)) if lo <= hi => clip(lo, hi.saturating_add(1)),
            (Some(_), Some(_)) => RangeSet::empty(),
            _ => RangeSet::all(),
        },
        Expr::InList(il) if !il.negated && is_index(&il.expr, col) => {
            let mut ranges = Vec::with_capacity(il.list.len());
            for item in &il.list {
                match literal(item) {
                    Some(v) if v >= 0 => ranges.push(v as u64..v as u64 + 1),
                    Some(_) => {}
                    None => return RangeSet::all(),
                }
            }
            RangeSet::from_ranges(ranges)
        }
        _ => RangeSet::all(),
    }
}

fn comparison(op: Operator, v: i128) -> RangeSet {
    match op {
        Operator::Eq => clip(v, v + 1),
        Operator::Lt => clip(i128::MIN, v),
        Operator::LtEq => clip(i128::MIN, v + 1),
        Operator::Gt => clip(v + 1, i128::MAX),
        Operator::GtEq => clip(v, i128::MAX),
        _ => RangeSet::all(),
    }
}

fn clip(lo: i128, hi: i128) -> RangeSet {
    let max = npix(INDEX_ORDER) as i128;
    let (lo, hi) = (lo.clamp(0, max), hi.clamp(0, max));
    if lo < hi { RangeSet::from_ranges([lo as u64..hi as u64]) } else { RangeSet::empty() }
}

fn is_index(e: &Expr, col: &str) -> bool {
    match e {
        Expr::Column(c) => c.name == col,
        // A widening integer cast keeps the ordering, so comparisons still bound the column.
        Expr::Cast(c) if c.field.data_type().is_integer() => is_index(&c.expr, col),
        Expr::TryCast(c) if c.field.data_type().is_integer() => is_index(&c.expr, col),
        _ => false,
    }
}

fn literal(e: &Expr) -> Option<i128> {
    match e {
        Expr::Literal(v, _) => match v {
            ScalarValue::Int8(Some(x)) => Some(*x as i128),
            ScalarValue::Int16(Some(x)) => Some(*x as i128),
            ScalarValue::Int32(Some(x)) => Some(*x as i128),
            ScalarValue::Int64(Some(x)) => Some(*x as i128),
            ScalarValue::UInt8(Some(x)) => Some(*x as i128),
            ScalarValue::UInt16(Some(x)) => Some(*x as i128),
            ScalarValue::UInt32(Some(x)) => Some(*x as i128),
            ScalarValue::UInt64(Some(x)) => Some(*x as i128),
            _ => None,
        },
        Expr::Cast(c) => literal(&c.expr),
        Expr::TryCast(c) => literal(&c.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::healpix::RangeFilter;
    use datafusion::prelude::{col, lit};

    const C: &str = "_healpix_29";

    #[test]
    fn comparisons_between_and_in() {
        let f = col(C).gt_eq(lit(100i64)).and(col(C).lt(lit(200i64)));
        assert_eq!(ranges_from_filters(&[f], C).ranges(), &[100..200]);
        let f = col(C).between(lit(5i64), lit(9i64));
        assert_eq!(ranges_from_filters(&[f], C).ranges(), &[5..10]);
        let f = col(C).in_list(vec![lit(3i64), lit(4i64), lit(10i64)], false);
        assert_eq!(ranges_from_filters(&[f], C).ranges(), &[3..5, 10..11]);
        // Literal on the left.
        let f = lit(50i64).gt(col(C));
        assert_eq!(ranges_from_filters(&[f], C).ranges(), &[0..50]);
    }

    #[test]
    fn ors_of_ranges_and_unrelated_predicates() {
        let r = |a: i64, b: i64| col(C).gt_eq(lit(a)).and(col(C).lt(lit(b)));
        let f = r(10, 20).or(r(15, 30)).or(r(100, 110));
        let other = col("ra").gt(lit(3.0));
        assert_eq!(ranges_from_filters(&[f.clone(), other.clone()], C).ranges(), &[10..30, 100..110]);
        // OR with an unknown predicate must not prune anything.
        assert!(ranges_from_filters(&[f.or(other)], C).is_all());
        // NOT, !=, and negated IN are not understood: everything.
        assert!(ranges_from_filters(&[col(C).not_eq(lit(3i64))], C).is_all());
        assert!(ranges_from_filters(&[col(C).in_list(vec![lit(1i64)], true)], C).is_all());
        // Contradictions prune everything.
        assert!(ranges_from_filters(&[col(C).lt(lit(0i64))], C).ranges().is_empty());
        assert!(ranges_from_filters(&[col(C).between(lit(9i64), lit(5i64))], C).ranges().is_empty());
    }

    #[test]
    fn typed_range_filters_are_read_as_values() {
        let typed = RangeFilter::new(1, RangeSet::from_ranges(vec![10..20, 50..60])).into_udf();
        let f = typed.call(vec![col(C)]);
        assert!(is_range_filter(&f, C) && !is_range_filter(&f, "other"));
        let narrowed = col(C).lt(lit(55i64));
        assert_eq!(ranges_from_filters(&[f.clone(), narrowed], C).ranges(), &[10..20, 50..55]);
        // On another column it says nothing about this one.
        let elsewhere = typed.call(vec![col("other")]);
        assert!(ranges_from_filters(&[elsewhere], C).is_all());
        // Inside an OR it still unites.
        let g = f.or(col(C).eq(lit(100i64)));
        assert_eq!(ranges_from_filters(&[g], C).ranges(), &[10..20, 50..60, 100..101]);
    }
}
