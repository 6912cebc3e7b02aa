//! Interoperability with the reference implementation: `hats` (Python) reads what we write, and we
//! serve what `hats-import` writes from the same input.

use std::io::Write;
use std::path::Path;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Float64Type;
use hats::layout::read_partition_info;

use crate::support::*;

#[tokio::test]
async fn python_hats_reads_our_catalog() {
    let Some(py) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gaia_source");
    let summary = synthetic_catalog(&out, 25_000, 3_000);
    let code = r#"
import sys, hats
cat = hats.read_hats(sys.argv[1])
print(cat.catalog_info.total_rows)
print(cat.catalog_info.ra_column, cat.catalog_info.dec_column)
print(";".join(f"{p.order},{p.pixel}" for p in sorted(cat.get_healpix_pixels())))
print(",".join(cat.schema.names[:3]))
import pyarrow.parquet as pq
print(sum(pq.read_metadata(str(cat.catalog_base_dir / "dataset" / "_metadata")).num_rows for _ in [0]))
"#;
    let out_text = python(&py, code, &[out.to_str().unwrap()]);
    let lines: Vec<&str> = out_text.lines().collect();
    assert_eq!(lines[0], "25000");
    assert_eq!(lines[1], "ra dec");
    let mut ours: Vec<_> = summary.partitions.iter().map(|(p, _)| (p.order, p.npix)).collect();
    ours.sort();
    let theirs: Vec<(u8, u64)> = lines[2].split(';').map(|s| {
        let (o, n) = s.split_once(',').unwrap();
        (o.parse().unwrap(), n.parse().unwrap())
    }).collect();
    assert_eq!(theirs, ours);
    assert_eq!(lines[3], "_healpix_29,source_id,ra");
    assert_eq!(lines[4], "25000");
}

/// The same CSV through hats-import: we open its output, see its partitions and serve its rows.
#[tokio::test]
async fn we_serve_a_hats_import_catalog() {
    let Some(py) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    let batch = astrotap_demo::generator::gaia_source::batch(5, 0, 8_000);
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(f, "source_id,ra,dec,phot_g_mean_mag").unwrap();
        let sid = batch.column(0).as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let ra = batch.column(1).as_primitive::<Float64Type>();
        let dec = batch.column(2).as_primitive::<Float64Type>();
        let g = batch.column(8).as_primitive::<datafusion::arrow::datatypes::Float32Type>();
        for i in 0..batch.num_rows() {
            writeln!(f, "{},{:.12},{:.12},{}", sid.value(i), ra.value(i), dec.value(i), g.value(i)).unwrap();
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/hats_import_reference.py");
    let status = std::process::Command::new(&py)
        .args([script.to_str().unwrap(), csv.to_str().unwrap(), dir.path().join("out").to_str().unwrap(), "ref", "1000"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "hats-import failed: {}", String::from_utf8_lossy(&status.stderr));
    let root = dir.path().join("out/ref");
    let pixels = read_partition_info(&root).unwrap();
    assert!(pixels.len() > 8, "{pixels:?}");
    let (ctx, table) = session_with(&root);
    assert_eq!(scalar_i64(&ctx, "SELECT count(*) FROM t").await, 8_000);
    assert_eq!(scalar_i64(&ctx, "SELECT count(DISTINCT source_id) FROM t").await, 8_000);
    // Pruning works on their `_healpix_29` too: one partition's range reads one file, and the
    // count equals the rows of that file.
    let p = pixels[pixels.len() / 2];
    let r = p.range29();
    let (n, scanned) =
        scalar_i64_scanned(&ctx, &format!("SELECT count(*) FROM t WHERE _healpix_29 >= {} AND _healpix_29 < {}", r.start, r.end)).await;
    assert_eq!((scanned.files, scanned.files_total), (1, table.catalog().file_count()));
    let file = std::fs::File::open(root.join(p.file_path())).unwrap();
    let rows = datafusion::parquet::file::reader::SerializedFileReader::new(file).unwrap();
    use datafusion::parquet::file::reader::FileReader;
    assert_eq!(n, rows.metadata().file_metadata().num_rows());
    // Their `_healpix_29` agrees with ours for every row.
    let rows = ctx.sql("SELECT _healpix_29, ra, dec FROM t").await.unwrap().collect().await.unwrap();
    let mut checked = 0;
    for b in &rows {
        let h = b.column(0).as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let (ra, dec) = (b.column(1).as_primitive::<Float64Type>(), b.column(2).as_primitive::<Float64Type>());
        for i in 0..b.num_rows() {
            assert_eq!(h.value(i) as u64, hats::healpix::healpix29(ra.value(i), dec.value(i)).expect("valid"));
            checked += 1;
        }
    }
    assert_eq!(checked, 8_000);
    let sum_ra: f64 = {
        let b = ctx.sql("SELECT sum(ra) FROM t").await.unwrap().collect().await.unwrap();
        b[0].column(0).as_primitive::<Float64Type>().value(0)
    };
    let expect: f64 = batch.column(1).as_primitive::<Float64Type>().values().iter().sum();
    assert!((sum_ra - expect).abs() < 1e-6, "{sum_ra} vs {expect}");
}
