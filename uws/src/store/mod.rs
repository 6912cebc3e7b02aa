//! Persistent job store: SQLite (WAL mode) in the data directory.
//!
//! Every phase change is a compare-and-check inside one SQLite transaction, so a completion and
//! an abort racing each other cannot both win, and an illegal transition can never be written.

mod migrations;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, ToSql};

use crate::error::{Result, UwsError};
use crate::id::JobId;
use crate::job::{ErrorSummary, ErrorType, Job, JobFilter, JobRef, Parameter, Parameters, ResultInfo};
use crate::phase::ExecutionPhase;
use crate::time::{from_micros, to_micros, Timestamp};

pub use migrations::CURRENT_VERSION as SCHEMA_VERSION;

/// What to write together with a phase change.
#[derive(Debug, Default, Clone)]
pub struct PhaseUpdate {
    /// Set startTime.
    pub start_time: Option<Timestamp>,
    /// Set endTime.
    pub end_time: Option<Timestamp>,
    /// Set errorSummary.
    pub error: Option<ErrorSummary>,
    /// Replace the result list.
    pub results: Option<Vec<ResultInfo>>,
    /// Only apply if the job's current phase is one of these (in addition to the state diagram).
    pub only_from: Option<Vec<ExecutionPhase>>,
}

/// The SQLite job store.
pub struct JobStore {
    conn: Mutex<Connection>,
    /// Last creation time handed out (µs): creation times are strictly increasing so that
    /// "creation order" and `LAST` are exact even for jobs created in the same microsecond.
    last_creation_us: Mutex<i64>,
}

impl JobStore {
    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        // WAL with synchronous=NORMAL: a commit appends to the log without an fsync (a power loss
        // may lose the last commits but cannot corrupt the store), which keeps phase updates
        // cheap. Inside this process every access goes through the one `Mutex<Connection>`, so
        // reads and writes take turns; WAL's non-blocking readers only help other connections,
        // such as an operator's `sqlite3` on a live store.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::with_connection(conn)
    }

    /// An in-memory store (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        let last: Option<i64> = conn.query_row("SELECT MAX(creation_us) FROM jobs", [], |r| r.get(0))?;
        Ok(Self { conn: Mutex::new(conn), last_creation_us: Mutex::new(last.unwrap_or(i64::MIN)) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        migrations::read_version(&self.conn())
    }

    /// A creation time strictly after every one handed out before (from this store).
    pub fn next_creation_time(&self) -> Result<Timestamp> {
        let mut last = self.last_creation_us.lock().unwrap_or_else(|e| e.into_inner());
        let now = to_micros(&chrono::Utc::now());
        let t = now.max(last.saturating_add(1));
        *last = t;
        from_micros(t)
    }

    /// Stores a new job.
    pub fn insert(&self, job: &Job) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO jobs (id, run_id, owner_id, phase, quote_us, creation_us, start_us, end_us,
                               execution_duration, destruction_us, error_message, error_type)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                job.id.as_str(),
                job.run_id,
                job.owner_id,
                job.phase.as_str(),
                job.quote.as_ref().map(to_micros),
                to_micros(&job.creation_time),
                job.start_time.as_ref().map(to_micros),
                job.end_time.as_ref().map(to_micros),
                duration_to_sql(job.execution_duration),
                job.destruction.as_ref().map(to_micros),
                job.error_summary.as_ref().map(|e| e.message.as_str()),
                job.error_summary.as_ref().map(|e| e.error_type.as_str()),
            ],
        )?;
        write_parameters(&tx, &job.id, &job.parameters)?;
        write_results(&tx, &job.id, &job.results)?;
        tx.commit()?;
        Ok(())
    }

    /// Loads a job; [`UwsError::NotFound`] if there is none.
    pub fn get(&self, id: &JobId) -> Result<Job> {
        let conn = self.conn();
        read_job(&conn, id)
    }

    /// The job list after filters (UWS 1.1 §2.2.2.1), newest first.
    pub fn list(&self, filter: &JobFilter) -> Result<Vec<JobRef>> {
        let mut sql = String::from("SELECT id, phase, run_id, owner_id, creation_us FROM jobs WHERE 1=1");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if filter.phases.is_empty() {
            // ARCHIVED jobs are listed only when asked for by name (UWS 1.1 §2.2.2.1).
            sql.push_str(" AND phase <> 'ARCHIVED'");
        } else {
            let marks = vec!["?"; filter.phases.len()].join(",");
            sql.push_str(&format!(" AND phase IN ({marks})"));
            args.extend(filter.phases.iter().map(|p| Box::new(p.as_str()) as Box<dyn ToSql>));
        }
        if let Some(after) = &filter.after {
            sql.push_str(" AND creation_us > ?");
            args.push(Box::new(to_micros(after)));
        }
        if let Some(owner) = &filter.owner_id {
            sql.push_str(" AND owner_id = ?");
            args.push(Box::new(owner.clone()));
        }
        sql.push_str(" ORDER BY creation_us DESC");
        if let Some(last) = filter.last {
            sql.push_str(" LIMIT ?");
            args.push(Box::new(i64::try_from(last).unwrap_or(i64::MAX)));
        }
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, phase, run_id, owner_id, creation) = row?;
            out.push(JobRef {
                id: stored_id(id)?,
                phase: stored_phase(&phase)?,
                run_id,
                owner_id,
                creation_time: from_micros(creation)?,
            });
        }
        Ok(out)
    }

    /// Moves a job to `to` if the state diagram (and `update.only_from`) allows it from its current
    /// phase, writing `update` in the same transaction. Returns the phase it left.
    pub fn transition(&self, id: &JobId, to: ExecutionPhase, update: PhaseUpdate) -> Result<ExecutionPhase> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let from = read_phase(&tx, id)?;
        from.check_transition(to)?;
        if let Some(allowed) = &update.only_from {
            if !allowed.contains(&from) {
                return Err(UwsError::IllegalTransition { from, to });
            }
        }
        tx.execute("UPDATE jobs SET phase = ?2 WHERE id = ?1", params![id.as_str(), to.as_str()])?;
        if let Some(t) = &update.start_time {
            tx.execute("UPDATE jobs SET start_us = ?2 WHERE id = ?1", params![id.as_str(), to_micros(t)])?;
        }
        if let Some(t) = &update.end_time {
            tx.execute("UPDATE jobs SET end_us = ?2 WHERE id = ?1", params![id.as_str(), to_micros(t)])?;
        }
        if let Some(e) = &update.error {
            tx.execute(
                "UPDATE jobs SET error_message = ?2, error_type = ?3 WHERE id = ?1",
                params![id.as_str(), e.message, e.error_type.as_str()],
            )?;
        }
        if let Some(results) = &update.results {
            tx.execute("DELETE FROM results WHERE job_id = ?1", [id.as_str()])?;
            write_results(&tx, id, results)?;
        }
        tx.commit()?;
        Ok(from)
    }

    /// Replaces the job's parameters; only while PENDING (UWS 1.1 §2.1.11).
    pub fn set_parameters(&self, id: &JobId, parameters: &Parameters, run_id: Option<&str>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let phase = read_phase(&tx, id)?;
        if phase != ExecutionPhase::Pending {
            return Err(UwsError::NotAllowedInPhase { what: "changing parameters".into(), phase });
        }
        tx.execute("DELETE FROM parameters WHERE job_id = ?1", [id.as_str()])?;
        write_parameters(&tx, id, parameters)?;
        tx.execute("UPDATE jobs SET run_id = ?2 WHERE id = ?1", rusqlite::params![id.as_str(), run_id])?;
        tx.commit()?;
        Ok(())
    }

    /// Sets executionDuration if the job has not started yet.
    pub fn set_execution_duration(&self, id: &JobId, seconds: u64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let phase = read_phase(&tx, id)?;
        if !matches!(phase, ExecutionPhase::Pending | ExecutionPhase::Queued | ExecutionPhase::Held) {
            return Err(UwsError::NotAllowedInPhase { what: "changing the execution duration".into(), phase });
        }
        tx.execute(
            "UPDATE jobs SET execution_duration = ?2 WHERE id = ?1",
            params![id.as_str(), duration_to_sql(seconds)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets the destruction time (any phase: it only decides how long the job is kept).
    pub fn set_destruction(&self, id: &JobId, t: Option<Timestamp>) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE jobs SET destruction_us = ?2 WHERE id = ?1",
            params![id.as_str(), t.as_ref().map(to_micros)],
        )?;
        if n == 0 {
            return Err(UwsError::NotFound(id.to_string()));
        }
        Ok(())
    }

    /// Forgets a job (its parameters and result rows go with it). Returns whether it existed.
    pub fn delete(&self, id: &JobId) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM jobs WHERE id = ?1", [id.as_str()])? > 0)
    }

    /// Jobs whose destruction time is at or before `now`.
    pub fn due_for_destruction(&self, now: &Timestamp) -> Result<Vec<JobId>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM jobs WHERE destruction_us IS NOT NULL AND destruction_us <= ?1 ORDER BY destruction_us",
        )?;
        let ids = stmt.query_map([to_micros(now)], |r| r.get::<_, String>(0))?;
        ids.map(|r| stored_id(r?)).collect()
    }

    /// Ids of jobs in any of `phases`, oldest first.
    pub fn ids_in_phases(&self, phases: &[ExecutionPhase]) -> Result<Vec<JobId>> {
        if phases.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; phases.len()].join(",");
        let conn = self.conn();
        let mut stmt =
            conn.prepare(&format!("SELECT id FROM jobs WHERE phase IN ({marks}) ORDER BY creation_us"))?;
        let ids = stmt.query_map(params_from_iter(phases.iter().map(|p| p.as_str())), |r| r.get::<_, String>(0))?;
        ids.map(|r| stored_id(r?)).collect()
    }

    /// Puts a job interrupted by a restart back in QUEUED with no start time and no results.
    /// This is recovery, not a client-visible transition, so it bypasses the state diagram.
    pub fn requeue_after_restart(&self, id: &JobId) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE jobs SET phase = 'QUEUED', start_us = NULL, end_us = NULL WHERE id = ?1",
            [id.as_str()],
        )?;
        if n == 0 {
            return Err(UwsError::NotFound(id.to_string()));
        }
        tx.execute("DELETE FROM results WHERE job_id = ?1", [id.as_str()])?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a job with this id exists.
    pub fn exists(&self, id: &JobId) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM jobs WHERE id = ?1", [id.as_str()], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

fn duration_to_sql(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

fn write_parameters(conn: &Connection, id: &JobId, parameters: &Parameters) -> Result<()> {
    let mut stmt = conn.prepare(
        "INSERT INTO parameters (job_id, seq, name, value, by_reference) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (seq, p) in parameters.iter().enumerate() {
        stmt.execute(params![id.as_str(), seq as i64, p.name, p.value, p.by_reference])?;
    }
    Ok(())
}

fn write_results(conn: &Connection, id: &JobId, results: &[ResultInfo]) -> Result<()> {
    let mut stmt = conn
        .prepare("INSERT INTO results (job_id, seq, result_id, mime_type, size) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for (seq, r) in results.iter().enumerate() {
        stmt.execute(params![id.as_str(), seq as i64, r.id, r.mime_type, i64::try_from(r.size).unwrap_or(i64::MAX)])?;
    }
    Ok(())
}

fn read_phase(conn: &Connection, id: &JobId) -> Result<ExecutionPhase> {
    let phase: Option<String> =
        conn.query_row("SELECT phase FROM jobs WHERE id = ?1", [id.as_str()], |r| r.get(0)).optional()?;
    match phase {
        Some(p) => stored_phase(&p),
        None => Err(UwsError::NotFound(id.to_string())),
    }
}

fn read_job(conn: &Connection, id: &JobId) -> Result<Job> {
    let row = conn
        .query_row(
            "SELECT run_id, owner_id, phase, quote_us, creation_us, start_us, end_us,
                    execution_duration, destruction_us, error_message, error_type
             FROM jobs WHERE id = ?1",
            [id.as_str()],
            JobRow::from_row,
        )
        .optional()?;
    let Some(row) = row else {
        return Err(UwsError::NotFound(id.to_string()));
    };
    let mut parameters = Parameters::new();
    let mut stmt =
        conn.prepare("SELECT name, value, by_reference FROM parameters WHERE job_id = ?1 ORDER BY seq")?;
    for p in stmt.query_map([id.as_str()], |r| {
        Ok(Parameter { name: r.get(0)?, value: r.get(1)?, by_reference: r.get(2)? })
    })? {
        parameters.push_raw(p?);
    }
    let mut stmt = conn.prepare("SELECT result_id, mime_type, size FROM results WHERE job_id = ?1 ORDER BY seq")?;
    let results = stmt
        .query_map([id.as_str()], |r| {
            Ok(ResultInfo { id: r.get(0)?, mime_type: r.get(1)?, size: r.get::<_, i64>(2)?.max(0) as u64 })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let opt_time = |v: Option<i64>| v.map(from_micros).transpose();
    let error_summary = match row.error_message {
        Some(message) => Some(ErrorSummary {
            message,
            error_type: match row.error_type.as_deref() {
                Some("transient") => ErrorType::Transient,
                _ => ErrorType::Fatal,
            },
        }),
        None => None,
    };
    Ok(Job {
        id: id.clone(),
        run_id: row.run_id,
        owner_id: row.owner_id,
        phase: stored_phase(&row.phase)?,
        quote: opt_time(row.quote_us)?,
        creation_time: from_micros(row.creation_us)?,
        start_time: opt_time(row.start_us)?,
        end_time: opt_time(row.end_us)?,
        execution_duration: row.execution_duration.max(0) as u64,
        destruction: opt_time(row.destruction_us)?,
        parameters,
        results,
        error_summary,
    })
}

struct JobRow {
    run_id: Option<String>,
    owner_id: Option<String>,
    phase: String,
    quote_us: Option<i64>,
    creation_us: i64,
    start_us: Option<i64>,
    end_us: Option<i64>,
    execution_duration: i64,
    destruction_us: Option<i64>,
    error_message: Option<String>,
    error_type: Option<String>,
}

impl JobRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            run_id: r.get(0)?,
            owner_id: r.get(1)?,
            phase: r.get(2)?,
            quote_us: r.get(3)?,
            creation_us: r.get(4)?,
            start_us: r.get(5)?,
            end_us: r.get(6)?,
            execution_duration: r.get(7)?,
            destruction_us: r.get(8)?,
            error_message: r.get(9)?,
            error_type: r.get(10)?,
        })
    }
}

fn stored_phase(s: &str) -> Result<ExecutionPhase> {
    s.parse().map_err(|_| UwsError::Corrupt(format!("unknown phase '{s}' in job store")))
}

fn stored_id(s: String) -> Result<JobId> {
    JobId::parse(&s).map_err(|_| UwsError::Corrupt(format!("malformed job id '{s}' in job store")))
}
