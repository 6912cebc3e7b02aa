//! Persistence across reopen and restart recovery.

use std::time::{Duration, Instant};

use uws::{ErrorType, ExecutionPhase, Parameters};

use crate::common::{config, new_job, open, reach, settle, TestExecutor};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_and_results_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (done, pending) = {
        let exec = TestExecutor::new();
        let svc = open(config(dir.path()), &exec);
        let done = svc.create(new_job("kept", "ok")).unwrap();
        svc.run(&done.id).unwrap();
        let done = settle(&svc, &done.id, Duration::from_secs(5)).await;
        assert_eq!(done.phase, ExecutionPhase::Completed);
        let mut p = new_job("later", "ok");
        p.owner_id = Some("alice".into());
        p.parameters = Parameters::from_pairs([("QUERY", "SELECT 'x<y&z' FROM t"), ("Lang", "ADQL")]);
        let pending = svc.create(p).unwrap();
        svc.shutdown();
        (done, pending)
    };
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    assert_eq!(svc.get(&done.id).unwrap(), done);
    assert_eq!(svc.get(&pending.id).unwrap(), pending);
    assert_eq!(svc.get(&pending.id).unwrap().parameters.get("query"), Some("SELECT 'x<y&z' FROM t"));
    let (path, _) = svc.result_file(&done.id, "result").unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "hello from kept");
    // The reopened service runs the pending job normally; creation order is kept.
    svc.run(&pending.id).unwrap();
    assert_eq!(settle(&svc, &pending.id, Duration::from_secs(5)).await.phase, ExecutionPhase::Completed);
    let list = svc.list(&Default::default()).unwrap();
    assert_eq!(list.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![pending.id, done.id]);
}

/// Leaves one EXECUTING job (with a half-written result) and one QUEUED job behind, as a crash
/// would, plus a COMPLETED job. Returns (executing, queued, completed) ids.
async fn interrupted_state(root: &std::path::Path) -> (uws::JobId, uws::JobId, uws::JobId) {
    let exec = TestExecutor::new();
    let mut cfg = config(root);
    cfg.max_concurrent_jobs = 1;
    let svc = open(cfg, &exec);
    let completed = svc.create(new_job("c", "ok")).unwrap();
    svc.run(&completed.id).unwrap();
    settle(&svc, &completed.id, Duration::from_secs(5)).await;
    let a = svc.create(new_job("a", "partial")).unwrap();
    let b = svc.create(new_job("b", "ok")).unwrap();
    svc.run(&a.id).unwrap();
    svc.run(&b.id).unwrap();
    reach(&svc, &a.id, ExecutionPhase::Executing, Duration::from_secs(5)).await;
    let part = root.join("results").join(a.id.as_str()).join(".result.part");
    let t = Instant::now();
    while !part.exists() {
        assert!(t.elapsed() < Duration::from_secs(5), "executor never wrote its partial result");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(svc.get(&b.id).unwrap().phase, ExecutionPhase::Queued);
    // Stop without letting anything finish: the store still says EXECUTING / QUEUED.
    svc.shutdown();
    while svc.executing_count() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(svc.get(&a.id).unwrap().phase, ExecutionPhase::Executing);
    // What a real crash leaves: half-written files (the executor's drop cleanup never ran).
    std::fs::create_dir_all(part.parent().unwrap()).unwrap();
    std::fs::write(&part, b"half").unwrap();
    std::fs::write(root.join("results").join(completed.id.as_str()).join(".extra.part"), b"half").unwrap();
    // A stray file from a job the store never knew.
    std::fs::create_dir_all(root.join("results/not-a-job")).unwrap();
    (a.id, b.id, completed.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_jobs_become_error_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = interrupted_state(dir.path()).await;
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    for (id, was) in [(&a, "EXECUTING"), (&b, "QUEUED")] {
        let j = svc.get(id).unwrap();
        assert_eq!(j.phase, ExecutionPhase::Error);
        let e = j.error_summary.unwrap();
        assert!(e.message.contains(&format!("restarted while this job was {was}")), "{}", e.message);
        assert_eq!(e.error_type, ErrorType::Transient);
        assert!(j.results.is_empty());
        assert!(j.end_time.is_some());
    }
    assert!(!dir.path().join("results").join(a.as_str()).exists(), "partial output removed");
    assert!(!dir.path().join("results/not-a-job").exists(), "orphan directory removed");
    assert!(!dir.path().join("results").join(c.as_str()).join(".extra.part").exists(), ".part swept");
    let (path, _) = svc.result_file(&c, "result").unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "hello from c");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(exec.started.lock().unwrap().is_empty(), "nothing re-runs by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_jobs_can_be_requeued_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = interrupted_state(dir.path()).await;
    let exec = TestExecutor::new();
    exec.ignore_mode.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut cfg = config(dir.path());
    cfg.requeue_on_restart = true;
    cfg.max_concurrent_jobs = 1;
    let svc = open(cfg, &exec);
    for id in [&a, &b] {
        let j = settle(&svc, id, Duration::from_secs(5)).await;
        assert_eq!(j.phase, ExecutionPhase::Completed);
        assert!(j.error_summary.is_none());
    }
    assert_eq!(*exec.started.lock().unwrap(), vec!["a", "b"], "re-queued in creation order");
    assert_eq!(svc.get(&c).unwrap().phase, ExecutionPhase::Completed);
}
