//! The ADQL 2.1 function catalog (§2.3 math/trig, §2.4 geometry, §4 optional features) with
//! arities, plus the user-defined functions this service registers (`crate::udf`).

/// What an ADQL function returns, as far as the checker cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnClass {
    /// Numeric result (math, trig, AREA, DISTANCE, COORD1/2, CONTAINS, INTERSECTS).
    Numeric,
    /// Character result (LOWER, UPPER, COORDSYS).
    Text,
    /// A geometry value (POINT, CIRCLE, BOX, POLYGON, REGION, CENTROID).
    Geometry,
    /// Set functions (COUNT, AVG, MIN, MAX, SUM).
    Aggregate,
    /// Type follows the arguments (COALESCE, IN_UNIT).
    Passthrough,
}

/// Accepted argument counts.
#[derive(Debug, Clone, Copy)]
pub enum Arity {
    /// Exactly these counts.
    OneOf(&'static [usize]),
    /// At least n.
    AtLeast(usize),
}

impl Arity {
    /// True if `n` arguments are acceptable.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::OneOf(ns) => ns.contains(&n),
            Arity::AtLeast(m) => n >= m,
        }
    }

    /// Human wording for error messages.
    pub fn describe(self) -> String {
        match self {
            Arity::OneOf(ns) => {
                let v: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
                v.join(" or ")
            }
            Arity::AtLeast(m) => format!("at least {m}"),
        }
    }
}

/// One entry of the ADQL function catalog.
#[derive(Debug, Clone, Copy)]
pub struct AdqlFunction {
    /// Upper-case ADQL name.
    pub name: &'static str,
    /// Accepted argument counts (geometry constructors are refined in `expr.rs`).
    pub arity: Arity,
    /// Result class.
    pub class: FnClass,
}

const fn f(name: &'static str, arity: Arity, class: FnClass) -> AdqlFunction {
    AdqlFunction { name, arity, class }
}

use Arity::{AtLeast, OneOf};
use FnClass::*;

/// ADQL 2.1 built-in functions.
pub const ADQL_FUNCTIONS: &[AdqlFunction] = &[
    // §2.3.1 mathematical functions
    f("ABS", OneOf(&[1]), Numeric),
    f("CEILING", OneOf(&[1]), Numeric),
    f("DEGREES", OneOf(&[1]), Numeric),
    f("EXP", OneOf(&[1]), Numeric),
    f("FLOOR", OneOf(&[1]), Numeric),
    f("LOG", OneOf(&[1]), Numeric),
    f("LOG10", OneOf(&[1]), Numeric),
    f("MOD", OneOf(&[2]), Numeric),
    f("PI", OneOf(&[0]), Numeric),
    f("POWER", OneOf(&[2]), Numeric),
    f("RADIANS", OneOf(&[1]), Numeric),
    f("RAND", OneOf(&[0, 1]), Numeric),
    f("ROUND", OneOf(&[1, 2]), Numeric),
    f("SQRT", OneOf(&[1]), Numeric),
    f("TRUNCATE", OneOf(&[1, 2]), Numeric),
    // §2.3.2 trigonometric functions
    f("ACOS", OneOf(&[1]), Numeric),
    f("ASIN", OneOf(&[1]), Numeric),
    f("ATAN", OneOf(&[1]), Numeric),
    f("ATAN2", OneOf(&[2]), Numeric),
    f("COS", OneOf(&[1]), Numeric),
    f("COT", OneOf(&[1]), Numeric),
    f("SIN", OneOf(&[1]), Numeric),
    f("TAN", OneOf(&[1]), Numeric),
    // §4.2 string functions (optional feature adql-string)
    f("LOWER", OneOf(&[1]), Text),
    f("UPPER", OneOf(&[1]), Text),
    // §4.7 conditional (adql-conditional), §4.8 unit (adql-unit)
    f("COALESCE", AtLeast(1), Passthrough),
    f("IN_UNIT", OneOf(&[2]), Passthrough),
    // §2.4 geometrical functions (adqlgeo)
    f("AREA", OneOf(&[1]), Numeric),
    f("BOX", OneOf(&[3, 4, 5]), Geometry),
    f("CENTROID", OneOf(&[1]), Geometry),
    f("CIRCLE", OneOf(&[2, 3, 4]), Geometry),
    f("CONTAINS", OneOf(&[2]), Numeric),
    f("COORD1", OneOf(&[1]), Numeric),
    f("COORD2", OneOf(&[1]), Numeric),
    f("COORDSYS", OneOf(&[1]), Text),
    f("DISTANCE", OneOf(&[2, 4]), Numeric),
    f("INTERSECTS", OneOf(&[2]), Numeric),
    f("POINT", OneOf(&[2, 3]), Geometry),
    f("POLYGON", AtLeast(3), Geometry),
    f("REGION", OneOf(&[1]), Geometry),
    // §2.3.4 set functions
    f("COUNT", OneOf(&[1]), Aggregate),
    f("AVG", OneOf(&[1]), Aggregate),
    f("MIN", OneOf(&[1]), Aggregate),
    f("MAX", OneOf(&[1]), Aggregate),
    f("SUM", OneOf(&[1]), Aggregate),
];

/// Looks up an ADQL built-in by (case-insensitive) name.
pub fn adql_function(name: &str) -> Option<&'static AdqlFunction> {
    ADQL_FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Names of the user-defined functions registered by `crate::udf`, lower-cased.
pub fn udf_names() -> Vec<String> {
    crate::udf::function_names().iter().map(|n| n.to_string().to_ascii_lowercase()).collect()
}

/// True if `name` is a registered user-defined function.
pub fn is_udf(name: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    udf_names().iter().any(|n| *n == lname)
}

/// Every callable name, for suggestions.
pub fn all_function_names() -> Vec<String> {
    let mut v: Vec<String> = ADQL_FUNCTIONS.iter().map(|f| f.name.to_string()).collect();
    v.extend(udf_names());
    v
}
