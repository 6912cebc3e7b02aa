//! Files sent with a job (inline uploads): stored with it, read by its executor, kept across a
//! restart that runs it again, and gone with the job.

use std::time::Duration;

use uws::{ExecutionPhase, JobUpload, Parameters, UwsError};

use crate::common::{config, new_job, open, reach, settle, TestExecutor};

fn upload(name: &str, data: &str) -> JobUpload {
    JobUpload { name: name.into(), data: data.as_bytes().to_vec() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_live_and_die_with_their_job() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let mut new = new_job("u", "ok");
    new.parameters = Parameters::from_pairs([("MODE", "ok"), ("PAYLOAD-FROM", "list")]);
    new.uploads = vec![upload("list", "first")];
    let job = svc.create(new).unwrap();
    let stored = dir.path().join("uploads").join(job.id.as_str());
    assert_eq!(std::fs::read_to_string(stored.join("list")).unwrap(), "first");
    // A parameter update may replace or add files while PENDING.
    svc.attach_uploads(&job.id, &[upload("list", "second"), upload("extra.csv", "x")]).unwrap();
    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(5)).await;
    assert_eq!(done.phase, ExecutionPhase::Completed);
    let (path, _) = svc.result_file(&job.id, "result").unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "second", "the executor reads the stored upload");
    assert!(matches!(svc.attach_uploads(&job.id, &[upload("late", "x")]), Err(UwsError::NotAllowedInPhase { .. })));
    svc.delete(&job.id).unwrap();
    assert!(!stored.exists(), "uploads are destroyed with the job");
    // Names become file names: nothing that could leave the job's folder.
    for bad in ["../x", ".hidden", "a/b", ""] {
        let mut new = new_job("bad", "ok");
        new.uploads = vec![upload(bad, "x")];
        assert!(matches!(svc.create(new), Err(UwsError::BadValue(_))), "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_again_after_a_restart_still_has_its_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let exec = TestExecutor::new();
        let svc = open(config(dir.path()), &exec);
        let mut new = new_job("r", "gate");
        new.parameters = Parameters::from_pairs([("MODE", "gate"), ("PAYLOAD-FROM", "list")]);
        new.uploads = vec![upload("list", "kept")];
        let job = svc.create(new).unwrap();
        svc.run(&job.id).unwrap();
        reach(&svc, &job.id, ExecutionPhase::Executing, Duration::from_secs(5)).await;
        svc.shutdown();
        while svc.executing_count() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        job.id
    };
    let exec = TestExecutor::new();
    let mut cfg = config(dir.path());
    cfg.requeue_on_restart = true;
    let svc = open(cfg, &exec);
    exec.open_gate();
    let done = settle(&svc, &id, Duration::from_secs(5)).await;
    assert_eq!(done.phase, ExecutionPhase::Completed, "{:?}", done.error_summary);
    let (path, _) = svc.result_file(&id, "result").unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "kept");
}
