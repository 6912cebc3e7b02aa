//! MAXREC, errors before and after the first byte, gzip and the DALI error document.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use serde_json::{json, Value};

use tap::output::{encode, encode_gzip, error_document, InfoItem, OutputError, OutputFormat};

use crate::fixture::{fixture, fixture_meta, ok_stream, votable_expectation, Fixture};
use crate::support::{concat_ok, py_check, run, stream_of};

#[test]
fn maxrec_truncates_and_reports_overflow_after_the_table() {
    let f = fixture();
    for format in [OutputFormat::VoTableTableData, OutputFormat::VoTableBinary2] {
        // Limit inside the first batch, on the batch boundary, and exactly the row count.
        for (maxrec, statuses) in [(3, vec!["OK", "OVERFLOW"]), (4, vec!["OK", "OVERFLOW"]), (6, vec!["OK"])] {
            let doc = concat_ok(run(format, fixture_meta(&f), ok_stream(&f), Some(maxrec)));
            let text = String::from_utf8(doc.clone()).expect("utf-8");
            if maxrec < 6 {
                let table_end = text.find("</TABLE>").expect("table end");
                let overflow = text.find("value=\"OVERFLOW\"").expect("overflow info");
                assert!(overflow > table_end, "OVERFLOW INFO follows the TABLE (DALI 1.1 §4.4.1)");
            }
            py_check("votable", &doc, &votable_expectation(&f, maxrec as usize, &statuses));
        }
    }
    let doc = concat_ok(run(OutputFormat::Parquet, fixture_meta(&f), ok_stream(&f), Some(5)));
    let mut exp = votable_expectation(&f, 5, &[]);
    exp["parquet_statuses"] = json!(["OVERFLOW"]);
    py_check("parquet", &doc, &exp);
    let csv = concat_ok(run(OutputFormat::Csv, fixture_meta(&f), ok_stream(&f), Some(2)));
    let names: Vec<Value> = f.schema.fields().iter().map(|x| json!({"name": x.name()})).collect();
    py_check("csv", &csv, &json!({"rows": 2, "columns": f.columns, "all_names": names}));
}

#[test]
fn maxrec_zero_writes_metadata_without_running_the_query() {
    let f = fixture();
    let polled = Arc::new(AtomicUsize::new(0));
    let p = polled.clone();
    let batches = f.batches.clone();
    let lazy = futures::stream::iter(0..batches.len()).map(move |i| {
        p.fetch_add(1, Ordering::SeqCst);
        Ok(batches[i].clone())
    });
    let stream: SendableRecordBatchStream = Box::pin(RecordBatchStreamAdapter::new(f.schema.clone(), lazy));
    let doc = concat_ok(run(OutputFormat::VoTableBinary2, fixture_meta(&f), stream, Some(0)));
    assert_eq!(polled.load(Ordering::SeqCst), 0, "MAXREC=0 must not execute the query");
    py_check("votable", &doc, &votable_expectation(&f, 0, &["OK", "OVERFLOW"]));
}

fn failing_stream(f: &Fixture) -> SendableRecordBatchStream {
    stream_of(
        f.schema.clone(),
        vec![Ok(f.batches[0].clone()), Err(DataFusionError::Execution("disk <gone> & lost".into()))],
    )
}

#[test]
fn error_mid_stream_ends_votable_validly_and_aborts_other_formats() {
    let f = fixture();
    for format in [OutputFormat::VoTableTableData, OutputFormat::VoTableBinary2] {
        let doc = concat_ok(run(format, fixture_meta(&f), failing_stream(&f), None));
        let mut exp = votable_expectation(&f, 4, &["OK", "ERROR"]);
        exp["error_contains"] = json!("disk <gone> & lost");
        py_check("votable", &doc, &exp);
    }
    for format in [OutputFormat::Parquet, OutputFormat::Csv, OutputFormat::Tsv] {
        let chunks = run(format, fixture_meta(&f), failing_stream(&f), None);
        let last = chunks.last().expect("some output");
        match last {
            Err(OutputError::Query(e)) => assert!(e.to_string().contains("disk <gone>")),
            other => panic!("{format:?} should abort with the query error, got {other:?}"),
        }
        assert_eq!(chunks.iter().filter(|c| c.is_err()).count(), 1);
    }
}

#[test]
fn gzip_stream_decompresses_to_the_plain_document() {
    use std::io::Read;
    let f = fixture();
    let plain = concat_ok(run(OutputFormat::VoTableTableData, fixture_meta(&f), ok_stream(&f), None));
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let body = encode(OutputFormat::VoTableTableData, fixture_meta(&f), ok_stream(&f), None);
    let gz = concat_ok(rt.block_on(encode_gzip(body).collect::<Vec<_>>()));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut unzipped).expect("valid gzip");
    assert_eq!(unzipped, plain);

    // An aborting inner stream must not produce a complete gzip member.
    let body = encode(OutputFormat::Csv, fixture_meta(&f), failing_stream(&f), None);
    let chunks = rt.block_on(encode_gzip(body).collect::<Vec<_>>());
    assert!(matches!(chunks.last(), Some(Err(_))));
}

#[test]
fn error_document_is_a_dali_error_votable() {
    let doc = error_document(
        "Syntax error at 1:8: unexpected <EOF> & more",
        &[InfoItem::new("QUERY", "SELECT"), InfoItem::new("RUNID", "r1")],
    );
    let exp = json!({
        "statuses": ["ERROR"], "error_contains": "unexpected <EOF> & more",
        "infos": {"QUERY": "SELECT", "RUNID": "r1"}, "no_table": true,
    });
    py_check("votable", doc.as_bytes(), &exp);
}
