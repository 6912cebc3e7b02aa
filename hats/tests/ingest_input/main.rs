//! Catalog input readers (`hats::ingest::input`): exact values per format, metadata, error
//! locations, gzip, streaming in bounded memory, and cross-checks against astropy-written files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, FixedSizeListArray, Float32Array, Float64Array,
    Int32Array, Int64Array, ListArray, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use hats::ingest::input::{open_input, open_stream, InputError, InputFormat, InputOptions};

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write test file");
    path
}

fn gzip(content: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(content).expect("gzip");
    enc.finish().expect("gzip finish")
}

fn read_all(path: &Path, opts: &InputOptions) -> Result<Vec<RecordBatch>, InputError> {
    open_input(path, opts)?.collect()
}

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    let schema = batches[0].schema();
    datafusion::arrow::compute::concat_batches(&schema, batches).expect("concat")
}

fn col<'a>(batch: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    batch.column(batch.schema().index_of(name).expect("column exists"))
}

fn f64s(a: &ArrayRef) -> Vec<Option<f64>> {
    a.as_primitive::<Float64Type>().iter().collect()
}

fn i64s(a: &ArrayRef) -> Vec<Option<i64>> {
    a.as_primitive::<Int64Type>().iter().collect()
}

fn strs(a: &ArrayRef) -> Vec<Option<String>> {
    a.as_any()
        .downcast_ref::<StringArray>()
        .expect("utf8")
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

fn bools(a: &ArrayRef) -> Vec<Option<bool>> {
    a.as_any().downcast_ref::<BooleanArray>().expect("bool").iter().collect()
}

fn list_f64(a: &ArrayRef) -> Vec<Option<Vec<Option<f64>>>> {
    let list = a.as_any().downcast_ref::<ListArray>().expect("list");
    (0..list.len())
        .map(|i| {
            if list.is_null(i) {
                None
            } else {
                Some(f64s(&list.value(i)))
            }
        })
        .collect()
}

fn err_text(result: Result<Vec<RecordBatch>, InputError>) -> String {
    match result {
        Ok(batches) => panic!("expected an error, read {} batches", batches.len()),
        Err(e) => e.to_string(),
    }
}

mod csv;
mod ecsv;
mod parquet;
mod votable;
mod streaming;
mod astropy_cross_check;
