use super::*;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use std::collections::HashMap;

#[test]
fn streamed_by_row_group_with_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.parquet");
    let meta = HashMap::from([
        ("unit".to_string(), "deg".to_string()),
        ("ucd".to_string(), "pos.eq.ra;meta.main".to_string()),
        ("description".to_string(), "Right ascension".to_string()),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("source_id", DataType::Int64, false),
        Field::new("RAJ2000", DataType::Float64, true).with_metadata(meta.clone()),
        Field::new("DEJ2000", DataType::Float64, true),
    ]));
    let n = 2500i64;
    let ids: Vec<i64> = (0..n).collect();
    let ras: Vec<Option<f64>> = (0..n).map(|i| if i % 7 == 0 { None } else { Some(i as f64 * 0.125) }).collect();
    let decs: Vec<Option<f64>> = (0..n).map(|i| Some(-89.5 + (i % 180) as f64)).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(ids.clone())),
            Arc::new(Float64Array::from(ras.clone())),
            Arc::new(Float64Array::from(decs.clone())),
        ],
    )
    .expect("batch");
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(1000)).build();
    let file = std::fs::File::create(&path).expect("create");
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");

    let opts = InputOptions { batch_size: 700, ..InputOptions::default() };
    let reader = open_input(&path, &opts).expect("open");
    let field = reader.schema().field_with_name("RAJ2000").expect("ra").clone();
    assert_eq!(field.metadata(), &meta);
    let pos = reader.position_columns().expect("pos").clone();
    assert_eq!((pos.ra.as_str(), pos.dec.as_str()), ("RAJ2000", "DEJ2000"));
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().expect("read");
    assert!(batches.iter().all(|b| b.num_rows() <= 700));
    let all = concat(&batches);
    assert_eq!(i64s(col(&all, "source_id")), ids.into_iter().map(Some).collect::<Vec<_>>());
    assert_eq!(f64s(col(&all, "RAJ2000")), ras);
    assert_eq!(f64s(col(&all, "DEJ2000")), decs);
}

#[test]
fn not_parquet_despite_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "fake.parquet", b"ra,dec\n1,2\n");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.contains("Parquet magic"), "{msg}");
}
