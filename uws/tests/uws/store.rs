//! The SQLite store on its own: transitions, migrations, filters, parameters.

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use uws::store::{PhaseUpdate, SCHEMA_VERSION};
use uws::{ExecutionPhase, Job, JobFilter, JobId, JobStore, Parameters, UwsError};

fn job(phase: ExecutionPhase, creation_s: i64) -> Job {
    Job {
        id: JobId::random().unwrap(),
        run_id: None,
        owner_id: None,
        phase,
        quote: None,
        creation_time: Utc.timestamp_opt(1_700_000_000 + creation_s, 0).unwrap(),
        start_time: None,
        end_time: None,
        execution_duration: 60,
        destruction: None,
        parameters: Parameters::new(),
        results: vec![],
        error_summary: None,
    }
}

/// Every (from, to) pair through the store: legal ones are written, illegal ones are typed
/// errors that leave the row untouched.
#[test]
fn store_enforces_every_transition() {
    let store = JobStore::open_in_memory().unwrap();
    let mut n = 0;
    for (i, from) in ExecutionPhase::ALL.into_iter().enumerate() {
        for (k, to) in ExecutionPhase::ALL.into_iter().enumerate() {
            let j = job(from, (i * 100 + k) as i64);
            store.insert(&j).unwrap();
            let r = store.transition(&j.id, to, PhaseUpdate::default());
            if from.can_transition_to(to) {
                assert_eq!(r.unwrap(), from);
                assert_eq!(store.get(&j.id).unwrap().phase, to);
                n += 1;
            } else {
                match r {
                    Err(UwsError::IllegalTransition { from: f, to: t }) => assert_eq!((f, t), (from, to)),
                    other => panic!("{from}->{to}: expected IllegalTransition, got {other:?}"),
                }
                assert_eq!(store.get(&j.id).unwrap().phase, from);
            }
        }
    }
    assert_eq!(n, 29, "number of edges in the UWS 1.1 state diagram as modelled");
    let missing = JobId::random().unwrap();
    assert!(matches!(store.transition(&missing, ExecutionPhase::Queued, PhaseUpdate::default()), Err(UwsError::NotFound(_))));
}

#[test]
fn only_from_restricts_further() {
    let store = JobStore::open_in_memory().unwrap();
    let j = job(ExecutionPhase::Executing, 0);
    store.insert(&j).unwrap();
    let r = store.transition(
        &j.id,
        ExecutionPhase::Error,
        PhaseUpdate { only_from: Some(vec![ExecutionPhase::Queued]), ..Default::default() },
    );
    assert!(matches!(r, Err(UwsError::IllegalTransition { .. })));
    assert_eq!(store.get(&j.id).unwrap().phase, ExecutionPhase::Executing);
}

#[test]
fn migrations_record_the_version_and_refuse_newer_databases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.sqlite");
    let j = job(ExecutionPhase::Pending, 0);
    {
        let store = JobStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store.insert(&j).unwrap();
    }
    {
        let store = JobStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.get(&j.id).unwrap(), j);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE schema_version SET version = 99", []).unwrap();
    drop(conn);
    assert!(matches!(JobStore::open(&path), Err(UwsError::Corrupt(_))));
}

#[test]
fn list_filters_combine_with_and() {
    let store = JobStore::open_in_memory().unwrap();
    let phases = [
        ExecutionPhase::Pending,
        ExecutionPhase::Completed,
        ExecutionPhase::Error,
        ExecutionPhase::Completed,
        ExecutionPhase::Archived,
        ExecutionPhase::Executing,
    ];
    let jobs: Vec<Job> = phases.iter().enumerate().map(|(i, &p)| job(p, i as i64 * 10)).collect();
    for j in &jobs {
        store.insert(j).unwrap();
    }
    let ids = |f: JobFilter| store.list(&f).unwrap().into_iter().map(|r| r.id).collect::<Vec<_>>();
    let by_index = |idx: &[usize]| idx.iter().map(|&i| jobs[i].id.clone()).collect::<Vec<_>>();

    // Default: everything but ARCHIVED, newest first.
    assert_eq!(ids(JobFilter::default()), by_index(&[5, 3, 2, 1, 0]));
    // ARCHIVED only when asked for.
    assert_eq!(ids(JobFilter { phases: vec![ExecutionPhase::Archived], ..Default::default() }), by_index(&[4]));
    // PHASE repeated = union.
    let f = JobFilter { phases: vec![ExecutionPhase::Completed, ExecutionPhase::Error], ..Default::default() };
    assert_eq!(ids(f), by_index(&[3, 2, 1]));
    // AFTER is strict.
    let f = JobFilter { after: Some(jobs[2].creation_time), ..Default::default() };
    assert_eq!(ids(f), by_index(&[5, 3]));
    // LAST n: the n most recent.
    let f = JobFilter { last: Some(2), ..Default::default() };
    assert_eq!(ids(f), by_index(&[5, 3]));
    // All three together.
    let f = JobFilter {
        phases: vec![ExecutionPhase::Completed, ExecutionPhase::Pending],
        after: Some(jobs[0].creation_time - ChronoDuration::seconds(1)),
        last: Some(2),
        owner_id: None,
    };
    assert_eq!(ids(f), by_index(&[3, 1]));
    let r = &store.list(&JobFilter { last: Some(1), ..Default::default() }).unwrap()[0];
    assert_eq!((r.phase, r.creation_time), (jobs[5].phase, jobs[5].creation_time));
}

#[test]
fn parameters_round_trip_case_insensitively_in_order() {
    let store = JobStore::open_in_memory().unwrap();
    let mut j = job(ExecutionPhase::Pending, 0);
    j.parameters = Parameters::from_pairs([("QUERY", "SELECT TOP 1 * FROM t WHERE s = 'Ab'"), ("Lang", "ADQL")]);
    j.parameters.push("UPLOAD", "a,param:a");
    j.parameters.push_reference("upload", "http://example.org/t.xml");
    store.insert(&j).unwrap();
    let back = store.get(&j.id).unwrap();
    assert_eq!(back.parameters, j.parameters);
    assert_eq!(back.parameters.get("query"), Some("SELECT TOP 1 * FROM t WHERE s = 'Ab'"));
    assert_eq!(back.parameters.get_all("UPLOAD").count(), 2);
    assert!(back.parameters.iter().nth(3).unwrap().by_reference);

    let mut changed = back.parameters.clone();
    changed.set("lang", "ADQL-2.1");
    store.set_parameters(&j.id, &changed, Some("renamed")).unwrap();
    assert_eq!(store.get(&j.id).unwrap().run_id.as_deref(), Some("renamed"));
    assert_eq!(store.get(&j.id).unwrap().parameters.get("LANG"), Some("ADQL-2.1"));

    store.transition(&j.id, ExecutionPhase::Queued, PhaseUpdate::default()).unwrap();
    assert!(matches!(store.set_parameters(&j.id, &changed, None), Err(UwsError::NotAllowedInPhase { .. })));
}

#[test]
fn creation_times_strictly_increase() {
    let store = JobStore::open_in_memory().unwrap();
    let times: Vec<_> = (0..1000).map(|_| store.next_creation_time().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
}
