//! Write a catalog, read it back: layout, metadata, partition invariants, atomicity.

use astrotap_demo::generator::{gaia_source, Synthetic, SyntheticTable};
use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use hats::healpix::healpix29;
use hats::layout::read_partition_info;
use hats::properties::Properties;
use hats::HatsCatalog;

use crate::support::*;

#[tokio::test]
async fn layout_counts_and_sorted_index() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gaia_source");
    let summary = synthetic_catalog(&out, 30_000, 2_000);
    assert_eq!(summary.rows, 30_000);
    for f in ["hats.properties", "properties", "partition_info.csv", "skymap.fits", "point_map.fits", "dataset/_metadata", "dataset/_common_metadata"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let props = Properties::read_dir(&out).unwrap();
    assert_eq!(props.nrows(), Some(30_000));
    assert_eq!(props.get("hats_col_healpix"), Some("_healpix_29"));
    assert_eq!(props.max_rows(), Some(2_000));
    let pixels = read_partition_info(&out).unwrap();
    assert_eq!(pixels.len(), summary.partitions.len());
    assert!(pixels.len() >= 15, "adaptive split expected, got {}", pixels.len());
    let orders: std::collections::BTreeSet<u8> = pixels.iter().map(|p| p.order).collect();
    assert!(orders.len() >= 2, "partitions of several orders expected: {orders:?}");

    // Every file: rows inside its pixel, sorted by _healpix_29, _healpix_29 = f(ra, dec), and at
    // most max_rows rows unless at the mapping order.
    let mut total = 0;
    for p in &pixels {
        let f = std::fs::File::open(out.join(p.file_path())).unwrap();
        let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(f).unwrap().build().unwrap().map(|b| b.unwrap()).collect();
        let mut last = 0i64;
        for b in &batches {
            let h = b.column_by_name("_healpix_29").unwrap().as_primitive::<Int64Type>();
            let ra = b.column_by_name("ra").unwrap().as_primitive::<Float64Type>();
            let dec = b.column_by_name("dec").unwrap().as_primitive::<Float64Type>();
            for i in 0..b.num_rows() {
                let v = h.value(i);
                assert!(v >= last, "not sorted");
                last = v;
                assert_eq!(v as u64, healpix29(ra.value(i), dec.value(i)).expect("valid"));
                assert!(p.range29().contains(&(v as u64)), "row outside its pixel {p:?}");
            }
            total += b.num_rows();
        }
        let n: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert!(n as u64 <= 2_000 || p.order == 8, "{p:?} holds {n} rows");
    }
    assert_eq!(total, 30_000);

    // Column metadata (units, UCDs) survives, and DataFusion sees every row.
    let cat = HatsCatalog::open(&out).unwrap();
    let schema = cat.schema();
    let pm = schema.field_with_name("pmra").unwrap();
    assert_eq!(pm.metadata().get("unit").map(String::as_str), Some("mas.yr**-1"));
    assert_eq!(pm.metadata().get("ucd").map(String::as_str), Some("pos.pm;pos.eq.ra"));
    assert_eq!(schema.field(0).name(), "_healpix_29");
    let (ctx, _) = session_with(&out);
    assert_eq!(scalar_i64(&ctx, "SELECT count(*) FROM t").await, 30_000);
    assert_eq!(scalar_i64(&ctx, "SELECT count(DISTINCT source_id) FROM t").await, 30_000);

    // `_metadata` lists every row group of every file.
    let meta = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(out.join("dataset/_metadata")).unwrap()).unwrap();
    let md = meta.metadata();
    assert_eq!(md.file_metadata().num_rows(), 30_000);
    let rg_rows: i64 = md.row_groups().iter().map(|r| r.num_rows()).sum();
    assert_eq!(rg_rows, 30_000);
    assert!(md.row_groups().iter().all(|rg| rg.column(0).file_path().is_some_and(|p| p.starts_with("Norder="))));
}

#[test]
fn existing_output_is_refused_and_failed_ingest_leaves_nothing() {
    use hats::source::BatchSource;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cat");
    synthetic_catalog(&out, 1_000, 500);
    let src = Synthetic { table: SyntheticTable::GaiaSource, seed: 1, rows: 10 };
    let err = hats::writer::write_catalog(&src, &out, &hats::writer::WriteOptions::default()).unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");

    // A source that fails half-way (bad declination in its second batch) leaves no catalog and
    // no temporary directory behind.
    struct Broken;
    impl BatchSource for Broken {
        fn schema(&self) -> datafusion::arrow::datatypes::SchemaRef {
            gaia_source::schema()
        }
        fn open(&self) -> hats::error::Result<Box<dyn Iterator<Item = hats::error::Result<RecordBatch>> + Send>> {
            let good = gaia_source::batch(1, 0, 100);
            let mut cols = good.columns().to_vec();
            let mut dec: Vec<f64> = good.column(2).as_primitive::<Float64Type>().values().to_vec();
            dec[41] = 95.0;
            cols[2] = std::sync::Arc::new(datafusion::arrow::array::Float64Array::from(dec));
            let bad = RecordBatch::try_new(good.schema(), cols).unwrap();
            Ok(Box::new(vec![Ok(good), Ok(bad)].into_iter()))
        }
        fn describe(&self) -> String {
            "broken.csv".into()
        }
    }
    let out2 = dir.path().join("broken");
    let err = hats::writer::write_catalog(&Broken, &out2, &hats::writer::WriteOptions::default()).unwrap_err().to_string();
    assert!(err.contains("broken.csv") && err.contains("data row 142") && err.contains("dec") && err.contains("95"), "{err}");
    assert!(!out2.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "temporary directory left behind: {leftovers:?}");
}

#[test]
fn missing_coordinate_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = Synthetic { table: SyntheticTable::GaiaSource, seed: 1, rows: 10 };
    let opts = hats::writer::WriteOptions { ra_column: "RAJ2000".into(), ..Default::default() };
    let err = hats::writer::write_catalog(&src, &dir.path().join("x"), &opts).unwrap_err().to_string();
    assert!(err.contains("no right ascension column \"RAJ2000\"") && err.contains("source_id, ra, dec"), "{err}");
}
