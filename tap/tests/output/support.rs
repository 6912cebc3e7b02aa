//! Running the encoders and the independent Python readers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use bytes::Bytes;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use serde_json::Value;

use tap::output::{encode, OutputError, OutputFormat, ResultMeta};

pub fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        if let Ok(p) = std::env::var("ASTROTAP_PYTHON") {
            return PathBuf::from(p);
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/setup-python.sh");
        let out = Command::new("bash").arg(&script).output().expect("run setup-python.sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let venv = stdout.lines().rev().find(|l| !l.trim().is_empty()).expect("venv path printed");
        Path::new(venv.trim()).join("bin/python")
    })
}

/// Runs the independent reader; panics with its diagnostics on any mismatch.
pub fn py_check(kind: &str, doc: &[u8], expected: &Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc_path = dir.path().join(format!("doc.{kind}"));
    let exp_path = dir.path().join("expected.json");
    std::fs::write(&doc_path, doc).expect("write doc");
    std::fs::write(&exp_path, serde_json::to_vec(expected).expect("json")).expect("write json");
    // Keep failing inputs around for inspection when asked to.
    if let Ok(keep) = std::env::var("ASTROTAP_KEEP_OUTPUT") {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let _ = std::fs::copy(&doc_path, Path::new(&keep).join(format!("{n}.{kind}")));
        let _ = std::fs::copy(&exp_path, Path::new(&keep).join(format!("{n}.json")));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/check_output.py");
    let out = Command::new(python())
        .arg(script)
        .arg(kind)
        .arg(&doc_path)
        .arg(&exp_path)
        .output()
        .expect("run python checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "{kind} check failed\nstdout: {stdout}\nstderr: {stderr}\ndocument head: {}",
        String::from_utf8_lossy(&doc[..doc.len().min(4000)])
    );
}

pub fn stream_of(schema: SchemaRef, items: Vec<Result<RecordBatch, DataFusionError>>) -> SendableRecordBatchStream {
    Box::pin(RecordBatchStreamAdapter::new(schema, futures::stream::iter(items)))
}

pub fn run(
    format: OutputFormat,
    meta: ResultMeta,
    stream: SendableRecordBatchStream,
    maxrec: Option<u64>,
) -> Vec<Result<Bytes, OutputError>> {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    rt.block_on(encode(format, meta, stream, maxrec).collect::<Vec<_>>())
}

pub fn concat_ok(chunks: Vec<Result<Bytes, OutputError>>) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        out.extend_from_slice(&c.expect("encoder chunk"));
    }
    out
}
