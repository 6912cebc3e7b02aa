//! TAP_UPLOAD (TAP 1.1 §2.5.4) end to end: tables sent in a multipart request (CSV, VOTable
//! TABLEDATA/BINARY/BINARY2, Parquet, told apart by content), joined with the crossmatch operator
//! and checked against pairs computed here from the catalogue's own rows; limits and refusals;
//! and the same through an async job, whose stored files go with it.

use super::*;

const BOUNDARY: &str = "astrotap-test-boundary-7c1f";

/// A multipart/form-data body of `fields` and file `parts`.
fn multipart(fields: &[(&str, &str)], parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (name, data) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn post_multipart(addr: SocketAddr, path: &str, fields: &[(&str, &str)], parts: &[(&str, &[u8])]) -> http::Response {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    send(addr, "POST", path, &[("Content-Type", &content_type)], &multipart(fields, parts))
}

pub(super) fn sync_upload(query: &str, format: &str, upload: &str, parts: &[(&str, &[u8])]) -> http::Response {
    let fields = [("LANG", "ADQL"), ("QUERY", query), ("RESPONSEFORMAT", format), ("MAXREC", "100000"), ("UPLOAD", upload)];
    post_multipart(server().addr, "/tap/sync", &fields, parts)
}

/// (source_id, ra, dec) of every demo star, from the service.
fn catalogue() -> &'static Vec<(i64, f64, f64)> {
    static ROWS_: OnceLock<Vec<(i64, f64, f64)>> = OnceLock::new();
    ROWS_.get_or_init(|| {
        let rows = csv_rows(&adql("SELECT source_id, ra, dec FROM gaiadr3.gaia_source", "csv"));
        rows[1..].iter().map(|r| (r[0].parse().expect("id"), r[1].parse().expect("ra"), r[2].parse().expect("dec"))).collect()
    })
}

/// Upload positions: every 250th star, every other one moved 0.5" (still a match at 1"), every
/// fourth one moved 3" (no match), ids 1..; plus a NULL position.
fn positions() -> Vec<(i64, Option<(f64, f64)>)> {
    let mut out = Vec::new();
    for (i, (_, ra, dec)) in catalogue().iter().step_by(250).enumerate() {
        let shift = match i % 4 {
            1 => 0.5,
            3 => 3.0,
            _ => 0.0,
        } / 3600.0;
        let dec = if *dec + shift > 90.0 { dec - shift } else { dec + shift };
        out.push((i as i64 + 1, Some((*ra, dec))));
    }
    out.push((0, None));
    out
}

fn upload_csv() -> Vec<u8> {
    let mut text = String::from("ID,RA,Dec\n");
    for (id, pos) in positions() {
        match pos {
            Some((ra, dec)) => text.push_str(&format!("{id},{ra:?},{dec:?}\n")),
            None => text.push_str(&format!("{id},,\n")),
        }
    }
    text.into_bytes()
}

fn separation_deg(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (ra1, de1, ra2, de2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((de2 - de1) / 2.0).sin().powi(2) + de1.cos() * de2.cos() * ((ra2 - ra1) / 2.0).sin().powi(2);
    (2.0 * h.sqrt().min(1.0).asin()).to_degrees()
}

/// (upload id, source_id) within `radius_deg`, by brute force.
fn reference_pairs(radius_deg: f64) -> BTreeSet<(i64, i64)> {
    let mut pairs = BTreeSet::new();
    for (id, pos) in positions() {
        let Some(p) = pos else { continue };
        for (sid, ra, dec) in catalogue() {
            if separation_deg(p, (*ra, *dec)) <= radius_deg {
                pairs.insert((id, *sid));
            }
        }
    }
    pairs
}

fn pairs_of(r: &http::Response) -> BTreeSet<(i64, i64)> {
    csv_rows(r)[1..].iter().map(|row| (row[0].parse().expect("id"), row[1].parse().expect("source_id"))).collect()
}

#[test]
fn an_uploaded_csv_crossmatches_as_the_reference_in_every_spelling() {
    let csv = upload_csv();
    let reference = reference_pairs(1.0 / 3600.0);
    let uploaded = positions().iter().filter(|(_, p)| p.is_some()).count();
    assert!(reference.len() >= uploaded / 2, "the shifted-by-0.5\" half must match: {}", reference.len());
    for query in [
        "SELECT u.id, g.source_id FROM TAP_UPLOAD.mine AS u JOIN gaiadr3.gaia_source AS g \
         ON 1 = CONTAINS(POINT('ICRS', g.ra, g.dec), CIRCLE('ICRS', u.ra, u.dec, 1.0/3600))",
        "SELECT u.id, g.source_id FROM gaiadr3.gaia_source AS g, tap_upload.MINE AS u \
         WHERE DISTANCE(POINT(u.ra, u.dec), POINT(g.ra, g.dec)) <= 1.0/3600",
        "SELECT u.id, g.source_id FROM TAP_UPLOAD.mine u JOIN gaiadr3.gaia_source g \
         ON DISTANCE(u.ra, u.dec, g.ra, g.dec) < 1.0/3600",
    ] {
        let r = sync_upload(query, "csv", "mine,param:table1", &[("table1", &csv)]);
        assert_eq!(pairs_of(&r), reference, "{query}");
    }
    // LEFT OUTER keeps the unmatched uploads (and the NULL position) with an empty source_id.
    let left = "SELECT u.id, g.source_id FROM TAP_UPLOAD.mine AS u LEFT OUTER JOIN gaiadr3.gaia_source AS g \
                ON 1 = CONTAINS(POINT(g.ra, g.dec), CIRCLE(u.ra, u.dec, 1.0/3600))";
    let rows = csv_rows(&sync_upload(left, "csv", "mine,param:table1", &[("table1", &csv)]));
    let matched: BTreeSet<i64> = reference.iter().map(|(id, _)| *id).collect();
    let unmatched: BTreeSet<i64> = rows[1..].iter().filter(|r| r[1].is_empty()).map(|r| r[0].parse().expect("id")).collect();
    let all: BTreeSet<i64> = positions().iter().map(|(id, _)| *id).collect();
    assert_eq!(unmatched, all.difference(&matched).copied().collect(), "unmatched rows");
    assert_eq!(rows.len() - 1, reference.len() + unmatched.len());
}

#[test]
fn votable_and_parquet_uploads_are_read_by_content_and_keep_their_metadata() {
    // The service's own outputs as uploads: TABLEDATA, BINARY2, Parquet, and a CSV.
    let q = "SELECT TOP 40 source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source ORDER BY source_id";
    let expect = csv_rows(&adql(q, "csv"));
    for format in ["votable", "votable/b2", "parquet", "csv"] {
        let r = adql(q, format);
        assert_eq!(r.status, 200, "{format}");
        // A name that suggests another format must not matter.
        let back = sync_upload("SELECT * FROM TAP_UPLOAD.t ORDER BY source_id", "csv", "t,param:t.xml", &[("t.xml", &r.body)]);
        assert_eq!(csv_rows(&back), expect, "{format} upload");
        let doc = sync_upload("SELECT ra FROM TAP_UPLOAD.t", "votable", "t,param:t.xml", &[("t.xml", &r.body)]).text();
        if format != "csv" {
            assert!(doc.contains("unit=\"deg\""), "{format}: unit lost: {doc}");
            assert!(doc.contains("ucd=\"pos.eq.ra;meta.main\""), "{format}: ucd lost");
        }
    }
    // VOTable BINARY (big-endian cells, base64), two tables in one request.
    let mut cells = Vec::new();
    for (id, ra) in [(7i32, 10.5f64), (8, 20.25)] {
        cells.extend_from_slice(&id.to_be_bytes());
        cells.extend_from_slice(&ra.to_be_bytes());
    }
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &cells);
    let binary = format!(
        "<?xml version=\"1.0\"?><VOTABLE version=\"1.3\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE><TABLE>\
         <FIELD name=\"n\" datatype=\"int\"/><FIELD name=\"RA\" datatype=\"double\" unit=\"deg\"/>\
         <DATA><BINARY><STREAM encoding=\"base64\">{b64}</STREAM></BINARY></DATA></TABLE></RESOURCE></VOTABLE>"
    );
    let r = sync_upload(
        "SELECT a.n, a.ra, b.x FROM TAP_UPLOAD.a AS a CROSS JOIN TAP_UPLOAD.b AS b ORDER BY a.n",
        "csv",
        "a,param:a;b,param:b",
        &[("a", binary.as_bytes()), ("b", b"x\n42\n")],
    );
    assert_eq!(csv_rows(&r)[1..], [["7", "10.5", "42"], ["8", "20.25", "42"]].map(|r| r.map(String::from).to_vec()));
}

#[test]
fn uploads_are_for_their_query_only_and_refusals_say_why() {
    let csv = b"a\n1\n".as_slice();
    let ok = sync_upload("SELECT a FROM TAP_UPLOAD.t", "csv", "t,param:p", &[("p", csv)]);
    assert_eq!(csv_rows(&ok)[1..], [vec!["1".to_string()]]);
    // Gone after its query.
    let after = adql("SELECT a FROM TAP_UPLOAD.t", "csv");
    assert_error(&after, 400, "unknown table");
    // Refusals, each naming what to fix (the document escapes quotes, so the needles have none).
    let cases: [(&str, &[(&str, &[u8])], u16, &str); 5] = [
        ("t,param:nothere", &[("p", csv)], 400, "but the request has no file part named"),
        ("t,http://127.0.0.1:1/x.vot", &[], 400, "does not fetch tables from URLs"),
        ("t,ftp://h/x", &[], 400, "not a supported URI"),
        ("t,param:p", &[("p", b"<VOTABLE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA><TR><TD>x")], 400, "UPLOAD table"),
        ("t,param:p", &[("p", b"a,a\n1,2\n")], 400, "duplicate column name"),
    ];
    for (upload, parts, status, needle) in cases {
        let r = sync_upload("SELECT * FROM TAP_UPLOAD.t", "csv", upload, parts);
        assert_error(&r, status, needle);
    }
}

#[test]
fn upload_limits_are_enforced_and_advertised() {
    let s = start(config(|c| {
        c.uploads.max_rows = 3;
        c.uploads.max_bytes = 1000;
    }));
    let post = |data: &[u8]| {
        let fields = [("LANG", "ADQL"), ("QUERY", "SELECT COUNT(*) AS n FROM TAP_UPLOAD.t"), ("UPLOAD", "t,param:p")];
        post_multipart(s.addr, "/tap/sync", &fields, &[("p", data)])
    };
    assert_eq!(post(b"a\n1\n2\n3\n").status, 200);
    assert_error(&post(b"a\n1\n2\n3\n4\n"), 400, "more than the 3 rows");
    assert_error(&post(&[b'1'; 1500]), 413, "larger than the 1000 bytes");
    let caps = get(s.addr, "/tap/capabilities").text();
    assert!(caps.contains("<uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-inline\">"), "{caps}");
    assert!(caps.contains("<uploadLimit><default unit=\"byte\">1000</default><hard unit=\"byte\">1000</hard></uploadLimit>"), "{caps}");
    let off = start(config(|c| c.uploads.enabled = false));
    let fields = [("LANG", "ADQL"), ("QUERY", "SELECT 1 AS x FROM TAP_UPLOAD.t"), ("UPLOAD", "t,param:p")];
    assert_error(&post_multipart(off.addr, "/tap/sync", &fields, &[("p", b"a\n1\n")]), 400, "does not accept table uploads");
    assert!(!get(off.addr, "/tap/capabilities").text().contains("uploadMethod"));
}

#[test]
fn an_async_job_keeps_its_upload_until_it_is_destroyed() {
    let s = server();
    let csv = upload_csv();
    let query = "SELECT u.id, g.source_id FROM TAP_UPLOAD.mine AS u JOIN gaiadr3.gaia_source AS g \
                 ON 1 = CONTAINS(POINT(g.ra, g.dec), CIRCLE(u.ra, u.dec, 1.0/3600))";
    let fields = [("LANG", "ADQL"), ("QUERY", query), ("RESPONSEFORMAT", "csv"), ("UPLOAD", "mine,param:list")];
    let created = post_multipart(s.addr, "/tap/async", &fields, &[("list", &csv)]);
    assert_eq!(created.status, 303, "{}", created.text());
    let job_url = created.header("Location").expect("Location").to_string();
    let job_path = job_url.split_once(&s.addr.to_string()).map(|(_, p)| p.to_string()).expect("job path");
    let id = job_path.rsplit('/').next().expect("id").to_string();
    let uploads_dir = job_uploads(&id).expect("upload stored with the job");
    assert!(uploads_dir.join("list").is_file(), "upload stored with the job");
    // A parameter update may bring a file too (while PENDING).
    let updated = post_multipart(s.addr, &format!("{job_path}/parameters"), &[], &[("extra", b"a\n1\n")]);
    assert_eq!(updated.status, 303, "{}", updated.text());
    assert!(uploads_dir.join("extra").is_file());
    let run = send(s.addr, "POST", &format!("{job_path}/phase"), &[("Content-Type", "application/x-www-form-urlencoded")], b"PHASE=RUN");
    assert_eq!(run.status, 303);
    let mut done = String::new();
    for _ in 0..10 {
        done = get(s.addr, &format!("{job_path}?WAIT=30")).text();
        if !done.contains("QUEUED") && !done.contains("EXECUTING") {
            break;
        }
    }
    assert!(done.contains("COMPLETED"), "{done}");
    let result = get(s.addr, &format!("{job_path}/results/result"));
    assert_eq!(pairs_of(&result), reference_pairs(1.0 / 3600.0));
    let deleted = send(s.addr, "DELETE", &job_path, &[], b"");
    assert_eq!(deleted.status, 303);
    assert!(!uploads_dir.exists() && job_uploads(&id).is_none(), "uploads destroyed with the job");
}

/// Where a job's uploads are stored, in whichever test server's job store holds it.
fn job_uploads(id: &str) -> Option<PathBuf> {
    let stores = std::fs::read_dir(demo_dir()).ok()?;
    stores.flatten().map(|e| e.path().join("uploads").join(id)).find(|p| p.is_dir())
}

/// A one-file HTTP server on loopback: every GET gets `body`. For URL uploads from an allow-list.
pub(super) fn serve_file(body: Vec<u8>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind file server");
    let addr = listener.local_addr().expect("file server address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let header = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(header.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    addr
}

/// A server that may fetch uploads from one local file server (also the one taplint checks:
/// TAP requires http uploads wherever uploads are offered).
pub(super) fn url_upload_server() -> &'static (TestServer, SocketAddr) {
    static S: OnceLock<(TestServer, SocketAddr)> = OnceLock::new();
    S.get_or_init(|| {
        let files = serve_file(upload_csv());
        let server = start(config(|c| c.uploads.allow_url_prefixes = vec![format!("http://{files}/")]));
        (server, files)
    })
}

#[test]
fn url_uploads_come_only_from_the_allow_list() {
    let (s, files) = url_upload_server();
    let query = "SELECT u.id, g.source_id FROM TAP_UPLOAD.mine AS u JOIN gaiadr3.gaia_source AS g \
                 ON 1 = CONTAINS(POINT(g.ra, g.dec), CIRCLE(u.ra, u.dec, 1.0/3600))";
    let url_upload = |upload: String| {
        let form = format!("LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}&UPLOAD={}", encode(query), encode(&upload));
        send(s.addr, "POST", "/tap/sync", &[("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes())
    };
    assert_eq!(pairs_of(&url_upload(format!("mine,http://{files}/list.csv"))), reference_pairs(1.0 / 3600.0));
    // The same host on another port, or the service itself, is outside the list.
    let other = serve_file(upload_csv());
    assert_error(&url_upload(format!("mine,http://{other}/list.csv")), 400, "does not fetch tables from URLs");
    assert_error(&url_upload(format!("mine,http://{}/tap/capabilities", s.addr)), 400, "does not fetch tables from URLs");
    let caps = get(s.addr, "/tap/capabilities").text();
    assert!(caps.contains("ivo://ivoa.net/std/TAPRegExt#upload-http"), "{caps}");
}
