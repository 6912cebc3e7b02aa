//! Finding the crossmatch in a join condition: the conjunct `adql_in_cone(lon, lat, lon0, lat0, r)`
//! (what the spatial rewrite makes of every CONTAINS/DISTANCE crossmatch spelling) whose point
//! comes from one input and whose centre comes from the other, and the radius a constant or an
//! expression of one input.

use std::sync::Arc;

use datafusion::arrow::array::{Array, Float64Array};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{JoinSide, Result as DfResult};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr::{split_conjunction, PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_plan::joins::utils::{ColumnIndex, JoinFilter};

use crate::rewrite::spatial::IN_CONE;

/// The crossmatch radius, in degrees.
#[derive(Debug, Clone)]
pub enum Radius {
    /// The same for every pair.
    Constant(f64),
    /// An expression of the build (left) input's columns.
    Build(Arc<dyn PhysicalExpr>),
    /// An expression of the probe (right) input's columns.
    Probe(Arc<dyn PhysicalExpr>),
}

/// A position as two expressions over one input's own schema.
#[derive(Debug, Clone)]
pub struct Position {
    /// Longitude (right ascension), degrees.
    pub lon: Arc<dyn PhysicalExpr>,
    /// Latitude (declination), degrees.
    pub lat: Arc<dyn PhysicalExpr>,
}

/// What the crossmatch operator needs from the join condition.
#[derive(Debug, Clone)]
pub struct MatchKeys {
    /// Position on the build (left) input.
    pub build: Position,
    /// Position on the probe (right) input.
    pub probe: Position,
    /// Match radius.
    pub radius: Radius,
}

/// Which input the columns of `e` come from: `Some(None)` for none (a constant), `None` for both.
fn side_of(e: &Arc<dyn PhysicalExpr>, indices: &[ColumnIndex]) -> Option<Option<JoinSide>> {
    let mut side = None;
    for c in collect_columns(e) {
        let s = indices.get(c.index())?.side;
        if side.is_some_and(|known| known != s) || s == JoinSide::None {
            return None;
        }
        side = Some(s);
    }
    Some(side)
}

/// `e` rewritten from the filter's intermediate schema to its input's own schema.
fn on_input(e: &Arc<dyn PhysicalExpr>, indices: &[ColumnIndex]) -> DfResult<Arc<dyn PhysicalExpr>> {
    Arc::clone(e)
        .transform(|node| {
            let Some(c) = node.downcast_ref::<Column>() else { return Ok(Transformed::no(node)) };
            let Some(at) = indices.get(c.index()) else { return Ok(Transformed::no(node)) };
            Ok(Transformed::yes(Arc::new(Column::new(c.name(), at.index)) as Arc<dyn PhysicalExpr>))
        })
        .map(|t| t.data)
}

/// The value of a column-free expression (NaN when NULL or not numeric).
fn constant(e: &Arc<dyn PhysicalExpr>) -> DfResult<f64> {
    let options = RecordBatchOptions::new().with_row_count(Some(1));
    let one_row = RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &options)?;
    let value = e.evaluate(&one_row)?.into_array(1)?;
    let value = datafusion::arrow::compute::cast(&value, &DataType::Float64)?;
    Ok(match value.as_any().downcast_ref::<Float64Array>() {
        Some(a) if a.is_valid(0) => a.value(0),
        _ => f64::NAN,
    })
}

/// The crossmatch conjunct of `filter`, if it has one.
pub fn find(filter: &JoinFilter) -> DfResult<Option<MatchKeys>> {
    let indices = filter.column_indices();
    for conjunct in split_conjunction(filter.expression()) {
        let Some(f) = conjunct.downcast_ref::<ScalarFunctionExpr>() else { continue };
        let [lon, lat, lon0, lat0, r] = f.args() else { continue };
        if f.name() != IN_CONE {
            continue;
        }
        let point = (side_of(lon, indices), side_of(lat, indices));
        let centre = (side_of(lon0, indices), side_of(lat0, indices));
        let (Some(Some(p)), Some(Some(p2))) = point else { continue };
        let (Some(Some(c)), Some(Some(c2))) = centre else { continue };
        if p != p2 || c != c2 || p == c {
            continue;
        }
        let radius = match side_of(r, indices) {
            Some(None) => Radius::Constant(constant(r)?),
            Some(Some(JoinSide::Left)) => Radius::Build(on_input(r, indices)?),
            Some(Some(JoinSide::Right)) => Radius::Probe(on_input(r, indices)?),
            _ => continue,
        };
        let position = |lon: &Arc<dyn PhysicalExpr>, lat: &Arc<dyn PhysicalExpr>| -> DfResult<Position> {
            Ok(Position { lon: on_input(lon, indices)?, lat: on_input(lat, indices)? })
        };
        let (on_point, on_centre) = (position(lon, lat)?, position(lon0, lat0)?);
        let (build, probe) = if p == JoinSide::Left { (on_point, on_centre) } else { (on_centre, on_point) };
        return Ok(Some(MatchKeys { build, probe, radius }));
    }
    Ok(None)
}
