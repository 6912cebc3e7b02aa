//! DataFusion scalar UDFs for ADQL 2.1 and the IVOA/Gaia function catalogs.
//!
//! [`register_all`] is the one place where functions are registered. Names are those the
//! rewriter targets: the ADQL geometry functions under their own names (`point`, `contains`,
//! …), ADQL math that clashes with DataFusion under an `adql_` prefix (`adql_log`,
//! `adql_round`), fused spatial predicates (`adql_in_cone`, `adql_in_polygon`, `adql_in_box`),
//! the geometry casts (`adql_cast_point`, ...), and the catalog UDFs (`ivo_*`, `gaia_*`).

pub mod args;
pub mod cast;
pub mod constructors;
pub mod epoch;
pub mod error;
pub mod fused;
pub mod healpix;
pub mod in_unit;
pub mod math;
pub mod measures;
pub mod predicates;
pub mod strings;

pub use error::{argument_error, ArgumentError};

use crate::geometry::ShapeKind;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

/// Every UDF astrotap provides.
pub fn all_udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(constructors::PointUdf::new()),
        ScalarUDF::from(constructors::CircleUdf::new()),
        ScalarUDF::from(constructors::BoxUdf::new()),
        ScalarUDF::from(constructors::PolygonUdf::new()),
        ScalarUDF::from(constructors::RegionUdf::new()),
        ScalarUDF::from(cast::GeometryCastUdf::new(ShapeKind::Point)),
        ScalarUDF::from(cast::GeometryCastUdf::new(ShapeKind::Circle)),
        ScalarUDF::from(cast::GeometryCastUdf::new(ShapeKind::Polygon)),
        ScalarUDF::from(predicates::ContainsUdf::new()),
        ScalarUDF::from(predicates::IntersectsUdf::new()),
        ScalarUDF::from(measures::DistanceUdf::new()),
        ScalarUDF::from(measures::AreaUdf::new()),
        ScalarUDF::from(measures::CentroidUdf::new()),
        ScalarUDF::from(measures::Coord1Udf::new()),
        ScalarUDF::from(measures::Coord2Udf::new()),
        ScalarUDF::from(measures::CoordSysUdf::new()),
        ScalarUDF::from(fused::InConeUdf::new()),
        ScalarUDF::from(fused::InPolygonUdf::new()),
        ScalarUDF::from(fused::InBoxUdf::new()),
        ScalarUDF::from(math::LogUdf::new()),
        ScalarUDF::from(math::TruncateUdf::new()),
        ScalarUDF::from(math::RoundUdf::new()),
        ScalarUDF::from(math::ModUdf::new()),
        ScalarUDF::from(math::RandUdf::new()),
        ScalarUDF::from(in_unit::InUnitUdf::new()),
        ScalarUDF::from(healpix::HealpixIndexUdf::new()),
        ScalarUDF::from(healpix::HealpixCenterUdf::new()),
        ScalarUDF::from(healpix::GaiaHealpixUdf::new()),
        ScalarUDF::from(epoch::EpochPropPosUdf::new()),
        ScalarUDF::from(strings::HasWordUdf::new()),
        ScalarUDF::from(strings::NoCaseMatchUdf::new()),
    ]
}

/// Registers every UDF on the session (note: `contains` replaces DataFusion's string
/// `contains`, which ADQL does not have).
pub fn register_all(ctx: &SessionContext) {
    for udf in all_udfs() {
        ctx.register_udf(udf);
    }
}

/// A user-callable non-standard function, as TAPRegExt describes it (`<udf><form>…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfSignature {
    /// Function name (lower case).
    pub name: &'static str,
    /// TAPRegExt `form`: `name(arg TYPE, …) -> TYPE`.
    pub form: &'static str,
    /// Human-readable description.
    pub description: &'static str,
}

/// The non-standard functions users may call in ADQL (for TAPRegExt `features-udf` and the
/// checker). ADQL's own functions and the internal rewriter targets are not listed.
pub const UDF_SIGNATURES: &[UdfSignature] = &[
    UdfSignature {
        name: "ivo_healpix_index",
        form: "ivo_healpix_index(order INTEGER, ra DOUBLE, dec DOUBLE) -> BIGINT",
        description: "NESTED HEALPix index at the given order (0..29) of a position in degrees (also (order INTEGER, p POINT)).",
    },
    UdfSignature {
        name: "ivo_healpix_center",
        form: "ivo_healpix_center(order INTEGER, hpx BIGINT) -> POINT",
        description: "Centre of a NESTED HEALPix cell.",
    },
    UdfSignature {
        name: "ivo_epoch_prop_pos",
        form: "ivo_epoch_prop_pos(ra DOUBLE, dec DOUBLE, parallax DOUBLE, pmra DOUBLE, pmdec DOUBLE, radial_velocity DOUBLE, ref_epoch DOUBLE, out_epoch DOUBLE) -> POINT",
        description: "Position propagated rigorously from ref_epoch to out_epoch (Julian years); mas, mas/yr, km/s; NULL parallax = infinite distance, NULL motions = 0.",
    },
    UdfSignature {
        name: "gaia_healpix_index",
        form: "gaia_healpix_index(norder INTEGER, source_id BIGINT) -> BIGINT",
        description: "HEALPix index at order norder (0..12) encoded in a Gaia source_id: source_id / (2^35 * 4^(12-norder)).",
    },
    UdfSignature {
        name: "ivo_hasword",
        form: "ivo_hasword(haystack TEXT, needle TEXT) -> INTEGER",
        description: "1 if needle occurs in haystack as whole word(s), case-insensitively, else 0.",
    },
    UdfSignature {
        name: "ivo_nocasematch",
        form: "ivo_nocasematch(value TEXT, pattern TEXT) -> INTEGER",
        description: "1 if value matches the SQL LIKE pattern case-insensitively, else 0.",
    },
];

/// Names of the user-callable non-standard functions (see [`UDF_SIGNATURES`]).
pub fn function_names() -> Vec<&'static str> {
    UDF_SIGNATURES.iter().map(|s| s.name).collect()
}

/// Names of every registered function, including ADQL built-ins and rewriter targets.
pub fn registered_names() -> Vec<String> {
    all_udfs().iter().map(|u| u.name().to_string()).collect()
}
