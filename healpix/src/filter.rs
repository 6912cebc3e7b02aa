//! [`RangeFilter`]: spatial pruning carried as a value.
//!
//! The ADQL rewrite turns a spatial predicate on a HATS table's indexed position into
//! `range_filter(_healpix_29) AND exact_geometry_test(...)`, where the range filter is a
//! DataFusion scalar function whose *instance* holds the [`RangeSet`] covering the region. The
//! HATS table provider recognises it among the pushed-down filters ([`range_filter_of`]) and
//! reads the ranges directly to skip files and row groups; nothing is printed as SQL or parsed
//! back. Because the coverage is a superset of the region and the exact test stands beside it in
//! the same conjunction, the scan may hand back rows outside the ranges: the provider declares
//! the filter handled and the exact geometry kernel is the only per-row test. Evaluated anywhere
//! else (a table that does not prune, a filter the optimizer could not push down), the function
//! is an exact membership test, so results never depend on where it ends up.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{exec_err, Column, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::ranges::RangeSet;

/// `name(index_column) -> BOOLEAN`: whether the order-29 index is in the ranges.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RangeFilter {
    name: String,
    ranges: RangeSet,
    signature: Signature,
}

impl RangeFilter {
    /// A filter over `ranges`. `tag` makes the function name unique within one plan (several
    /// regions in one query each get their own), and the name summarises the ranges so that
    /// EXPLAIN stays readable: `healpix_ranges_1[3 ranges, 0.0125% of the sky]`.
    pub fn new(tag: usize, ranges: RangeSet) -> Self {
        RangeFilter {
            name: format!("healpix_ranges_{tag}[{ranges}]"),
            ranges,
            signature: Signature::exact(vec![DataType::Int64], Volatility::Immutable),
        }
    }

    /// The ranges the filter admits.
    pub fn ranges(&self) -> &RangeSet {
        &self.ranges
    }

    /// As a DataFusion scalar function, ready to register in a (per-query) session state.
    pub fn into_udf(self) -> Arc<ScalarUDF> {
        Arc::new(ScalarUDF::new_from_impl(self))
    }
}

impl ScalarUDFImpl for RangeFilter {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let member = |v: i64| u64::try_from(v).is_ok_and(|h| self.ranges.contains(h));
        match args.args.as_slice() {
            [ColumnarValue::Array(a)] if a.data_type() == &DataType::Int64 => {
                let ints = a.as_primitive::<Int64Type>();
                let out: BooleanArray = ints.iter().map(|v| v.map(member)).collect();
                Ok(ColumnarValue::Array(Arc::new(out)))
            }
            [ColumnarValue::Scalar(ScalarValue::Int64(v))] => {
                Ok(ColumnarValue::Scalar(ScalarValue::Boolean(v.map(member))))
            }
            other => exec_err!("{}: expected one BIGINT argument, got {} argument(s)", self.name, other.len()),
        }
    }
}

/// If `expr` is a [`RangeFilter`] call on a plain column, that column and the ranges.
pub fn range_filter_of(expr: &Expr) -> Option<(&Column, &RangeSet)> {
    let Expr::ScalarFunction(f) = expr else { return None };
    let filter = f.func.inner().downcast_ref::<RangeFilter>()?;
    match f.args.as_slice() {
        [Expr::Column(c)] => Some((c, filter.ranges())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::Field;
    use datafusion::common::config::ConfigOptions;
    use datafusion::prelude::col;

    #[test]
    fn evaluates_membership_and_is_found_in_expressions() {
        let udf = RangeFilter::new(3, RangeSet::from_ranges(vec![10..20, 40..41])).into_udf();
        assert_eq!(udf.name(), "healpix_ranges_3[2 ranges, 0.0000% of the sky]");
        let input = Int64Array::from(vec![Some(9), Some(10), Some(19), Some(20), Some(40), None, Some(-1)]);
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(Arc::new(input))],
            arg_fields: vec![Arc::new(Field::new("h", DataType::Int64, true))],
            number_rows: 7,
            return_field: Arc::new(Field::new("f", DataType::Boolean, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let out = udf.invoke_with_args(args).expect("evaluates");
        let ColumnarValue::Array(a) = out else { panic!("array expected") };
        let got: Vec<Option<bool>> = a.as_boolean().iter().collect();
        assert_eq!(got, vec![Some(false), Some(true), Some(true), Some(false), Some(true), None, Some(false)]);

        let e = udf.call(vec![col("_healpix_29")]);
        let (c, r) = range_filter_of(&e).expect("recognised");
        assert_eq!(c.name, "_healpix_29");
        assert_eq!(r.ranges(), &[10..20, 40..41]);
        assert!(range_filter_of(&col("_healpix_29")).is_none());
    }
}
