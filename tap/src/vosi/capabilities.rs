//! VOSI /capabilities (VOSI 1.1 §3.2) with the TAPRegExt 1.0 description of the TAP capability:
//! languages, optional ADQL features we really support, UDFs, output formats and limits.

use astrotap_xml::XmlWriter;

use crate::output::all_formats;

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
    /// Largest upload per request in bytes; `None` when uploads are off.
    pub upload_bytes: Option<u64>,
    /// Whether some `http://` upload URLs are allowed (TAPRegExt `upload-http`).
    pub upload_http: bool,
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

/// A VOSI/DALI capability that is just an access URL.
fn capability_with_url(w: &mut XmlWriter, standard_id: &str, url: &str) {
    w.open_inline("capability", &[("standardID", standard_id)]);
    w.open_inline("interface", &[("xsi:type", "vs:ParamHTTP")]);
    w.leaf("accessURL", &[("use", "full")], url);
    w.close().close();
}

/// `<name><default>d</default><hard>h</hard></name>` (TAPRegExt limits), optionally with a unit.
fn limit(w: &mut XmlWriter, name: &str, unit: Option<&str>, default: u64, hard: u64) {
    let attrs: Vec<(&str, &str)> = unit.map(|u| ("unit", u)).into_iter().collect();
    w.open_inline(name, &[]);
    w.leaf("default", &attrs, &default.to_string());
    w.leaf("hard", &attrs, &hard.to_string());
    w.close();
}

/// `<languageFeatures type=...>` with one `<feature><form>` per form, on one line.
fn language_features<'a>(w: &mut XmlWriter, feature_type: &str, forms: impl IntoIterator<Item = &'a str>) {
    w.open_inline("languageFeatures", &[("type", feature_type)]);
    for f in forms {
        w.open_inline("feature", &[]).leaf("form", &[], f).close();
    }
    w.close();
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
    let mut w = XmlWriter::with_capacity(16 * 1024);
    w.open(
        "vosi:capabilities",
        &[
            ("xmlns:vosi", "http://www.ivoa.net/xml/VOSICapabilities/v1.0"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:vr", "http://www.ivoa.net/xml/VOResource/v1.0"),
            ("xmlns:vs", "http://www.ivoa.net/xml/VODataService/v1.1"),
            ("xmlns:tr", "http://www.ivoa.net/xml/TAPRegExt/v1.0"),
        ],
    );
    w.open("capability", &[("standardID", "ivo://ivoa.net/std/TAP"), ("xsi:type", "tr:TableAccess")]);
    w.open_inline("interface", &[("xsi:type", "vs:ParamHTTP"), ("role", "std"), ("version", "1.1")]);
    w.leaf("accessURL", &[("use", "base")], base_url);
    w.close();
    w.open("language", &[]);
    w.leaf("name", &[], "ADQL");
    w.leaf("version", &[("ivo-id", "ivo://ivoa.net/std/ADQL#v2.0")], "2.0");
    w.leaf("version", &[("ivo-id", "ivo://ivoa.net/std/ADQL#v2.1")], "2.1");
    w.leaf("description", &[], "ADQL 2.1 (REC 2023-12-15); ADQL 2.0 queries are accepted as ADQL 2.1");
    language_features(&mut w, &format!("{TAPREGEXT}features-adqlgeo"), GEOMETRY_FUNCTIONS.iter().copied());
    let udfs = udf_forms();
    if !udfs.is_empty() {
        language_features(&mut w, &format!("{TAPREGEXT}features-udf"), udfs.iter().map(String::as_str));
    }
    let mut types: Vec<&str> = OPTIONAL_FEATURES.iter().map(|f| f.feature_type).collect();
    types.dedup();
    for t in types {
        let forms = OPTIONAL_FEATURES.iter().filter(|f| f.feature_type == t).map(|f| f.form);
        language_features(&mut w, &format!("{TAPREGEXT}{t}"), forms);
    }
    w.close();
    for d in all_formats() {
        let ivo_id = match d.format {
            crate::output::OutputFormat::VoTableTableData => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-td"),
            crate::output::OutputFormat::VoTableBinary2 => Some("ivo://ivoa.net/std/TAPRegExt#output-votable-binary2"),
            _ => None,
        };
        let attrs: Vec<(&str, &str)> = ivo_id.map(|id| ("ivo-id", id)).into_iter().collect();
        w.open_inline("outputFormat", &attrs);
        w.leaf("mime", &[], d.mime);
        for a in d.aliases {
            w.leaf("alias", &[], a);
        }
        w.close();
    }
    // TAPRegExt 1.0 §2.5: inline (multipart) uploads, and HTTP only when an allow-list exists;
    // the element order is the schema's (uploadMethod before the limits, uploadLimit last).
    if limits.upload_bytes.is_some() {
        w.leaf("uploadMethod", &[("ivo-id", "ivo://ivoa.net/std/TAPRegExt#upload-inline")], "");
        if limits.upload_http {
            w.leaf("uploadMethod", &[("ivo-id", "ivo://ivoa.net/std/TAPRegExt#upload-http")], "");
        }
    }
    limit(&mut w, "retentionPeriod", None, limits.retention_secs, limits.retention_hard_secs);
    limit(&mut w, "executionDuration", None, limits.async_execution_secs, limits.async_execution_hard_secs);
    limit(&mut w, "outputLimit", Some("row"), limits.maxrec_default, limits.maxrec_limit);
    if let Some(bytes) = limits.upload_bytes {
        limit(&mut w, "uploadLimit", Some("byte"), bytes, bytes);
    }
    w.close();
    capability_with_url(&mut w, "ivo://ivoa.net/std/VOSI#capabilities", &format!("{base_url}/capabilities"));
    capability_with_url(&mut w, "ivo://ivoa.net/std/VOSI#availability", &format!("{base_url}/availability"));
    capability_with_url(&mut w, "ivo://ivoa.net/std/VOSI#tables-1.1", &format!("{base_url}/tables"));
    capability_with_url(&mut w, "ivo://ivoa.net/std/DALI#examples", &format!("{base_url}/examples"));
    w.finish()
}
