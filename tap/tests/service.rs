//! End-to-end tests of the TAP service: the real `tap::App` on a free port over a small demo data
//! set (built with `hats::demo` in a temp dir), spoken to over plain HTTP/1.1 sockets. Expected
//! values come from the synthetic generator itself (`hats::generator`), not from the service.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tap::output::all_formats;
use tap::{App, CatalogueConfig, ForeignKeyConfig, QueryEngine, TapConfig};

const ROWS: u64 = 20_000;
const SIDE_ROWS: u64 = 400;
const SEED: u64 = 2016;

/// A minimal HTTP/1.1 client: enough to see status, headers and (chunked) bodies exactly as sent.
mod http {
    use super::*;

    pub struct Response {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Response {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    pub fn connect(addr: SocketAddr) -> TcpStream {
        let s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(120))).ok();
        s
    }

    pub fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut s = connect(addr);
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("write head");
        // An early 413 may close the socket while we still send; reading the answer is what counts.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw)
    }

    pub fn get(addr: SocketAddr, target: &str) -> Response {
        send(addr, "GET", target, &[], b"")
    }

    fn parse(raw: &[u8]) -> Response {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("no end of headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let rest = &raw[split + 4..];
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
        let body = if chunked { dechunk(rest) } else { rest.to_vec() };
        Response { status, headers, body }
    }

    fn dechunk(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else { panic!("truncated chunked body") };
            let size_text = String::from_utf8_lossy(&data[..eol]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .expect("chunk size");
            data = &data[eol + 2..];
            if size == 0 {
                return out;
            }
            assert!(data.len() >= size + 2, "truncated chunk");
            out.extend_from_slice(&data[..size]);
            data = &data[size + 2..];
        }
    }

    pub fn encode(text: &str) -> String {
        tap::examples::form_urlencoded_component(text)
    }
}

use http::{encode, get, send};

struct TestServer {
    addr: SocketAddr,
    engine: Arc<QueryEngine>,
}

fn demo_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = hats::demo::DemoOptions {
            rows: ROWS,
            xp_rows: SIDE_ROWS,
            epoch_rows: SIDE_ROWS,
            seed: SEED,
            progress: false,
        };
        hats::demo::build_demo(dir.path(), &opts).expect("build demo data");
        dir
    })
    .path()
}

fn config(tweak: impl FnOnce(&mut TapConfig)) -> TapConfig {
    let data_dir: PathBuf = demo_dir().to_path_buf();
    let root = hats::demo::demo_root(&data_dir);
    let table = |name: &str, fk: bool| CatalogueConfig {
        schema: "gaiadr3".into(),
        table: name.into(),
        path: root.join(name),
        description: Some(format!("demo {name}")),
        foreign_keys: if fk {
            vec![ForeignKeyConfig {
                target_table: "gaiadr3.gaia_source".into(),
                columns: vec![("source_id".into(), "source_id".into())],
                description: Some("the source of this row".into()),
            }]
        } else {
            Vec::new()
        },
    };
    let mut cfg = TapConfig {
        listen: "127.0.0.1:0".into(),
        base_path: "/tap".into(),
        maxrec_default: 1000,
        maxrec_limit: 1_000_000_000,
        max_body_bytes: 64 * 1024,
        query_threads: 2,
        catalogues: vec![
            table("gaia_source", false),
            table("xp_continuous_mean_spectrum", true),
            table("epoch_photometry", true),
        ],
        data_dir,
        ..TapConfig::default()
    };
    tweak(&mut cfg);
    cfg
}

/// Starts an App on its own thread and runtime (so it outlives any one test).
fn start(cfg: TapConfig) -> TestServer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        rt.block_on(async move {
            let app = App::build(cfg).await.expect("App::build");
            tx.send((app.bind_addr(), app.engine())).expect("send addr");
            app.run().await.expect("server run");
        });
    });
    let (addr, engine) = rx.recv_timeout(Duration::from_secs(300)).expect("server did not start");
    TestServer { addr, engine }
}

fn server() -> &'static TestServer {
    static S: OnceLock<TestServer> = OnceLock::new();
    S.get_or_init(|| start(config(|_| {})))
}

fn sync_get(params: &[(&str, &str)]) -> http::Response {
    let qs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    get(server().addr, &format!("/tap/sync?{}", qs.join("&")))
}

fn adql(query: &str, format: &str) -> http::Response {
    sync_get(&[("LANG", "ADQL"), ("QUERY", query), ("RESPONSEFORMAT", format), ("MAXREC", "100000")])
}

/// CSV rows (header first); the service's CSV has no embedded newlines for these queries.
fn csv_rows(r: &http::Response) -> Vec<Vec<String>> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.text()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_end_matches('\r').split(',').map(|s| s.trim_matches('"').to_string()).collect())
        .collect()
}

fn assert_error(r: &http::Response, status: u16, needle: &str) {
    let text = r.text();
    assert_eq!(r.status, status, "{text}");
    assert!(
        r.header("content-type").unwrap_or("").starts_with("application/x-votable+xml"),
        "error document type: {:?}",
        r.header("content-type")
    );
    assert!(text.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\""), "{text}");
    assert!(text.contains(needle), "expected {needle:?} in {text}");
}

/// Great-circle distance in degrees (Vincenty formula: well-conditioned at all separations).
fn distance_deg(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (l1, b1, l2, b2) = (ra1.to_radians(), dec1.to_radians(), ra2.to_radians(), dec2.to_radians());
    let dl = l2 - l1;
    let num = ((b2.cos() * dl.sin()).powi(2) + (b1.cos() * b2.sin() - b1.sin() * b2.cos() * dl.cos()).powi(2)).sqrt();
    let den = b1.sin() * b2.sin() + b1.cos() * b2.cos() * dl.cos();
    num.atan2(den).to_degrees()
}

mod endpoints {
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
        assert!(!text.contains("uploadMethod"), "no upload method is served");
        for f in tap::vosi::capabilities::udf_forms() {
            assert!(text.contains(&tap::output::xml_escape(&f)), "udf {f} missing");
        }
        for cap in ["VOSI#capabilities", "VOSI#availability", "VOSI#tables-1.1", "DALI#examples"] {
            assert!(text.contains(cap), "{cap}");
        }
    }

    #[test]
    #[ignore = "issue 5 open: the EXCEPT example is empty when XP and epoch photometry cover the same sources (demo sizes)"]
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
}

mod tap_schema {
    use super::*;

    #[test]
    fn columns_come_from_the_catalogue_metadata() {
        let rows = csv_rows(&adql(
            "SELECT column_name, datatype, unit, ucd, indexed, principal, std, column_index \
             FROM TAP_SCHEMA.columns WHERE table_name = 'gaiadr3.gaia_source' ORDER BY column_index",
            "csv",
        ));
        assert_eq!(rows[0], ["column_name", "datatype", "unit", "ucd", "indexed", "principal", "std", "column_index"]);
        let reference = hats::generator::gaia_source::schema();
        for field in reference.fields() {
            let row = rows.iter().find(|r| r[0] == *field.name()).unwrap_or_else(|| panic!("{} missing", field.name()));
            let md = field.metadata();
            assert_eq!(row[2], md.get("unit").cloned().unwrap_or_default(), "unit of {}", field.name());
            assert_eq!(row[3], md.get("ucd").cloned().unwrap_or_default(), "ucd of {}", field.name());
            let expected_type = match field.data_type() {
                datafusion::arrow::datatypes::DataType::Float64 => "double",
                datafusion::arrow::datatypes::DataType::Float32 => "float",
                datafusion::arrow::datatypes::DataType::Int64 => "long",
                other => panic!("unexpected type {other}"),
            };
            assert_eq!(row[1], expected_type, "datatype of {}", field.name());
            assert_eq!(row[6], "0");
        }
        let hpx = rows.iter().find(|r| r[0] == "_healpix_29").expect("_healpix_29 listed");
        assert_eq!((hpx[4].as_str(), hpx[5].as_str()), ("1", "0"), "indexed, not principal");
        let indices: Vec<i64> = rows[1..].iter().map(|r| r[7].parse().expect("column_index")).collect();
        assert_eq!(indices, (1..=indices.len() as i64).collect::<Vec<_>>());
    }

    #[test]
    fn tap_schema_describes_itself_and_its_keys() {
        let tables = csv_rows(&adql("SELECT table_name FROM TAP_SCHEMA.tables ORDER BY table_index", "csv"));
        let names: Vec<&str> = tables[1..].iter().map(|r| r[0].as_str()).collect();
        for t in ["TAP_SCHEMA.schemas", "TAP_SCHEMA.tables", "TAP_SCHEMA.columns", "TAP_SCHEMA.keys", "TAP_SCHEMA.key_columns", "gaiadr3.gaia_source"] {
            assert!(names.contains(&t), "{t} not in TAP_SCHEMA.tables: {names:?}");
        }
        let cols = csv_rows(&adql(
            "SELECT column_name, std FROM TAP_SCHEMA.columns WHERE table_name = 'TAP_SCHEMA.columns'",
            "csv",
        ));
        let names: BTreeSet<&str> = cols[1..].iter().map(|r| r[0].as_str()).collect();
        for c in ["table_name", "column_name", "datatype", "arraysize", "xtype", "size", "description", "utype", "unit", "ucd", "indexed", "principal", "std", "column_index"] {
            assert!(names.contains(c), "TAP_SCHEMA.columns lacks {c}");
        }
        assert!(cols[1..].iter().all(|r| r[1] == "1"));
        let keys = csv_rows(&adql(
            "SELECT k.from_table, k.target_table, c.from_column, c.target_column FROM TAP_SCHEMA.keys AS k \
             JOIN TAP_SCHEMA.key_columns AS c ON k.key_id = c.key_id WHERE k.from_table = 'gaiadr3.epoch_photometry'",
            "csv",
        ));
        assert_eq!(keys[1], ["gaiadr3.epoch_photometry", "gaiadr3.gaia_source", "source_id", "source_id"]);
    }
}

mod sync {
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
            let s = hats::generator::gaia_source::star(SEED, i);
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
        let min = (0..ROWS).map(|i| hats::generator::gaia_source::star(SEED, i).source_id).min().expect("rows");
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
        for part in doc.split("<pre property=\"query\">").skip(1) {
            let query = part.split("</pre>").next().expect("closing pre");
            let query = query.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
            let rows = csv_rows(&adql(&query, "csv"));
            assert!(rows.len() >= 2, "example gave no rows:\n{query}");
            n += 1;
        }
        assert!(n >= 10, "only {n} examples");
        assert_eq!(doc.matches("typeof=\"example\"").count(), n);
    }
}

mod errors {
    use super::*;

    #[test]
    fn bad_parameters_are_400_with_a_dali_error_document() {
        let q = "SELECT TOP 1 source_id FROM gaiadr3.gaia_source";
        assert_error(&sync_get(&[("QUERY", q)]), 400, "LANG");
        assert_error(&sync_get(&[("LANG", "SQL"), ("QUERY", q)]), 400, "LANG=SQL");
        assert_error(&sync_get(&[("LANG", "ADQL")]), 400, "QUERY is missing");
        assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("MAXREC", "-1")]), 400, "MAXREC=-1");
        assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("MAXREC", "lots")]), 400, "MAXREC=lots");
        assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("RESPONSEFORMAT", "fits")]), 400, "text/csv");
        assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", q), ("QUERY", q)]), 400, "QUERY was given more than once");
        assert_error(&sync_get(&[("REQUEST", "getCapabilities"), ("LANG", "ADQL"), ("QUERY", q)]), 400, "doQuery");
    }

    #[test]
    fn bad_adql_is_400_with_line_and_column() {
        let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT source_id\nFROM gaiadr3.gaia_source\nWHERE nosuchcolumn > 1")]);
        assert_error(&r, 400, "nosuchcolumn");
        assert!(r.text().contains("3:7"), "line:col of the unknown column: {}", r.text());
        let r = sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT FROM WHERE")]);
        assert_error(&r, 400, "1:");
        assert_error(&sync_get(&[("LANG", "ADQL"), ("QUERY", "SELECT * FROM gaiadr3.nosuchtable")]), 400, "nosuchtable");
    }

    #[test]
    fn oversize_bodies_are_413() {
        let big = format!("LANG=ADQL&QUERY={}", "x".repeat(200 * 1024));
        let r = send(server().addr, "POST", "/tap/sync", &[("Content-Type", "application/x-www-form-urlencoded")], big.as_bytes());
        assert_error(&r, 413, "65536");
    }
}

mod lifecycle {
    use super::*;

    /// A query that produces rows for a long time: every pair of stars.
    const ENDLESS: &str = "SELECT a.source_id, b.source_id FROM gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b";

    #[test]
    fn client_disconnect_cancels_the_query() {
        let s = start(config(|_| {}));
        let mut sock = http::connect(s.addr);
        let target = format!("/tap/sync?LANG=ADQL&MAXREC=100000000&QUERY={}", encode(ENDLESS));
        write!(sock, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0;
        while got < 256 * 1024 {
            got += sock.read(&mut buf).expect("read");
        }
        assert_eq!(s.engine.active_queries(), 1, "the query is running");
        drop(sock);
        let t0 = Instant::now();
        while s.engine.active_queries() > 0 {
            assert!(t0.elapsed() < Duration::from_secs(20), "query still running 20 s after the client left");
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("query cancelled {:?} after disconnect", t0.elapsed());
    }

    #[test]
    fn sync_timeout_is_408_pointing_to_async() {
        let s = start(config(|c| c.sync_timeout_secs = 1));
        let q = "SELECT COUNT(*) AS n FROM gaiadr3.gaia_source AS a CROSS JOIN gaiadr3.gaia_source AS b WHERE a.ra + b.ra > 1000";
        let t0 = Instant::now();
        let r = get(s.addr, &format!("/tap/sync?LANG=ADQL&QUERY={}", encode(q)));
        assert_error(&r, 408, &format!("http://{}/tap/async", s.addr));
        assert!(t0.elapsed() < Duration::from_secs(10), "timeout took {:?}", t0.elapsed());
        let t1 = Instant::now();
        while s.engine.active_queries() > 0 {
            assert!(t1.elapsed() < Duration::from_secs(20), "timed-out query still running");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Standard clients against the real server: pyvo/astropy/pyarrow (tests/py/test_tap.py) and STILTS
/// taplint (scripts/taplint.sh). Each is skipped with a notice when its tool is not installed.
mod interop {
    use super::*;
    use std::process::Command;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn venv_python() -> Option<PathBuf> {
        let venv = std::env::var_os("ASTROTAP_VENV").map(PathBuf::from).or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/astrotap-venv"))
        })?;
        let python = venv.join("bin/python");
        (python.is_file() && venv.join(".astrotap-reqs-v1").is_file()).then_some(python)
    }

    #[test]
    fn python_client_suite() {
        let Some(python) = venv_python() else {
            eprintln!("NOTICE: python venv absent (run scripts/setup-python.sh); pyvo suite skipped");
            return;
        };
        let out = Command::new(python)
            .arg(repo_root().join("tests/py/test_tap.py"))
            .env("ASTROTAP_TAP_URL", format!("http://{}/tap", server().addr))
            .env("ASTROTAP_DEMO_ROOT", hats::demo::demo_root(demo_dir()))
            .output()
            .expect("run python");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        eprintln!("{text}");
        assert!(out.status.success(), "python client suite failed:\n{text}");
        assert!(text.matches("PASS ").count() >= 9, "{text}");
    }

    #[test]
    #[ignore = "issue 5 open: taplint E-TME-CNID (_healpix_29 not a regular ADQL identifier) and E-TMS-CRSV (TAP_SCHEMA.columns size column)"]
    fn taplint_reports_no_errors() {
        if Command::new("stilts").arg("-version").output().is_err() {
            eprintln!("NOTICE: stilts not installed (run scripts/setup-stilts.sh); taplint skipped");
            return;
        }
        let report = demo_dir().join("taplint-report.txt");
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/taplint.sh"))
            .arg(format!("http://{}/tap", server().addr))
            .arg(&report)
            .output()
            .expect("run taplint.sh");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("E-")).collect();
        eprintln!("{}", text.lines().filter(|l| l.starts_with("W-") || l.contains("Totals")).collect::<Vec<_>>().join("\n"));
        assert!(out.status.success() && errors.is_empty(), "taplint errors:\n{}\n{}", errors.join("\n"), String::from_utf8_lossy(&out.stderr));
    }
}

/// `cargo test -p astrotap-tap --test service manual_server -- --ignored --nocapture` serves the
/// demo data for ASTROTAP_SERVE_SECS seconds (default 600), for poking at it with TOPCAT or taplint.
#[test]
#[ignore]
fn manual_server() {
    let secs: u64 = std::env::var("ASTROTAP_SERVE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    eprintln!("serving http://{}/tap for {secs} s (demo data in {})", server().addr, demo_dir().display());
    std::thread::sleep(Duration::from_secs(secs));
}
