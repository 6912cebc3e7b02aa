//! DALI 1.1 §2.3 examples: an XHTML document with RDFa (`typeof="example"`, `property="name"`,
//! `property="query"`, `property="table"`). Every query runs on the demo catalogs; the service
//! test executes all of them through /sync and requires rows.
//!
//! Grouping and sorting go by output names (`GROUP BY g_bin`) rather than by expressions or
//! qualified columns: ADQL 2.0 allows only column references there, and clients that check queries
//! with an ADQL 2.0 grammar (taplint's EXA stage, older TOPCAT) then accept them too. Geometry
//! keeps the ADQL 2.1 form without the deprecated coordinate-system argument.

use std::fmt::Write;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

// HTML text and attribute values need exactly the XML escaping.
use astrotap_xml::escape_text as escape;

/// One example query.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Fragment id (unique, `[a-z-]`).
    pub id: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// Tables it uses (qualified).
    pub tables: &'static [&'static str],
    /// The ADQL text.
    pub query: &'static str,
    /// The `TAP_UPLOAD` table the query expects, and what it must contain; `None` for a query
    /// on served tables only.
    pub upload: Option<ExampleUpload>,
}

/// The upload an example needs (its "Run it" link cannot carry one, so it has none).
#[derive(Debug, Clone, Copy)]
pub struct ExampleUpload {
    /// The name after `TAP_UPLOAD.`.
    pub table: &'static str,
    /// The columns it must have.
    pub columns: &'static str,
}

impl Example {
    /// The served tables the query reads (`TAP_UPLOAD.*` is the client's own).
    pub fn served_tables(&self) -> impl Iterator<Item = &'static str> {
        self.tables.iter().copied().filter(|t| !t.to_ascii_lowercase().starts_with("tap_upload."))
    }
}

/// The examples served at /examples.
pub const EXAMPLES: &[Example] = &[
    Example {
        id: "cone-distance",
        name: "Cone search with DISTANCE",
        description: "Sources within 5 degrees of the Galactic centre, in the ADQL 2.1 preferred \
                      spelling; the planner turns the constraint into HEALPix ranges that prune files.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT source_id, ra, dec, phot_g_mean_mag\nFROM gaiadr3.gaia_source\n\
                WHERE DISTANCE(POINT(ra, dec), POINT(266.4, -28.9)) < 5",
        upload: None,
    },
    Example {
        id: "cone-contains",
        name: "Cone search with CONTAINS",
        description: "The classic ADQL 2.0 form of a cone search, with the (ignored) coordinate system.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 100 source_id, ra, dec, parallax\nFROM gaiadr3.gaia_source\n\
                WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 266.4, -28.9, 5))",
        upload: None,
    },
    Example {
        id: "polygon",
        name: "Polygon search",
        description: "Sources inside a spherical polygon around the Galactic centre.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT source_id, ra, dec\nFROM gaiadr3.gaia_source\n\
                WHERE 1 = CONTAINS(POINT(ra, dec), POLYGON(258, -36, 274, -36, 274, -21, 258, -21))",
        upload: None,
    },
    Example {
        id: "hr-diagram",
        name: "Hertzsprung-Russell diagram",
        description: "Counts per bin of colour and absolute G magnitude (M_G = G + 5 log10(parallax/100 mas)).",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT FLOOR(bp_rp * 5) / 5 AS bp_rp_bin,\n       \
                FLOOR(phot_g_mean_mag + 5 * LOG10(parallax / 100)) AS abs_g_bin,\n       \
                COUNT(*) AS n\nFROM gaiadr3.gaia_source\n\
                WHERE parallax > 0.5 AND bp_rp IS NOT NULL AND phot_g_mean_mag IS NOT NULL\n\
                GROUP BY bp_rp_bin, abs_g_bin\n\
                ORDER BY bp_rp_bin, abs_g_bin",
        upload: None,
    },
    Example {
        id: "magnitude-histogram",
        name: "G magnitude histogram",
        description: "Number of sources and mean colour per G magnitude.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT FLOOR(phot_g_mean_mag) AS g_bin, COUNT(*) AS n, AVG(bp_rp) AS mean_bp_rp\n\
                FROM gaiadr3.gaia_source\nWHERE phot_g_mean_mag IS NOT NULL\n\
                GROUP BY g_bin\nORDER BY g_bin",
        upload: None,
    },
    Example {
        id: "self-crossmatch",
        name: "Positional crossmatch of gaia_source with itself",
        // The cost grows with the square of the field's star count: a 2-degree field keeps it to
        // about a second on the 1M-row demo (a 10-degree one ran past the sync timeout).
        description: "The 100 closest pairs (within 0.2 degree) in a 2-degree field towards the Galactic centre.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 100 a.source_id AS source_a, b.source_id AS source_b,\n       \
                DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) AS sep\n\
                FROM gaiadr3.gaia_source AS a\nJOIN gaiadr3.gaia_source AS b\n  \
                ON 1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(a.ra, a.dec, 0.2))\n\
                WHERE a.source_id < b.source_id\n  \
                AND DISTANCE(POINT(a.ra, a.dec), POINT(266.4, -28.9)) < 2\n  \
                AND DISTANCE(POINT(b.ra, b.dec), POINT(266.4, -28.9)) < 2.2\nORDER BY sep",
        upload: None,
    },
    Example {
        id: "xp-join",
        name: "Sources with XP spectra",
        description: "Join gaia_source with the continuous XP spectra on source_id.",
        tables: &["gaiadr3.gaia_source", "gaiadr3.xp_continuous_mean_spectrum"],
        query: "SELECT TOP 20 g.source_id, g.phot_g_mean_mag, x.bp_n_parameters, x.rp_n_parameters\n\
                FROM gaiadr3.gaia_source AS g\n\
                JOIN gaiadr3.xp_continuous_mean_spectrum AS x ON g.source_id = x.source_id\n\
                ORDER BY phot_g_mean_mag",
        upload: None,
    },
    Example {
        id: "epoch-photometry",
        name: "Best-sampled light curves",
        description: "Sources with the most G-band transits in the epoch photometry.",
        tables: &["gaiadr3.epoch_photometry"],
        query: "SELECT TOP 10 source_id, n_transits, g_transit_mag\n\
                FROM gaiadr3.epoch_photometry\nORDER BY n_transits DESC",
        upload: None,
    },
    Example {
        id: "healpix-index",
        name: "HEALPix indices from source_id and from position",
        description: "gaia_healpix_index (ESA Gaia archive UDF) and ivo_healpix_index (IVOA UDF \
                      catalog) agree for Gaia sources.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 10 source_id, gaia_healpix_index(6, source_id) AS hpx6_from_id,\n       \
                ivo_healpix_index(6, ra, dec) AS hpx6_from_position\nFROM gaiadr3.gaia_source",
        upload: None,
    },
    Example {
        id: "density-map",
        name: "Source density map",
        description: "Counts per order-3 HEALPix pixel, for a sky map.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT gaia_healpix_index(3, source_id) AS hpx3, COUNT(*) AS n\n\
                FROM gaiadr3.gaia_source\nGROUP BY hpx3\nORDER BY n DESC",
        upload: None,
    },
    Example {
        id: "epoch-propagation",
        name: "Positions propagated to J2000",
        description: "ivo_epoch_prop_pos propagates positions from ref_epoch (2016.0) to 2000.0.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 10 source_id, ra, dec,\n       \
                ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, radial_velocity, ref_epoch, 2000.0) AS pos_j2000\n\
                FROM gaiadr3.gaia_source\nWHERE pmra IS NOT NULL",
        upload: None,
    },
    Example {
        id: "high-proper-motion",
        name: "Highest proper motions",
        description: "Total proper motion computed in the query and sorted on.",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 20 source_id, SQRT(pmra * pmra + pmdec * pmdec) AS pm_total\n\
                FROM gaiadr3.gaia_source\nWHERE pmra IS NOT NULL AND pmdec IS NOT NULL\nORDER BY pm_total DESC",
        upload: None,
    },
    Example {
        id: "tap-schema-columns",
        name: "Column metadata from TAP_SCHEMA",
        description: "Units and UCDs of the gaia_source columns.",
        tables: &["TAP_SCHEMA.columns"],
        query: "SELECT column_name, datatype, unit, ucd, description\nFROM TAP_SCHEMA.columns\n\
                WHERE table_name = 'gaiadr3.gaia_source'\nORDER BY column_index",
        upload: None,
    },
    Example {
        id: "upload-crossmatch",
        name: "Crossmatch my list with Gaia",
        description: "Every Gaia source within 1 arcsec of each position of your own table, uploaded \
                      with the query (UPLOAD=mylist,param:mylist; pyvo: uploads={'mylist': table}); \
                      the join runs as a HEALPix-bucketed crossmatch, not a nested loop.",
        tables: &["TAP_UPLOAD.mylist", "gaiadr3.gaia_source"],
        query: "SELECT m.*, g.source_id, g.phot_g_mean_mag,\n       \
                DISTANCE(POINT(m.ra, m.dec), POINT(g.ra, g.dec)) * 3600 AS sep_arcsec\n\
                FROM TAP_UPLOAD.mylist AS m\nJOIN gaiadr3.gaia_source AS g\n  \
                ON 1 = CONTAINS(POINT(g.ra, g.dec), CIRCLE(m.ra, m.dec, 1.0 / 3600))",
        upload: Some(ExampleUpload { table: "mylist", columns: "ra and dec in degrees (ICRS), any other columns" }),
    },
    Example {
        id: "gaia-hipparcos",
        name: "Gaia x Hipparcos within 1 arcsec",
        description: "Gaia DR3 counterparts of Hipparcos-2 stars (positions at their own epochs, so \
                      fast movers are missed at this radius; ivo_epoch_prop_pos brings them together).",
        tables: &["hipparcos.main", "gaiadr3.gaia_source"],
        query: "SELECT h.hip, g.source_id,\n       \
                DISTANCE(POINT(h.ra, h.dec), POINT(g.ra, g.dec)) * 3600 AS sep_arcsec\n\
                FROM hipparcos.main AS h\nJOIN gaiadr3.gaia_source AS g\n  \
                ON 1 = CONTAINS(POINT(g.ra, g.dec), CIRCLE(h.ra, h.dec, 1.0 / 3600))",
        upload: None,
    },
    Example {
        id: "wide-binaries",
        name: "Wide-binary candidates (self-join)",
        description: "Pairs of nearby stars (parallax over 2 mas) within 0.5 degree of each other on \
                      the sky whose parallaxes agree within 3 sigma: a catalogue joined with itself \
                      through the crossmatch operator, each pair once (a.source_id < b.source_id).",
        tables: &["gaiadr3.gaia_source"],
        query: "SELECT TOP 100 a.source_id AS source_a, b.source_id AS source_b,\n       \
                DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) * 3600 AS sep_arcsec\n\
                FROM gaiadr3.gaia_source AS a\nJOIN gaiadr3.gaia_source AS b\n  \
                ON 1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(a.ra, a.dec, 0.5))\n\
                WHERE a.source_id < b.source_id\n  \
                AND a.parallax > 2 AND b.parallax > 2\n  \
                AND ABS(a.parallax - b.parallax) < 3 * SQRT(a.parallax_error * a.parallax_error + b.parallax_error * b.parallax_error)\n\
                ORDER BY sep_arcsec",
        upload: None,
    },

];

/// The examples whose served tables are all in `served` (qualified, lower-case names): a
/// service without Hipparcos does not offer the Gaia x Hipparcos example.
pub fn examples_for(served: &dyn Fn(&str) -> bool) -> Vec<&'static Example> {
    EXAMPLES.iter().filter(|e| e.served_tables().all(|t| served(&t.to_ascii_lowercase()))).collect()
}

/// The examples document for `examples`. `sync_url` is used for the "run it" links.
pub fn examples_document(title: &str, sync_url: &str, examples: &[&Example]) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n\
         <head><meta charset=\"utf-8\"/><title>Examples for {t}</title></head>\n\
         <body vocab=\"http://www.ivoa.net/rdf/examples#\">\n<h1>Examples for {t}</h1>\n",
        t = escape(title)
    );
    for ex in examples {
        let _ = write!(
            out,
            "<div id=\"{id}\" resource=\"#{id}\" typeof=\"example\">\n\
             <h2 property=\"name\">{name}</h2>\n<p>{desc}</p>\n",
            id = ex.id,
            name = escape(ex.name),
            desc = escape(ex.description)
        );
        out.push_str("<p>Tables: ");
        // property="table" names served tables only (taplint checks them against /tables); the
        // upload is the client's and is described below.
        for (i, t) in ex.served_tables().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "<span property=\"table\">{}</span>", escape(t));
        }
        out.push_str("</p>\n");
        let _ = writeln!(out, "<pre property=\"query\">{}</pre>", escape(ex.query));
        if let Some(up) = &ex.upload {
            let _ = write!(
                out,
                "<p>Upload your table as <code>{t}</code> (<code>UPLOAD={t},param:{t}</code> with the table \
                 in a multipart part named <code>{t}</code>): {c}.</p>\n</div>\n",
                t = escape(up.table),
                c = escape(up.columns)
            );
            continue;
        }
        let run = format!(
            "{sync_url}?LANG=ADQL&REQUEST=doQuery&QUERY={}",
            form_urlencoded_component(ex.query)
        );
        let _ = write!(out, "<p><a href=\"{}\">Run it</a></p>\n</div>\n", escape(&run));
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded,
/// so a space becomes `%20`: the link works whether the server reads it as form data or not.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a query-string component (RFC 3986 unreserved characters stay as they are).
pub fn form_urlencoded_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_there_are_at_least_ten() {
        assert!(EXAMPLES.len() >= 10);
        let mut ids: Vec<_> = EXAMPLES.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), EXAMPLES.len());
    }

    #[test]
    fn document_carries_the_rdfa_properties() {
        let all: Vec<&Example> = EXAMPLES.iter().collect();
        let doc = examples_document("t", "/tap/sync", &all);
        assert_eq!(doc.matches("typeof=\"example\"").count(), EXAMPLES.len());
        assert_eq!(doc.matches("property=\"query\"").count(), EXAMPLES.len());
        assert_eq!(doc.matches("property=\"name\"").count(), EXAMPLES.len());
        // An upload example says what to upload and has no link that could not run.
        let upload = doc.split("id=\"upload-crossmatch\"").nth(1).and_then(|d| d.split("</div>").next()).unwrap_or("");
        assert!(upload.contains("UPLOAD=mylist,param:mylist") && !upload.contains("Run it"), "{upload}");
        assert!(doc.contains("WHERE DISTANCE(POINT(ra, dec), POINT(266.4, -28.9)) &lt; 5"));
    }

    #[test]
    fn only_examples_on_served_tables_are_offered() {
        let demo = |t: &str| t.starts_with("gaiadr3.") || t.starts_with("tap_schema.");
        let ids: Vec<&str> = examples_for(&demo).iter().map(|e| e.id).collect();
        assert!(ids.contains(&"upload-crossmatch") && ids.contains(&"wide-binaries"), "{ids:?}");
        assert!(!ids.contains(&"gaia-hipparcos"), "no Hipparcos, no Hipparcos example");
        let with_hip = |t: &str| demo(t) || t == "hipparcos.main";
        assert_eq!(examples_for(&with_hip).len(), EXAMPLES.len());
    }

    #[test]
    fn percent_encoding() {
        assert_eq!(form_urlencoded_component("a b<=1"), "a%20b%3C%3D1");
        assert_eq!(form_urlencoded_component("x-y.z_w~+/é"), "x-y.z_w~%2B%2F%C3%A9");
    }
}
