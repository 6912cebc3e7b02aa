//! /sync: results, formats, MAXREC, parameters, gzip, /examples.

use super::*;

#[test]
fn cone_search_matches_the_generator() {
    let (ra0, dec0, r) = (266.4, -28.9, 5.0);
    let rows = csv_rows(&adql(
        &format!("SELECT source_id FROM gaiadr3.gaia_source WHERE DISTANCE(POINT(ra, dec), POINT({ra0}, {dec0})) < {r}"),
        "csv",
    ));
    let got: BTreeSet<i64> = rows[1..].iter().map(|r| r[0].parse().expect("source_id")).collect();
    let mut expected = BTreeSet::new();
    let mut borderline = BTreeSet::new();
    for i in 0..ROWS {
        let s = astrotap_demo::generator::gaia_source::star(SEED, i);
        let d = distance_deg(s.ra, s.dec, ra0, dec0);
        if (d - r).abs() < 1e-9 {
            borderline.insert(s.source_id);
        } else if d < r {
            expected.insert(s.source_id);
        }
    }
    assert!(expected.len() > 10, "the field should not be empty ({})", expected.len());
    let got: BTreeSet<i64> = got.difference(&borderline).copied().collect();
    assert_eq!(got, expected);
}

#[test]
fn every_format_streams_with_its_media_type() {
    let q = "SELECT TOP 7 source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source ORDER BY source_id";
    for d in all_formats() {
        let r = adql(q, d.mime);
        assert_eq!(r.status, 200, "{}: {}", d.mime, r.text());
        assert_eq!(r.header("content-type"), Some(d.mime), "content type for {}", d.mime);
        match d.format {
            tap::output::OutputFormat::VoTableTableData => assert_eq!(r.text().matches("<TR>").count(), 7),
            tap::output::OutputFormat::VoTableBinary2 => assert!(r.text().contains("<BINARY2>")),
            tap::output::OutputFormat::Parquet => {
                assert_eq!(&r.body[..4], b"PAR1");
                assert_eq!(&r.body[r.body.len() - 4..], b"PAR1");
            }
            tap::output::OutputFormat::Csv => {
                assert_eq!(csv_rows(&r)[0], ["source_id", "ra", "dec", "phot_g_mean_mag"]);
                assert_eq!(csv_rows(&r).len(), 8);
            }
            tap::output::OutputFormat::Tsv => {
                assert_eq!(r.text().lines().next(), Some("source_id\tra\tdec\tphot_g_mean_mag"));
            }
        }
        for alias in d.aliases {
            assert_eq!(adql(q, alias).status, 200, "alias {alias}");
        }
    }
}

#[test]
fn default_format_is_votable_and_first_values_match() {
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 source_id FROM gaiadr3.gaia_source ORDER BY source_id")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/x-votable+xml"));
    let min = (0..ROWS).map(|i| astrotap_demo::generator::gaia_source::star(SEED, i).source_id).min().expect("rows");
    assert!(r.text().contains(&format!("<TD>{min}</TD>")), "{}", r.text());
    assert!(r.text().contains("<INFO name=\"QUERY_STATUS\" value=\"OK\""));
}

#[test]
fn maxrec_truncates_with_overflow_and_zero_means_metadata() {
    let q = "SELECT source_id, ra FROM gaiadr3.gaia_source";
    let r = sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("MAXREC", "5")]);
    assert_eq!(r.status, 200);
    let text = r.text();
    assert_eq!(text.matches("<TR>").count(), 5);
    assert!(text.contains("name=\"QUERY_STATUS\" value=\"OVERFLOW\""), "{text}");

    let exact = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT TOP 5 source_id FROM gaiadr3.gaia_source"), ("MAXREC", "5")]);
    assert!(!exact.text().contains("OVERFLOW"), "5 rows of 5 is no overflow");

    let meta = sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("MAXREC", "0")]);
    assert_eq!(meta.status, 200);
    assert_eq!(meta.text().matches("<TR>").count(), 0);
    assert!(meta.text().contains("<FIELD") && meta.text().contains("name=\"ra\""));

    // No MAXREC: the configured default (1000) applies.
    let dflt = sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("RESPONSEFORMAT", "csv")]);
    assert_eq!(csv_rows(&dflt).len(), 1001);
}

#[test]
fn runid_is_echoed_and_names_are_case_insensitive() {
    let r = sync_get(&[("lang", "ADQL-2.1"), ("query", "SELECT TOP 1 source_id FROM gaiadr3.gaia_source"), ("RunId", "my-run-42"), ("UNKNOWN", "ignored")]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("my-run-42"), "{}", r.text());
}

#[test]
fn post_form_and_multipart_give_the_same_answer() {
    let q = "SELECT TOP 3 source_id FROM gaiadr3.gaia_source ORDER BY source_id";
    let form = format!("LANG=ADQL&QUERY={}&RESPONSEFORMAT=csv", encode(q));
    let a = send(server().addr, "POST", "/tap/sync", &[("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes());
    let boundary = "----astrotap-test";
    let mut mp = String::new();
    for (k, v) in [("LANG", "ADQL"), ("QUERY", q), ("RESPONSEFORMAT", "csv")] {
        mp.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    mp.push_str(&format!("--{boundary}--\r\n"));
    let b = send(
        server().addr,
        "POST",
        "/tap/sync",
        &[("Content-Type", &format!("multipart/form-data; boundary={boundary}"))],
        mp.as_bytes(),
    );
    assert_eq!(csv_rows(&a).len(), 4);
    assert_eq!(csv_rows(&a), csv_rows(&b));
    // Query string and body parameters merge.
    let c = send(server().addr, "POST", "/tap/sync?LANG=ADQL&RESPONSEFORMAT=csv", &[("Content-Type", "application/x-www-form-urlencoded")], format!("QUERY={}", encode(q)).as_bytes());
    assert_eq!(csv_rows(&a), csv_rows(&c));
}

#[test]
fn gzip_is_used_when_accepted() {
    let q = format!("/tap/sync?LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}", encode("SELECT TOP 50 source_id, ra FROM gaiadr3.gaia_source ORDER BY source_id"));
    let plain = get(server().addr, &q);
    let gz = send(server().addr, "GET", &q, &[("Accept-Encoding", "gzip")], b"");
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut decoded).expect("gunzip");
    assert_eq!(decoded, plain.body);
}

#[test]
fn examples_all_run_and_return_rows() {
    let r = get(server().addr, "/tap/examples");
    assert_eq!(r.status, 200);
    let doc = r.text();
    let mut n = 0;
    let mut ids = Vec::new();
    for part in doc.split("<pre property=\"query\">").skip(1) {
        let query = part.split("</pre>").next().expect("closing pre");
        let query = unescape_xml(query);
        let after = part.split("</div>").next().unwrap_or("");
        // An upload example says which table to upload: send a few demo stars as that table.
        let rows = match after.split("<code>UPLOAD=").nth(1).and_then(|u| u.split(',').next()) {
            Some(table) => {
                let csv = csv_rows(&adql("SELECT TOP 5 source_id, ra, dec FROM gaiadr3.gaia_source ORDER BY source_id", "csv"));
                let text: String = csv.iter().map(|r| format!("{}\n", r.join(","))).collect();
                csv_rows(&super::upload::sync_upload(&query, "csv", &format!("{table},param:{table}"), &[(table, text.as_bytes())]))
            }
            None => csv_rows(&adql(&query, "csv")),
        };
        assert!(rows.len() >= 2, "example gave no rows:\n{query}");
        n += 1;
    }
    for part in doc.split("<div id=\"").skip(1) {
        ids.push(part.split('"').next().unwrap_or("").to_string());
    }
    assert!(n >= 10, "only {n} examples");
    // Every example is offered but the one on a table the demo does not serve.
    assert!(ids.iter().any(|i| i == "upload-crossmatch") && ids.iter().any(|i| i == "wide-binaries"), "{ids:?}");
    assert!(!ids.iter().any(|i| i == "gaia-hipparcos"), "{ids:?}");
    assert_eq!(n, tap::examples::EXAMPLES.len() - 1);
    assert_eq!(doc.matches("typeof=\"example\"").count(), n);
}
