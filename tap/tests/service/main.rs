//! End-to-end tests of the TAP service: the real `tap::App` on a free port over a small demo data
//! set (built with `astrotap_demo::demo` in a temp dir), spoken to over plain HTTP/1.1 sockets.
//! Expected values come from the synthetic generator itself (`astrotap_demo::generator`), not from
//! the service.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tap::output::all_formats;
use tap::{App, CatalogConfig, ForeignKeyConfig, QueryEngine, TapConfig};

const ROWS: u64 = 20_000;
const SIDE_ROWS: u64 = 400;
const SEED: u64 = 2016;

mod admission;
mod endpoints;
mod errors;
mod http;
mod interop;
mod lifecycle;
mod safety;
mod stopping;
mod sync;
mod tap_schema;
mod upload;

use http::{encode, get, send};

struct TestServer {
    addr: SocketAddr,
    engine: Arc<QueryEngine>,
}

fn demo_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = astrotap_demo::demo::DemoOptions {
            rows: ROWS,
            xp_rows: SIDE_ROWS,
            epoch_rows: SIDE_ROWS,
            seed: SEED,
            progress: false,
        };
        astrotap_demo::demo::build_demo(dir.path(), &opts).expect("build demo data");
        dir
    })
    .path()
}

/// Configurations made so far, numbering their spill dirs.
static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn config(tweak: impl FnOnce(&mut TapConfig)) -> TapConfig {
    let data_dir: PathBuf = demo_dir().to_path_buf();
    let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let root = astrotap_demo::demo::demo_root(&data_dir);
    let table = |name: &str, fk: bool| CatalogConfig {
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
        catalogs: vec![
            table("gaia_source", false),
            table("xp_continuous_mean_spectrum", true),
            table("epoch_photometry", true),
        ],
        // Servers of one test run share the data dir. Each starting server empties its spill dir
        // and marks the EXECUTING jobs of its job store as interrupted by a restart: neither may
        // be another running server's.
        spill_dir: data_dir.join(format!("spill-{n}")),
        jobs: tap::JobsConfig { dir: PathBuf::from(format!("uws-{n}")), ..Default::default() },
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

/// Text of an XML element (an example query in /examples) with the five predefined entities
/// resolved.
fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Great-circle distance in degrees (Vincenty formula: well-conditioned at all separations).
fn distance_deg(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (l1, b1, l2, b2) = (ra1.to_radians(), dec1.to_radians(), ra2.to_radians(), dec2.to_radians());
    let dl = l2 - l1;
    let num = ((b2.cos() * dl.sin()).powi(2) + (b1.cos() * b2.sin() - b1.sin() * b2.cos() * dl.cos()).powi(2)).sqrt();
    let den = b1.sin() * b2.sin() + b1.cos() * b2.cos() * dl.cos();
    num.atan2(den).to_degrees()
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
