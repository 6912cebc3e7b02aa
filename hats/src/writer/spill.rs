//! Pass-2 buffering: rows routed to their partition are held in memory up to a global row budget,
//! then spilled to one Arrow IPC file per partition and flush, so memory never depends on the
//! input size.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;

use crate::error::{HatsError, Result};

/// Per-partition buffers with spill files under `dir`.
pub struct Spill {
    dir: PathBuf,
    schema: SchemaRef,
    buffers: Vec<Vec<RecordBatch>>,
    files: Vec<Vec<PathBuf>>,
    buffered_rows: usize,
    budget_rows: usize,
}

impl Spill {
    /// Buffers for `partitions` partitions, spilling once `budget_rows` rows are held.
    pub fn new(dir: &Path, schema: SchemaRef, partitions: usize, budget_rows: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| HatsError::io(dir, e))?;
        Ok(Spill {
            dir: dir.to_path_buf(),
            schema,
            buffers: vec![Vec::new(); partitions],
            files: vec![Vec::new(); partitions],
            buffered_rows: 0,
            budget_rows,
        })
    }

    /// Adds rows for partition `p`.
    pub fn push(&mut self, p: usize, batch: RecordBatch) -> Result<()> {
        self.buffered_rows += batch.num_rows();
        self.buffers[p].push(batch);
        if self.buffered_rows >= self.budget_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every non-empty buffer to a new spill file.
    pub fn flush(&mut self) -> Result<()> {
        for p in 0..self.buffers.len() {
            if self.buffers[p].is_empty() {
                continue;
            }
            let path = self.dir.join(format!("p{p}-{}.arrow", self.files[p].len()));
            let file = File::create(&path).map_err(|e| HatsError::io(&path, e))?;
            let mut w = FileWriter::try_new(BufWriter::new(file), &self.schema)?;
            for b in self.buffers[p].drain(..) {
                w.write(&b)?;
            }
            w.finish()?;
            self.files[p].push(path);
        }
        self.buffered_rows = 0;
        Ok(())
    }

    /// All rows of partition `p` (from its spill files and any buffer), deleting its spill files.
    pub fn take_partition(&mut self, p: usize) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        for path in std::mem::take(&mut self.files[p]) {
            let file = File::open(&path).map_err(|e| HatsError::io(&path, e))?;
            for b in FileReader::try_new(std::io::BufReader::new(file), None)? {
                out.push(b?);
            }
            std::fs::remove_file(&path).map_err(|e| HatsError::io(&path, e))?;
        }
        out.append(&mut self.buffers[p]);
        Ok(out)
    }
}
