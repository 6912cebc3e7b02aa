//! The service endpoints other than /sync: landing page, VOSI, /tables, request ids.

use super::*;

#[test]
fn landing_page_links_every_endpoint_and_table() {
    let r = get(server().addr, "/tap");
    assert_eq!(r.status, 200);
    let text = r.text();
    for path in ["/sync", "/async", "/capabilities", "/availability", "/tables", "/examples"] {
        assert!(text.contains(&format!("/tap{path}\"")), "landing page lacks {path}");
    }
    for t in ["gaiadr3.gaia_source", "gaiadr3.xp_continuous_mean_spectrum", "TAP_SCHEMA.columns"] {
        assert!(text.contains(t), "landing page lacks {t}");
    }
}

#[test]
fn availability_says_available() {
    let r = get(server().addr, "/tap/availability");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<vosi:available>true</vosi:available>"));
    assert!(r.text().contains("<vosi:upSince>20"));
}

#[test]
fn capabilities_list_languages_formats_and_limits() {
    let r = get(server().addr, "/tap/capabilities");
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.contains("standardID=\"ivo://ivoa.net/std/TAP\""));
    assert!(text.contains(&format!("<accessURL use=\"base\">http://{}/tap</accessURL>", server().addr)));
    assert!(text.contains("ivo://ivoa.net/std/ADQL#v2.0") && text.contains("ivo://ivoa.net/std/ADQL#v2.1"));
    for d in all_formats() {
        assert!(text.contains(&format!("<mime>{}</mime>", tap::output::xml_escape(d.mime))), "{}", d.mime);
    }
    assert!(text.contains("<hard unit=\"row\">1000000000</hard>"));
    assert!(text.contains("<default unit=\"row\">1000</default>"));
    // Inline uploads are on by default; fetching URLs is not.
    assert!(text.contains("<uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-inline\">"));
    assert!(!text.contains("#upload-http"), "URL uploads are off by default");
    assert!(text.contains(&format!("<uploadLimit><default unit=\"byte\">{}</default>", 64 << 20)));
    for f in tap::vosi::capabilities::udf_forms() {
        assert!(text.contains(tap::output::xml_escape(&f).as_ref()), "udf {f} missing");
    }
    for cap in ["VOSI#capabilities", "VOSI#availability", "VOSI#tables-1.1", "DALI#examples"] {
        assert!(text.contains(cap), "{cap}");
    }
}

#[test]
fn every_advertised_optional_feature_runs() {
    for f in tap::vosi::capabilities::OPTIONAL_FEATURES {
        let rows = csv_rows(&adql(f.example, "csv"));
        assert!(rows.len() >= 2, "{} ({}) gave no rows", f.form, f.example);
    }
}

#[test]
fn tables_use_votable_types_and_honour_detail() {
    let r = get(server().addr, "/tap/tables");
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.contains("<name>gaiadr3.gaia_source</name>"));
    assert!(text.contains("<column><name>ra</name><description>Right ascension (ICRS, at ref_epoch)</description><unit>deg</unit><ucd>pos.eq.ra;meta.main</ucd><dataType xsi:type=\"vs:VOTableType\">double</dataType><flag>indexed</flag><flag>principal</flag></column>"), "{text}");
    assert!(text.contains("<dataType xsi:type=\"vs:VOTableType\" arraysize=\"*\">char</dataType>"));
    for tap_type in [">DOUBLE<", ">BIGINT<", ">VARCHAR<", ">INTEGER<", ">REAL<"] {
        assert!(!text.contains(tap_type), "TAP type {tap_type} in /tables");
    }
    assert!(text.contains("<foreignKey><targetTable>gaiadr3.gaia_source</targetTable><fkColumn><fromColumn>source_id</fromColumn><targetColumn>source_id</targetColumn></fkColumn>"));

    let min = get(server().addr, "/tap/tables?detail=min").text();
    assert!(min.contains("<name>gaiadr3.gaia_source</name>") && !min.contains("<column>"));
    assert_error(&get(server().addr, "/tap/tables?detail=medium"), 400, "detail=medium");

    let one = get(server().addr, "/tap/tables/gaiadr3.epoch_photometry");
    assert_eq!(one.status, 200);
    assert!(one.text().contains("<vosi:table ") && one.text().contains("<name>g_transit_mag</name>"));
    assert_error(&get(server().addr, "/tap/tables/gaiadr3.nope"), 404, "gaiadr3.nope");
}

#[test]
fn request_ids_are_attached_and_distinct() {
    let a = get(server().addr, "/tap/availability");
    let b = get(server().addr, "/tap/availability");
    let (ia, ib) = (a.header("x-request-id").expect("id"), b.header("x-request-id").expect("id"));
    assert_ne!(ia, ib);
}
