//! Things that happen in time: WAIT wake-up and its limits, ABORT, execution-duration expiry,
//! destruction. Upper time bounds here only tell "woken by the event" from "ran into the
//! timeout" (they are many times the expected figure, so a loaded CI machine cannot fail them);
//! the latencies themselves are measured by `bench/src/async_jobs.rs`.

use std::time::{Duration, Instant};

use uws::{ErrorType, ExecutionPhase, NewJob, UwsError};

use crate::common::{config, new_job, open, reach, settle, TestExecutor};

/// A WAIT blocked on an EXECUTING job is woken by the completion, not by its 60 s timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_is_woken_by_completion() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let mut worst = Duration::ZERO;
    for i in 0..5 {
        let job = svc.create(new_job(&format!("w{i}"), "gate")).unwrap();
        svc.run(&job.id).unwrap();
        assert_eq!(reach(&svc, &job.id, ExecutionPhase::Executing, Duration::from_secs(5)).await.phase, ExecutionPhase::Executing);
        let waiter = {
            let svc = svc.clone();
            let id = job.id.clone();
            tokio::spawn(async move {
                let j = svc.wait(&id, Some(Duration::from_secs(60)), None).await.unwrap();
                (j, Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "WAIT must block while the job executes");
        exec.open_gate();
        let (j, returned) = waiter.await.unwrap();
        assert_eq!(j.phase, ExecutionPhase::Completed);
        let finished = exec.finished_at(&job.id).unwrap();
        let latency = returned.saturating_duration_since(finished);
        worst = worst.max(latency);
    }
    println!("WAIT wake-up latency, worst of 5: {worst:?}");
    assert!(worst < Duration::from_secs(10), "WAIT was not woken by the completion: {worst:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_returns_at_once_outside_active_phases_or_on_guard_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("g", "gate")).unwrap();

    // Guard mismatch: the job is PENDING, the client thinks QUEUED.
    let t = Instant::now();
    let j = svc.wait(&job.id, Some(Duration::from_secs(60)), Some(ExecutionPhase::Queued)).await.unwrap();
    assert_eq!(j.phase, ExecutionPhase::Pending);
    assert!(t.elapsed() < Duration::from_secs(10));

    // Guard match: blocks until the phase changes (PENDING -> QUEUED/EXECUTING by RUN).
    let waiter = {
        let svc = svc.clone();
        let id = job.id.clone();
        tokio::spawn(async move { svc.wait(&id, Some(Duration::from_secs(60)), Some(ExecutionPhase::Pending)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished());
    let t = Instant::now();
    svc.run(&job.id).unwrap();
    let j = waiter.await.unwrap().unwrap();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_ne!(j.phase, ExecutionPhase::Pending);

    exec.open_gate();
    settle(&svc, &job.id, Duration::from_secs(5)).await;
    // Final phase: no blocking at all.
    let t = Instant::now();
    let j = svc.wait(&job.id, Some(Duration::from_secs(60)), None).await.unwrap();
    assert_eq!(j.phase, ExecutionPhase::Completed);
    assert!(t.elapsed() < Duration::from_secs(10));

    let ghost = uws::JobId::random().unwrap();
    assert!(matches!(svc.wait(&ghost, Some(Duration::from_secs(1)), None).await, Err(UwsError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_honours_the_timeout_and_the_server_cap() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let mut cfg = config(dir.path());
    cfg.max_wait = Duration::from_millis(400);
    let svc = open(cfg, &exec);
    let job = svc.create(new_job("t", "ok")).unwrap();

    let t = Instant::now();
    let j = svc.wait(&job.id, Some(Duration::from_millis(200)), None).await.unwrap();
    let e = t.elapsed();
    assert_eq!(j.phase, ExecutionPhase::Pending);
    assert!(e >= Duration::from_millis(200) && e < Duration::from_secs(10), "{e:?}");

    // WAIT=-1 (no client limit) and WAIT=3600 both stop at the 400 ms cap.
    for asked in [None, Some(Duration::from_secs(3600))] {
        let t = Instant::now();
        svc.wait(&job.id, asked, None).await.unwrap();
        let e = t.elapsed();
        assert!(e >= Duration::from_millis(400) && e < Duration::from_secs(10), "{asked:?}: {e:?}");
    }
    // WAIT=0 does not block.
    let t = Instant::now();
    svc.wait(&job.id, Some(Duration::ZERO), None).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(10));
}

/// ABORT of an executor that ignores its cancellation token: the phase is ABORTED at once and
/// the slot is free: the next queued job completes long before the stubborn one would end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_is_prompt_even_for_an_uncooperative_executor() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let mut cfg = config(dir.path());
    cfg.max_concurrent_jobs = 1;
    let svc = open(cfg, &exec);
    let slow = svc.create(new_job("slow", "stubborn:30000")).unwrap();
    let next = svc.create(new_job("next", "ok")).unwrap();
    svc.run(&slow.id).unwrap();
    svc.run(&next.id).unwrap();
    assert_eq!(svc.get(&next.id).unwrap().phase, ExecutionPhase::Queued);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let t = Instant::now();
    svc.abort(&slow.id).unwrap();
    assert_eq!(svc.get(&slow.id).unwrap().phase, ExecutionPhase::Aborted);
    let done = settle(&svc, &next.id, Duration::from_secs(5)).await;
    let e = t.elapsed();
    println!("ABORT to next job COMPLETED: {e:?}");
    assert_eq!(done.phase, ExecutionPhase::Completed);
    assert!(e < Duration::from_secs(15), "{e:?}");
    let aborted = svc.get(&slow.id).unwrap();
    assert_eq!(aborted.phase, ExecutionPhase::Aborted, "completion must not overwrite ABORTED");
    assert!(aborted.results.is_empty());
}

/// A cooperative executor sees the token fire on ABORT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_cancels_the_executor_token() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let job = svc.create(new_job("coop", "sleep:30000")).unwrap();
    svc.run(&job.id).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    svc.abort(&job.id).unwrap();
    while svc.executing_count() > 0 {
        assert!(t.elapsed() < Duration::from_secs(15), "slot not freed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(svc.get(&job.id).unwrap().phase, ExecutionPhase::Aborted);
}

/// executionDuration = 1 s on a 30 s job: ERROR after ~1 s with a message that says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execution_duration_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let mut new = new_job("long", "stubborn:30000");
    new.execution_duration = Some(1);
    let job = svc.create(new).unwrap();
    assert_eq!(job.execution_duration, 1);
    let t = Instant::now();
    svc.run(&job.id).unwrap();
    let done = settle(&svc, &job.id, Duration::from_secs(10)).await;
    let e = t.elapsed();
    println!("executionDuration=1 s job stopped after {e:?}");
    assert_eq!(done.phase, ExecutionPhase::Error);
    assert!(e >= Duration::from_secs(1) && e < Duration::from_secs(15), "{e:?}");
    let err = done.error_summary.unwrap();
    assert!(err.message.contains("execution duration of 1 s was exceeded"), "{}", err.message);
    assert_eq!(err.error_type, ErrorType::Transient);
    assert!(done.results.is_empty());
    // The slot is released just after the phase is stored: wait for it (bounded), as the ABORT
    // test does, instead of racing the runner.
    while svc.executing_count() > 0 {
        assert!(t.elapsed() < Duration::from_secs(15), "slot not freed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Destruction time reached: the reaper (every 100 ms here) stops, forgets and deletes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reaper_destroys_jobs_past_their_destruction_time() {
    let dir = tempfile::tempdir().unwrap();
    let exec = TestExecutor::new();
    let svc = open(config(dir.path()), &exec);
    let finished = svc.create(new_job("f", "ok")).unwrap();
    svc.run(&finished.id).unwrap();
    settle(&svc, &finished.id, Duration::from_secs(5)).await;
    let (path, _) = svc.result_file(&finished.id, "result").unwrap();
    let running = svc.create(new_job("r", "stubborn:30000")).unwrap();
    svc.run(&running.id).unwrap();
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let keep = svc.create(NewJob::default()).unwrap();
    svc.set_destruction(&finished.id, soon).unwrap();
    svc.set_destruction(&running.id, soon).unwrap();

    tokio::time::sleep(Duration::from_millis(300)).await;
    if chrono::Utc::now() < soon {
        assert!(svc.get(&finished.id).is_ok(), "not before its time");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while svc.get(&finished.id).is_ok() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(chrono::Utc::now() >= soon, "destroyed before its destruction time");
    assert!(matches!(svc.get(&finished.id), Err(UwsError::NotFound(_))));
    assert!(matches!(svc.get(&running.id), Err(UwsError::NotFound(_))));
    assert!(!path.exists() && !path.parent().unwrap().exists());
    assert_eq!(svc.executing_count(), 0, "the destroyed executing job released its slot");
    assert_eq!(svc.get(&keep.id).unwrap().phase, ExecutionPhase::Pending);
    assert_eq!(svc.reap_now().unwrap(), 0);
}
