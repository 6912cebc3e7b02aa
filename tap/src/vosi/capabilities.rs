//! VOSI /capabilities (VOSI 1.1 §3.2) with the TAPRegExt 1.0 description of the TAP capability:
//! languages, optional ADQL features we really support, UDFs, output formats and limits.

use std::fmt::Write;

use crate::output::all_formats;
use crate::xml::escape;

/// Limits advertised in the TAP capability (TAPRegExt 1.0 §2.4-§2.6).
#[derive(Debug, Clone)]
pub struct AdvertisedLimits {
    /// Async result retention, seconds (default).
    pub retention_secs: u64,
    /// Longest retention a client may ask for, seconds.
    pub retention_hard_secs: u64,
    /// Async execution duration, seconds (default).
    pub async_execution_secs: u64,
    /// Longest execution duration a client may ask for, seconds.
    pub async_execution_hard_secs: u64,
    /// Default MAXREC.
    pub maxrec_default: u64,
    /// Hard MAXREC.
    pub maxrec_limit: u64,
}

/// ADQL 2.1 geometry functions (ADQL 2.1 §4.2), advertised under `features-adqlgeo`.
pub const GEOMETRY_FUNCTIONS: &[&str] = &[
    "AREA", "BOX", "CENTROID", "CIRCLE", "CONTAINS", "COORD1", "COORD2", "COORDSYS", "DISTANCE",
    "INTERSECTS", "POINT", "POLYGON", "REGION",
];

/// One optional ADQL 2.1 language feature (ADQL 2.1 §4.x; TAPRegExt feature-type URIs) with a query
/// exercising it on the demo data, so the service test proves every advertised feature runs.
#[derive(Debug, Clone, Copy)]
pub struct OptionalFeature {
    /// TAPRegExt feature type.
    pub feature_type: &'static str,
    /// The `form` element.
    pub form: &'static str,
    /// A query using it.
    pub example: &'static str,
}

const TAPREGEXT: &str = "ivo://ivoa.net/std/TAPRegExt#";

/// Every optional ADQL feature we advertise.
pub const OPTIONAL_FEATURES: &[OptionalFeature] = &[
    OptionalFeature { feature_type: "features-adql-string", form: "LOWER",
        example: "SELECT TOP 1 LOWER('ABC') AS l FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-string", form: "UPPER",
        example: "SELECT TOP 1 UPPER('abc') AS u FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-string", form: "ILIKE",
        example: "SELECT TOP 1 schema_name FROM TAP_SCHEMA.schemas WHERE schema_name ILIKE 'gaia%'" },
    OptionalFeature { feature_type: "features-adql-common-table", form: "WITH",
        example: "WITH bright AS (SELECT source_id FROM gaiadr3.gaia_source WHERE phot_g_mean_mag < 15) SELECT COUNT(*) AS n FROM bright" },
    OptionalFeature { feature_type: "features-adql-sets", form: "UNION",
        example: "SELECT TOP 1 source_id FROM gaiadr3.gaia_source UNION SELECT TOP 1 source_id FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-sets", form: "EXCEPT",
        // Bright sources that lack an XP spectrum: the demo's XP and epoch tables sample the same
        // stars, so subtracting one from the other would always be empty.
        example: "SELECT source_id FROM gaiadr3.gaia_source WHERE phot_g_mean_mag < 14 EXCEPT SELECT source_id FROM gaiadr3.xp_continuous_mean_spectrum" },
    OptionalFeature { feature_type: "features-adql-sets", form: "INTERSECT",
        example: "SELECT source_id FROM gaiadr3.gaia_source INTERSECT SELECT source_id FROM gaiadr3.epoch_photometry" },
    OptionalFeature { feature_type: "features-adql-type", form: "CAST",
        example: "SELECT TOP 3 CAST(phot_g_mean_mag AS INTEGER) AS g FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-conditional", form: "COALESCE",
        example: "SELECT TOP 3 COALESCE(radial_velocity, 0) AS rv FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-unit", form: "IN_UNIT",
        example: "SELECT TOP 3 IN_UNIT(ra, 'arcmin') AS ra_arcmin FROM gaiadr3.gaia_source" },
    OptionalFeature { feature_type: "features-adql-offset", form: "OFFSET",
        example: "SELECT source_id FROM gaiadr3.gaia_source ORDER BY source_id OFFSET 2" },
];

fn capability_with_url(out: &mut String, standard_id: &str, url: &str) {
    let _ = writeln!(
        out,
        "<capability standardID=\"{standard_id}\"><interface xsi:type=\"vs:ParamHTTP\">\
         <accessURL use=\"full\">{}</accessURL></interface></capability>",
        escape(url)
    );
}

/// The UDF signatures advertised under `features-udf`: the entries of `adql::udf::function_names()`
/// that are in TAPRegExt's `name(args) -> type` form (plain names are only for suggestions).
pub fn udf_forms() -> Vec<String> {
    adql::udf::function_names()
        .into_iter()
        .map(str::trim)
        .filter(|f| f.contains('(') && f.contains("->"))
        .map(str::to_string)
        .collect()
}

/// The capabilities document. `base_url` is the service root (`http://host:port/tap`).
pub fn capabilities(base_url: &str, limits: &AdvertisedLimits) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:capabilities \
         xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\" \
         xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" \
         xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\">\n",
    );
    let _ = writeln!(
        out,
        "<capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n\
         <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\
         <accessURL use=\"base\">{}</accessURL></interface>",
        escape(base_url)
    );
    out.push_str(
        "<language><name>ADQL</name>\
         <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\
         <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\
         <description>ADQL 2.1 (REC 2023-12-15); ADQL 2.0 queries are accepted as ADQL 2.1</description>\n",
    );
    out.push_str("<languageFeatures type=\"ivo://ivoa.net/std/TAPRegExt#features-adqlgeo\">");
    for f in GEOMETRY_FUNCTIONS {
        let _ = write!(out, "<feature><form>{f}</form></feature>");
    }
    out.push_str("</languageFeatures>\n");
    let udfs = udf_forms();
    if !udfs.is_empty() {
        out.push_str("<languageFeatures type=\"ivo://ivoa.net/std/TAPRegExt#features-udf\">");
        for f in &udfs {
            let _ = write!(out, "<feature><form>{}</form></feature>", escape(f));
        }
        out.push_str("</languageFeatures>\n");
    }
    let mut types: Vec<&str> = OPTIONAL_FEATURES.iter().map(|f| f.feature_type).collect();
    types.dedup();
    for t in types {
        let _ = write!(out, "<languageFeatures type=\"{TAPREGEXT}{t}\">");
        for f in OPTIONAL_FEATURES.iter().filter(|f| f.feature_type == t) {
            let _ = write!(out, "<feature><form>{}</form></feature>", f.form);
        }
        out.push_str("</languageFeatures>\n");
    }
    out.push_str("</language>\n");
    for d in all_formats() {
        let ivo_id = match d.format {
            crate::output::OutputFormat::VoTableTableData => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-td"),
            crate::output::OutputFormat::VoTableBinary2 => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-binary2"),
            _ => None,
        };
        match ivo_id {
            Some(id) => { let _ = write!(out, "<outputFormat ivo-id=\"{id}\">"); }
            None => out.push_str("<outputFormat>"),
        }
        let _ = write!(out, "<mime>{}</mime>", escape(d.mime));
        for a in d.aliases {
            let _ = write!(out, "<alias>{}</alias>", escape(a));
        }
        out.push_str("</outputFormat>\n");
    }
    let _ = writeln!(
        out,
        "<retentionPeriod><default>{r}</default><hard>{rh}</hard></retentionPeriod>\n\
         <executionDuration><default>{e}</default><hard>{eh}</hard></executionDuration>\n\
         <outputLimit><default unit=\"row\">{d}</default><hard unit=\"row\">{h}</hard></outputLimit>",
        r = limits.retention_secs,
        rh = limits.retention_hard_secs,
        e = limits.async_execution_secs,
        eh = limits.async_execution_hard_secs,
        d = limits.maxrec_default,
        h = limits.maxrec_limit,
    );
    out.push_str("</capability>\n");
    capability_with_url(&mut out, "ivo://ivoa.net/std/VOSI#capabilities", &format!("{base_url}/capabilities"));
    capability_with_url(&mut out, "ivo://ivoa.net/std/VOSI#availability", &format!("{base_url}/availability"));
    capability_with_url(&mut out, "ivo://ivoa.net/std/VOSI#tables-1.1", &format!("{base_url}/tables"));
    capability_with_url(&mut out, "ivo://ivoa.net/std/DALI#examples", &format!("{base_url}/examples"));
    out.push_str("</vosi:capabilities>\n");
    out
}
