use super::*;

const SAMPLE: &str = "\
source_id,ra,dec,mag,flag,name
1,10.5,-20.25,12.5,true,\"a, \"\"quoted\"\" name\"
2,359.999999,89.9,,false,plain
3,0.0,-90,NaN,,null
4,1e-3,1.5E2,null,TRUE,\"\"
";

#[test]
fn exact_values_and_inferred_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", SAMPLE.as_bytes());
    let mut reader = open_input(&path, &InputOptions::default()).expect("open");
    let schema = reader.schema();
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    assert_eq!(
        types,
        vec![
            &DataType::Int64,
            &DataType::Float64,
            &DataType::Float64,
            &DataType::Float64,
            &DataType::Boolean,
            &DataType::Utf8
        ]
    );
    let pos = reader.position_columns().expect("position").clone();
    assert_eq!((pos.ra.as_str(), pos.dec.as_str(), pos.ra_index, pos.dec_index), ("ra", "dec", 1, 2));
    let batch = reader.next().expect("one batch").expect("ok");
    assert!(reader.next().is_none());
    assert_eq!(i64s(col(&batch, "source_id")), vec![Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(
        f64s(col(&batch, "ra")),
        vec![Some(10.5), Some(359.999999), Some(0.0), Some(0.001)]
    );
    assert_eq!(f64s(col(&batch, "dec")), vec![Some(-20.25), Some(89.9), Some(-90.0), Some(150.0)]);
    assert_eq!(f64s(col(&batch, "mag")), vec![Some(12.5), None, None, None]);
    assert_eq!(bools(col(&batch, "flag")), vec![Some(true), Some(false), None, Some(true)]);
    assert_eq!(
        strs(col(&batch, "name")),
        vec![
            Some("a, \"quoted\" name".to_string()),
            Some("plain".to_string()),
            None,
            Some(String::new())
        ]
    );
}

#[test]
fn gzip_round_trip_matches_plain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = write(dir.path(), "t.csv", SAMPLE.as_bytes());
    let gz = write(dir.path(), "t.csv.gz", &gzip(SAMPLE.as_bytes()));
    let a = read_all(&plain, &InputOptions::default()).expect("plain");
    let b = read_all(&gz, &InputOptions::default()).expect("gz");
    assert_eq!(concat(&a), concat(&b));
    assert_eq!(concat(&b).num_rows(), 4);
}

#[test]
fn small_batches_and_explicit_position_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("id,alpha_deg,delta_deg\n");
    for i in 0..10 {
        text.push_str(&format!("{i},{}.25,{}\n", i * 30, i as f64 * 9.0 - 44.5));
    }
    let path = write(dir.path(), "p.csv", text.as_bytes());
    let opts = InputOptions {
        batch_size: 3,
        ra_column: Some("alpha_deg".into()),
        dec_column: Some("DELTA_DEG".into()),
        ..InputOptions::default()
    };
    let mut reader = open_input(&path, &opts).expect("open");
    let pos = reader.position_columns().expect("pos").clone();
    assert_eq!((pos.ra.as_str(), pos.dec.as_str()), ("alpha_deg", "delta_deg"));
    let sizes: Vec<usize> = reader.by_ref().map(|b| b.expect("batch").num_rows()).collect();
    assert_eq!(sizes, vec![3, 3, 3, 1]);
    let all = concat(&read_all(&path, &opts).expect("read"));
    let expect: Vec<Option<f64>> = (0..10).map(|i| Some(i as f64 * 9.0 - 44.5)).collect();
    assert_eq!(f64s(col(&all, "delta_deg")), expect);
}

#[test]
fn wrong_field_count_names_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "bad.csv", b"id,ra,dec,mag\n1,2,3,4\n\n2,3\n");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    let file = path.display().to_string();
    assert_eq!(msg, format!("{file}:4: column 3 'dec': malformed row: expected 4 fields, found 2"));
}

#[test]
fn extra_field_names_first_extra_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "bad.csv", b"id,ra,dec\n1,2,3\n2,3,4,5\n");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:3: column 4: malformed row", path.display())), "{msg}");
}

#[test]
fn unbalanced_quote_names_line_where_it_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,ra,dec,name\n1,2,3,ok\n2,3,4,\"never closed\n3,4,5,x\n";
    let path = write(dir.path(), "q.csv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(
        msg.starts_with(&format!("{}:3: column 4 'name': malformed row: unbalanced quote", path.display())),
        "{msg}"
    );
    // A quote closed too early (text after the closing quote) is caught on its own line.
    let text = "id,ra,dec,name\n1,2,3,\"a\"b\n";
    let path = write(dir.path(), "q2.csv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:2: column 4 'name': malformed row: unbalanced quote", path.display())), "{msg}");
}

#[test]
fn non_numeric_ra_is_reported_at_its_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "ra.csv", b"id,RA_ICRS,DE_ICRS\n1,10.0,20.0\n2,12h30m,20.0\n");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert_eq!(
        msg,
        format!("{}:3: column 2 'RA_ICRS': cannot read \"12h30m\" as float64", path.display())
    );
}

#[test]
fn value_beyond_the_inference_sample_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("ra,dec,count\n");
    for i in 0..5 {
        text.push_str(&format!("1.0,2.0,{i}\n"));
    }
    text.push_str("1.0,2.0,seven\n");
    let path = write(dir.path(), "late.csv", text.as_bytes());
    let opts = InputOptions { infer_rows: 3, batch_size: 2, ..InputOptions::default() };
    let mut reader = open_input(&path, &opts).expect("open");
    let mut seen = 0;
    let err = loop {
        match reader.next().expect("an error before the end") {
            Ok(b) => seen += b.num_rows(),
            Err(e) => break e.to_string(),
        }
    };
    assert_eq!(seen, 4);
    assert_eq!(err, format!("{}:7: column 3 'count': cannot read \"seven\" as int64", path.display()));
    assert!(reader.next().is_none(), "a reader stops after an error");
}

#[test]
fn missing_position_column_says_which_names_were_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "nopos.csv", b"id,lon,lat\n1,2,3\n");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}: no ra column: tried names ra, ra_icrs, raj2000", path.display())), "{msg}");
    assert!(msg.contains("[id, lon, lat]"), "{msg}");
    let opts = InputOptions { ra_column: Some("lon".into()), dec_column: Some("nope".into()), ..InputOptions::default() };
    let msg = err_text(read_all(&path, &opts));
    assert!(msg.contains("no dec column: column 'nope' (given explicitly) not found"), "{msg}");
    // Tables without positions are readable when position is not required.
    let opts = InputOptions { require_position: false, ..InputOptions::default() };
    let reader = open_input(&path, &opts).expect("open");
    assert!(reader.position_columns().is_none());
}

#[test]
fn unreadable_gzip_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = vec![0x1f, 0x8b];
    bytes.extend_from_slice(b"this is not deflate data at all");
    let path = write(dir.path(), "broken.csv.gz", &bytes);
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:1: unreadable gzip stream", path.display())), "{msg}");

    // Truncated in the middle of the data: the error names the line being read.
    let mut text = String::from("ra,dec\n");
    for i in 0..20000 {
        text.push_str(&format!("{i}.123456789,{}.987654321\n", i % 90));
    }
    let full = gzip(text.as_bytes());
    let path = write(dir.path(), "cut.csv.gz", &full[..full.len() / 2]);
    let opts = InputOptions { batch_size: 1000, ..InputOptions::default() };
    let mut reader = open_input(&path, &opts).expect("header decodes");
    let err = reader.find_map(Result::err).expect("truncation error").to_string();
    assert!(err.contains("unreadable gzip stream"), "{err}");
    assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
}
