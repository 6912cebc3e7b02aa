//! Constant memory on a 5-million-row stream, and the (ignored) in-process throughput benchmark;
//! `bench/src/sync_output.rs` measures the same through the HTTP server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, Float32Array, Float64Array, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;

use tap::output::{encode, OutputFormat, ResultMeta};

use crate::alloc::{LIVE, PEAK, TRACK};
use crate::support::stream_of;

fn gaia_like_schema(columns: usize) -> SchemaRef {
    let mut fields = vec![Field::new("source_id", DataType::Int64, false)];
    for k in 1..columns {
        let dt = if k % 3 == 0 { DataType::Float32 } else { DataType::Float64 };
        fields.push(Field::new(format!("c{k}"), dt, true));
    }
    Arc::new(Schema::new(fields))
}

/// A deterministic batch `k` of `rows` rows: ids, doubles with ~10% nulls, floats.
fn gaia_like_batch(schema: &SchemaRef, k: usize, rows: usize) -> RecordBatch {
    let base = (k * rows) as i64;
    let cols: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(c, f)| -> ArrayRef {
            match f.data_type() {
                DataType::Int64 => Arc::new(Int64Array::from_iter_values((0..rows as i64).map(|i| (base + i) * 34359738368))),
                DataType::Float32 => Arc::new(Float32Array::from_iter_values(
                    (0..rows).map(|i| 12.0 + ((base as usize + i) % 1000) as f32 * 0.00731),
                )),
                _ => Arc::new(Float64Array::from_iter(
                    (0..rows).map(|i| {
                        let x = (base as usize + i) as f64;
                        ((i + c) % 10 != 0).then_some((x * 0.618_033_988_749_895 + c as f64).fract() * 360.0)
                    }),
                )),
            }
        })
        .collect();
    RecordBatch::try_new(schema.clone(), cols).expect("batch")
}

/// 5 million rows generated lazily; the sink counts bytes as they arrive. Checks that output
/// starts long before the input ends and that the peak heap use of the whole pipeline (generator
/// included, on this thread) stays far below the size of the document.
#[test]
fn five_million_rows_stream_in_constant_memory() {
    const ROWS: usize = 5_000_000;
    const BATCH: usize = 8192;
    let schema = gaia_like_schema(3);
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    for format in [OutputFormat::VoTableBinary2, OutputFormat::Parquet, OutputFormat::Csv] {
        let produced = Arc::new(AtomicUsize::new(0));
        let p = produced.clone();
        let s2 = schema.clone();
        let batches = ROWS.div_ceil(BATCH);
        let gen = futures::stream::iter(0..batches).map(move |k| {
            p.fetch_add(1, Ordering::SeqCst);
            Ok(gaia_like_batch(&s2, k, BATCH.min(ROWS - k * BATCH)))
        });
        let input: SendableRecordBatchStream = Box::pin(RecordBatchStreamAdapter::new(schema.clone(), gen));

        TRACK.with(|t| t.set(true));
        let base = LIVE.with(|l| l.get());
        PEAK.with(|p| p.set(base));
        let (total, first_at, chunks, largest) = rt.block_on(async {
            let mut body = Box::pin(encode(format, ResultMeta::from_schema(&schema), input, None));
            let (mut total, mut first_at, mut chunks, mut largest) = (0usize, None, 0usize, 0usize);
            while let Some(chunk) = body.next().await {
                let chunk = chunk.expect("chunk");
                if first_at.is_none() {
                    first_at = Some(produced.load(Ordering::SeqCst));
                }
                total += chunk.len();
                largest = largest.max(chunk.len());
                chunks += 1;
            }
            (total, first_at, chunks, largest)
        });
        let peak = PEAK.with(|p| p.get()) - base;
        TRACK.with(|t| t.set(false));

        eprintln!(
            "{format:?}: {total} bytes in {chunks} chunks (largest {largest}), first chunk after {first_at:?} of {batches} batches, peak heap {peak} bytes"
        );
        assert!(total > 50_000_000, "{format:?} wrote {total} bytes");
        assert!(first_at.expect("output") <= 20, "{format:?}: output must start before the input ends");
        // Parquet leaves in row groups (128 Ki rows), the text formats in ~256 KiB chunks.
        assert!(chunks >= 30, "{format:?}: output arrives incrementally ({chunks} chunks)");
        assert!(largest < 8 * 1024 * 1024, "{format:?}: chunk of {largest} bytes");
        assert!(peak < 48 * 1024 * 1024, "{format:?}: peak heap {peak} bytes is not bounded");
        assert!((peak as usize) < total / 4, "{format:?}: peak heap {peak} vs {total} bytes written");
    }
}

/// `cargo test -p astrotap-tap --release --test output -- --ignored --nocapture throughput`
#[test]
#[ignore = "benchmark: run in release mode"]
fn throughput_one_million_rows_ten_columns() {
    const ROWS: usize = 1_000_000;
    let schema = gaia_like_schema(10);
    let batches: Vec<RecordBatch> = (0..ROWS.div_ceil(8192))
        .map(|k| gaia_like_batch(&schema, k, 8192.min(ROWS - k * 8192)))
        .collect();
    let in_bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    for format in [
        OutputFormat::VoTableBinary2,
        OutputFormat::Parquet,
        OutputFormat::VoTableTableData,
        OutputFormat::Csv,
        OutputFormat::Tsv,
    ] {
        let input = stream_of(schema.clone(), batches.iter().cloned().map(Ok).collect());
        let start = Instant::now();
        let total = rt.block_on(async {
            let mut body = Box::pin(encode(format, ResultMeta::from_schema(&schema), input, None));
            let mut total = 0usize;
            while let Some(c) = body.next().await {
                total += c.expect("chunk").len();
            }
            total
        });
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "THROUGHPUT {format:?}: {:.1} MB out in {:.3} s = {:.0} MB/s output, {:.0} MB/s Arrow input, {:.2} Mrows/s",
            total as f64 / 1e6,
            secs,
            total as f64 / 1e6 / secs,
            in_bytes as f64 / 1e6 / secs,
            ROWS as f64 / 1e6 / secs
        );
    }
}

