//! Jobs through the service: success, failure, illegal requests, deletion, queue order.

use std::sync::atomic::Ordering;
use std::time::Duration;

use uws::{ErrorType, ExecutionPhase, Parameters, UwsError};

use crate::common::{config, new_job, open, settle, TestExecutor};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_to_completion_with_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("one", "ok")).unwrap();
    assert_eq!(job.phase, ExecutionPhase::Pending);
    assert_eq!(job.execution_duration, 3600);
    let destruction = job.destruction.unwrap();
    let week = chrono::Duration::days(7);
    assert!((destruction - job.creation_time - week).num_seconds().abs() <= 1);

    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(10)).await;
    assert_eq!(done.phase, ExecutionPhase::Completed);
    let (start, end) = (done.start_time.unwrap(), done.end_time.unwrap());
    assert!(job.creation_time <= start && start <= end);
    assert_eq!(done.results.len(), 1);
    let r = &done.results[0];
    assert_eq!((r.id.as_str(), r.mime_type.as_str(), r.size), ("result", "text/plain", 14));
    let (path, info) = svc.result_file(&job.id, "result").unwrap();
    assert_eq!(&info, r);
    assert_eq!(std::fs::read_to_string(path).unwrap(), "hello from one");
    assert!(matches!(svc.result_file(&job.id, "other"), Err(UwsError::NotFound(_))));
    assert!(done.error_summary.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_error_with_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("bad", "fail")).unwrap();
    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(10)).await;
    assert_eq!(done.phase, ExecutionPhase::Error);
    let e = done.error_summary.unwrap();
    assert_eq!(e.message, "boom in bad");
    assert_eq!(e.error_type, ErrorType::Fatal);
    assert!(done.results.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executor_decides_whether_a_failure_is_transient() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("later", "retry")).unwrap();
    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(10)).await;
    assert_eq!(done.phase, ExecutionPhase::Error);
    let expected = uws::ErrorSummary::transient("short of memory in later");
    assert_eq!(done.error_summary.as_ref(), Some(&expected));
    // The type is stored, not recomputed: a new service over the same store reads it back.
    svc.shutdown();
    drop(svc);
    let reopened = open(config(dir.path()), &exec);
    assert_eq!(reopened.get(&job.id).unwrap().error_summary, Some(expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_illegal_in_the_current_phase_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);

    // PENDING: parameters may change (names case-insensitive); duration and destruction too.
    let job = svc.create(new_job("p", "ok")).unwrap();
    let updated = svc.update_parameters(&job.id, &Parameters::from_pairs([("PAYLOAD", "changed")])).unwrap();
    assert_eq!(updated.parameters.get("payload"), Some("changed"));
    assert_eq!(updated.parameters.len(), 2);
    assert_eq!(svc.set_execution_duration(&job.id, 120).unwrap(), 120);
    assert_eq!(svc.set_execution_duration(&job.id, 10 * 3600).unwrap(), 4 * 3600, "clamped to the max");
    let far = chrono::Utc::now() + chrono::Duration::days(365);
    let set = svc.set_destruction(&job.id, far).unwrap();
    assert!(set < far && (set - chrono::Utc::now() - chrono::Duration::days(30)).num_seconds().abs() <= 2);
    assert_eq!(svc.get(&job.id).unwrap().destruction, Some(set));

    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(10)).await;
    assert_eq!(done.phase, ExecutionPhase::Completed);
    assert_eq!(std::fs::read_to_string(svc.result_file(&job.id, "result").unwrap().0).unwrap(), "changed");

    // COMPLETED: no RUN, no ABORT, no parameter or duration change.
    assert!(matches!(
        svc.run(&job.id),
        Err(UwsError::IllegalTransition { from: ExecutionPhase::Completed, to: ExecutionPhase::Queued })
    ));
    assert!(matches!(
        svc.abort(&job.id),
        Err(UwsError::IllegalTransition { from: ExecutionPhase::Completed, to: ExecutionPhase::Aborted })
    ));
    assert!(matches!(
        svc.update_parameters(&job.id, &Parameters::from_pairs([("x", "1")])),
        Err(UwsError::NotAllowedInPhase { phase: ExecutionPhase::Completed, .. })
    ));
    assert!(matches!(svc.set_execution_duration(&job.id, 5), Err(UwsError::NotAllowedInPhase { .. })));

    // ABORT from PENDING; a second ABORT is a no-op; RUN after ABORT is illegal.
    let j2 = svc.create(new_job("q", "ok")).unwrap();
    svc.abort(&j2.id).unwrap();
    svc.abort(&j2.id).unwrap();
    let aborted = svc.get(&j2.id).unwrap();
    assert_eq!(aborted.phase, ExecutionPhase::Aborted);
    assert!(aborted.end_time.is_some());
    assert!(matches!(svc.run(&j2.id), Err(UwsError::IllegalTransition { from: ExecutionPhase::Aborted, .. })));
    assert!(exec.started.lock().unwrap().iter().all(|s| s != "q"), "an aborted PENDING job never runs");

    // Unknown ids.
    let ghost = uws::JobId::random().unwrap();
    assert!(matches!(svc.get(&ghost), Err(UwsError::NotFound(_))));
    assert!(matches!(svc.run(&ghost), Err(UwsError::NotFound(_))));
    assert!(matches!(svc.delete(&ghost), Err(UwsError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_forgets_the_job_and_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("d", "ok")).unwrap();
    svc.run(&job.id).unwrap();
    settle(&svc, &job.id, Duration::from_secs(10)).await;
    let (path, _) = svc.result_file(&job.id, "result").unwrap();
    assert!(path.exists());
    svc.delete(&job.id).unwrap();
    assert!(matches!(svc.get(&job.id), Err(UwsError::NotFound(_))));
    assert!(!path.exists());
    assert!(!path.parent().unwrap().exists());
    assert!(svc.list(&Default::default()).unwrap().is_empty());
}

/// Concurrency 2, six jobs of 150 ms: never more than two execute, the rest wait in QUEUED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_respects_the_concurrency_limit() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let jobs: Vec<_> = (1..=6).map(|i| svc.create(new_job(&format!("j{i}"), "sleep:150")).unwrap()).collect();
    for j in jobs.iter().rev() {
        svc.run(&j.id).unwrap();
    }
    let phases: Vec<_> = jobs.iter().map(|j| svc.get(&j.id).unwrap().phase).collect();
    use ExecutionPhase::*;
    assert_eq!(phases, vec![Queued, Queued, Queued, Queued, Executing, Executing]);
    assert_eq!(svc.executing_count(), 2);
    for j in &jobs {
        assert_eq!(settle(&svc, &j.id, Duration::from_secs(10)).await.phase, Completed);
    }
    assert_eq!(exec.max_running.load(Ordering::SeqCst), 2);
    assert_eq!(exec.started.lock().unwrap().len(), 6);
}

/// Concurrency 1, jobs RUN in reverse creation order: the first RUN finds the free slot, the
/// others start in creation order, not in RUN order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_start_in_creation_order() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let mut cfg = config(dir.path());
    cfg.max_concurrent_jobs = 1;
    let svc = open(cfg, &exec);
    let jobs: Vec<_> = (1..=6).map(|i| svc.create(new_job(&format!("j{i}"), "sleep:50")).unwrap()).collect();
    for j in jobs.iter().rev() {
        svc.run(&j.id).unwrap();
    }
    for j in &jobs {
        assert_eq!(settle(&svc, &j.id, Duration::from_secs(10)).await.phase, ExecutionPhase::Completed);
    }
    assert_eq!(*exec.started.lock().unwrap(), vec!["j6", "j1", "j2", "j3", "j4", "j5"]);
    assert_eq!(exec.max_running.load(Ordering::SeqCst), 1);
    let start = |i: usize| svc.get(&jobs[i].id).unwrap().start_time.unwrap();
    assert!(start(5) < start(0) && start(0) < start(1) && start(1) < start(2) && start(3) < start(4));
}
