//! Admission control and fair memory: the sync slot limit (503 + Retry-After, the slot coming
//! back when its query ends), sorts that spill instead of failing, and the per-query limit named.

use super::*;

use lifecycle::ENDLESS;

const SMALL: &str = "SELECT TOP 3 source_id FROM gaiadr3.gaia_source";

fn small_query(addr: SocketAddr) -> http::Response {
    get(addr, &format!("/tap/sync?LANG=ADQL&RESPONSEFORMAT=csv&QUERY={}", encode(SMALL)))
}

#[test]
fn a_sync_query_over_the_limit_is_503_with_retry_after_until_the_slot_is_released() {
    let s = start(config(|c| {
        // No job store: these servers need none, and fewer SQLite writers on the shared data dir.
        c.jobs.enabled = false;
        c.max_sync_queries = 1;
        c.sync_queue_wait_ms = 100;
    }));
    // The one slot: a query that streams rows for minutes, read only as far as the first bytes.
    let mut hog = http::connect(s.addr);
    let target = format!("/tap/sync?LANG=ADQL&MAXREC=100000000&QUERY={}", encode(ENDLESS));
    write!(hog, "GET {target} HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr).expect("send");
    let mut buf = vec![0u8; 64 * 1024];
    let n = hog.read(&mut buf).expect("first bytes");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    assert_eq!(s.engine.free_sync_slots(), 0, "the streaming query holds the slot");

    let refused = small_query(s.addr);
    assert_error(&refused, 503, "max_sync_queries");
    let retry: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After in seconds: {:?}", refused.headers));
    assert!(retry >= 1, "Retry-After {retry}");
    // Metadata endpoints take no slot.
    assert_eq!(get(s.addr, "/tap/tables").status, 200);
    assert_eq!(get(s.addr, "/tap/capabilities").status, 200);

    // The client of the streaming query goes away: its slot must come back.
    drop(hog);
    let t0 = Instant::now();
    loop {
        let r = small_query(s.addr);
        if r.status == 200 {
            assert_eq!(csv_rows(&r).len(), 4, "header and 3 rows: {}", r.text());
            break;
        }
        assert_error(&r, 503, "max_sync_queries");
        assert!(t0.elapsed() < Duration::from_secs(30), "the slot was not released 30 s after the client left");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A finished query gives its slot back too: the next query is admitted at once.
    let t1 = Instant::now();
    while s.engine.free_sync_slots() < 1 {
        assert!(t1.elapsed() < Duration::from_secs(30), "slot of a finished query not released");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(small_query(s.addr).status, 200);
}

#[test]
fn a_sort_over_the_per_query_limit_spills_to_disk_and_is_right() {
    let spill = tempfile::tempdir().expect("tempdir");
    let s = start(config(|c| {
        // Every column of 20,000 rows is a few MiB; with 3 MiB the sort spills (in this setup it
        // does from 2 to 4 MiB; at 5 it fits in memory).
        c.query_memory_per_query_mb = 3;
        // One partition: a budget this small, split between two partitions' sorts and the merge
        // above them, leaves none of them room for a batch.
        c.query_threads = 1;
        c.jobs.enabled = false;
        c.spill_dir = spill.path().to_path_buf();
    }));
    let engine = s.engine.clone();
    // Spill files live from the first spilled run until the merge of the runs has been read.
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = watching.clone();
        std::thread::spawn(move || {
            let disks = engine.context().runtime_env().disk_manager.clone();
            let mut most = 0;
            while watching.load(std::sync::atomic::Ordering::SeqCst) {
                most = most.max(disks.spilling_progress().active_files_count);
                std::thread::sleep(Duration::from_millis(1));
            }
            most
        })
    };
    // MAXREC 100,000 makes this a TopK of 100,001 rows unless the plan turns it into a sort that
    // can spill (`engine::large_sorts`).
    let q = "SELECT * FROM gaiadr3.gaia_source ORDER BY ra";
    let r = get(s.addr, &format!("/tap/sync?LANG=ADQL&RESPONSEFORMAT=csv&MAXREC=100000&QUERY={}", encode(q)));
    watching.store(false, std::sync::atomic::Ordering::SeqCst);
    let most_spill_files = watcher.join().expect("watcher");
    let rows = csv_rows(&r);
    let ra = rows[0].iter().position(|c| c == "ra").unwrap_or_else(|| panic!("no ra in {:?}", rows[0]));
    let values: Vec<f64> =
        rows[1..].iter().map(|row| row[ra].parse().unwrap_or_else(|_| panic!("ra {:?}", row[ra]))).collect();
    assert_eq!(values.len() as u64, ROWS, "every row comes back");
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "rows sorted by ra");
    let ids: BTreeSet<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(ids.len() as u64, ROWS, "each source once");
    assert!(most_spill_files > 0, "the sort finished without spilling: the per-query limit did not apply");
}

#[test]
fn a_query_over_the_per_query_limit_names_that_limit() {
    // The hash join's build side (every column of 20,000 rows) cannot spill.
    let s = start(config(|c| {
        c.query_memory_per_query_mb = 1;
        c.jobs.enabled = false;
    }));
    let q = "SELECT TOP 5 * FROM gaiadr3.gaia_source AS a JOIN gaiadr3.gaia_source AS b ON a.source_id = b.source_id";
    let r = get(s.addr, &format!("/tap/sync?LANG=ADQL&QUERY={}", encode(q)));
    assert_error(&r, 400, "the limit of 1 MiB that one query may hold (query_memory_per_query_mb)");
}
