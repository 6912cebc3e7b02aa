//! Where executors write results: a temporary file per result, renamed into place only when the
//! executor says it is complete, so a crash or a cancellation never leaves a half-written file
//! under a result's name (and the job row only lists results that were renamed).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Result, UwsError};
use crate::job::ResultInfo;

/// Suffix of in-progress result files; such files are swept on restart.
pub(crate) const PART_SUFFIX: &str = ".part";

/// Handed to a [`crate::JobExecutor`]: creates result files in the job's results directory.
#[derive(Clone)]
pub struct ResultSink {
    dir: PathBuf,
    uploads: PathBuf,
    finished: Arc<Mutex<Vec<ResultInfo>>>,
}

impl ResultSink {
    pub(crate) fn new(dir: PathBuf, uploads: PathBuf) -> Self {
        Self { dir, uploads, finished: Arc::default() }
    }

    /// The file the client uploaded with the job as `name` ([`crate::JobUpload`]), if any.
    pub fn upload(&self, name: &str) -> Option<PathBuf> {
        let path = self.uploads.join(name);
        (valid_result_id(name) && path.is_file()).then_some(path)
    }

    /// Starts writing result `result_id` (TAP uses `result`) of media type `mime_type`.
    ///
    /// `result_id` becomes a URL segment and a file name, so it is restricted to
    /// `[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}`.
    pub fn create(&self, result_id: &str, mime_type: &str) -> Result<ResultFile> {
        if !valid_result_id(result_id) {
            return Err(UwsError::BadValue(format!("invalid result id '{result_id}'")));
        }
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{result_id}{PART_SUFFIX}"));
        let file = File::create(&tmp)?;
        Ok(ResultFile {
            writer: Some(BufWriter::with_capacity(256 * 1024, file)),
            tmp,
            final_path: self.dir.join(result_id),
            id: result_id.to_owned(),
            mime_type: mime_type.to_owned(),
            written: 0,
            finished: Arc::clone(&self.finished),
        })
    }

    /// The job's results directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Results finished so far.
    pub(crate) fn finished(&self) -> Vec<ResultInfo> {
        self.finished.lock().map(|v| v.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }
}

/// A result being written. Implements [`Write`]; call [`ResultFile::finish`] when complete.
/// Dropping it unfinished deletes the temporary file.
pub struct ResultFile {
    writer: Option<BufWriter<File>>,
    tmp: PathBuf,
    final_path: PathBuf,
    id: String,
    mime_type: String,
    written: u64,
    finished: Arc<Mutex<Vec<ResultInfo>>>,
}

impl ResultFile {
    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Flushes, syncs and renames the file into place; returns its description.
    pub fn finish(mut self) -> Result<ResultInfo> {
        let writer = self.writer.take().ok_or_else(|| UwsError::Io(io::Error::other("result already finished")))?;
        let file = writer.into_inner().map_err(|e| UwsError::Io(e.into_error()))?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.final_path)?;
        let info = ResultInfo { id: self.id.clone(), mime_type: self.mime_type.clone(), size: self.written };
        let mut done = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        done.retain(|r| r.id != info.id);
        done.push(info.clone());
        Ok(info)
    }
}

impl Write for ResultFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let w = self.writer.as_mut().ok_or_else(|| io::Error::other("result already finished"))?;
        let n = w.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for ResultFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

pub(crate) fn valid_result_id(id: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    !id.is_empty() && id.len() <= 64 && !id.starts_with('.') && id.chars().all(ok_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_file_appears_only_after_finish() {
        let dir = tempfile::tempdir().unwrap();
        let sink = ResultSink::new(dir.path().join("job"), dir.path().join("uploads"));
        let mut f = sink.create("result", "text/csv").unwrap();
        f.write_all(b"a,b\n1,2\n").unwrap();
        assert!(!dir.path().join("job/result").exists());
        let info = f.finish().unwrap();
        assert_eq!(info, ResultInfo { id: "result".into(), mime_type: "text/csv".into(), size: 8 });
        assert_eq!(std::fs::read(dir.path().join("job/result")).unwrap(), b"a,b\n1,2\n");
        assert_eq!(sink.finished(), vec![info]);
        assert!(!dir.path().join("job/.result.part").exists());
    }

    #[test]
    fn dropped_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let sink = ResultSink::new(dir.path().to_path_buf(), dir.path().join("uploads"));
        let mut f = sink.create("result", "text/csv").unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(sink.finished().is_empty());
    }

    #[test]
    fn result_ids_are_safe_path_segments() {
        for ok in ["result", "r-1", "a.b", "X_Y"] {
            assert!(valid_result_id(ok), "{ok}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "a b", &"x".repeat(65)] {
            assert!(!valid_result_id(bad), "{bad}");
        }
    }
}
