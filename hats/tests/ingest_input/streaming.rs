use super::*;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// Produces a CSV of `rows` rows on the fly, never holding more than one line.
struct GeneratedCsv {
    next_row: u64,
    rows: u64,
    line: Vec<u8>,
    pos: usize,
    consumed: Arc<AtomicU64>,
}

impl GeneratedCsv {
    fn row_text(i: u64) -> String {
        format!("{i},{}.{:06},{}.{:04},{}\n", i % 360, i % 1_000_000, (i % 180) as i64 - 90, i % 10_000, i.is_multiple_of(2))
    }
}

impl Read for GeneratedCsv {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.line.len() {
            self.line.clear();
            self.pos = 0;
            if self.next_row == 0 {
                self.line.extend_from_slice(b"source_id,ra,dec,even\n");
            }
            // Fill with a few rows at a time.
            while self.line.len() < 4096 && self.next_row < self.rows {
                self.line.extend_from_slice(Self::row_text(self.next_row).as_bytes());
                self.next_row += 1;
            }
            if self.line.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.line.len() - self.pos);
        out[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
        self.pos += n;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn two_million_rows_stream_in_bounded_batches() {
    const ROWS: u64 = 2_000_000;
    let header_len = "source_id,ra,dec,even\n".len() as u64;
    let total: u64 = header_len + (0..ROWS).map(|i| GeneratedCsv::row_text(i).len() as u64).sum::<u64>();
    let consumed = Arc::new(AtomicU64::new(0));
    let source = GeneratedCsv { next_row: 0, rows: ROWS, line: Vec::new(), pos: 0, consumed: consumed.clone() };
    let opts = InputOptions::default();
    let reader = open_stream("generated.csv", source, Some(InputFormat::Csv), &opts).expect("open");
    let mut rows = 0u64;
    let mut batches = 0u64;
    let mut first_batch_consumed = None;
    let mut sum_ids: u128 = 0;
    let started = std::time::Instant::now();
    for batch in reader {
        let batch = batch.expect("batch");
        let seen = consumed.load(Ordering::Relaxed);
        if first_batch_consumed.is_none() {
            first_batch_consumed = Some(seen);
        }
        assert!(batch.num_rows() <= opts.batch_size);
        rows += batch.num_rows() as u64;
        batches += 1;
        // Read-ahead is bounded: never more than the rows handed out plus buffers (2 MiB).
        let bytes_for_rows: u64 = 40 * rows;
        assert!(seen <= bytes_for_rows + header_len + (2 << 20), "read {seen} bytes for {rows} rows");
        let ids = batch.column(0).as_primitive::<Int64Type>();
        sum_ids += ids.values().iter().map(|v| *v as u128).sum::<u128>();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("streamed {rows} rows ({total} bytes) in {secs:.2} s: {:.0} rows/s", rows as f64 / secs);
    assert_eq!(rows, ROWS);
    assert_eq!(batches, ROWS.div_ceil(opts.batch_size as u64));
    assert_eq!(sum_ids, (ROWS as u128) * (ROWS as u128 - 1) / 2);
    assert_eq!(consumed.load(Ordering::Relaxed), total);
    let first = first_batch_consumed.expect("a batch");
    assert!(first * 10 < total, "first batch after {first} of {total} bytes");
}
