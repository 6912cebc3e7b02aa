//! Schema migrations of the job store, applied in order; `schema_version` records how far a
//! database has come, so an old data directory is upgraded in place on open.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Result, UwsError};

/// Each entry upgrades the schema from version `index` to `index + 1`. Never edit a released
/// entry: append a new one.
const MIGRATIONS: &[&str] = &[
    // v1: jobs, their parameters and their results. Times are integer microseconds since the
    // Unix epoch (exact and sortable); creation_us is unique so it orders jobs without ties.
    r#"
    CREATE TABLE jobs (
        id                 TEXT PRIMARY KEY NOT NULL,
        run_id             TEXT,
        owner_id           TEXT,
        phase              TEXT NOT NULL,
        quote_us           INTEGER,
        creation_us        INTEGER NOT NULL UNIQUE,
        start_us           INTEGER,
        end_us             INTEGER,
        execution_duration INTEGER NOT NULL,
        destruction_us     INTEGER,
        error_message      TEXT,
        error_type         TEXT
    );
    CREATE INDEX jobs_phase ON jobs(phase);
    CREATE INDEX jobs_destruction ON jobs(destruction_us);
    CREATE TABLE parameters (
        job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        name         TEXT NOT NULL,
        value        TEXT NOT NULL,
        by_reference INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (job_id, seq)
    );
    CREATE TABLE results (
        job_id    TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq       INTEGER NOT NULL,
        result_id TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        size      INTEGER NOT NULL,
        PRIMARY KEY (job_id, seq),
        UNIQUE (job_id, result_id)
    );
    "#,
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings `conn` up to [`CURRENT_VERSION`], one transaction per step.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")?;
    let mut version = read_version(conn)?;
    if version > CURRENT_VERSION {
        return Err(UwsError::Corrupt(format!(
            "job store has schema version {version}, this build knows up to {CURRENT_VERSION}"
        )));
    }
    while version < CURRENT_VERSION {
        let tx = conn.transaction()?;
        let step = usize::try_from(version).map_err(|_| UwsError::Corrupt(format!("schema version {version}")))?;
        tx.execute_batch(MIGRATIONS[step])?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [version + 1])?;
        tx.commit()?;
        version += 1;
        tracing::info!(version, "uws job store migrated");
    }
    Ok(version)
}

/// The version recorded in the database (0 for a fresh one).
pub fn read_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get::<_, i64>(0))
        .optional()?
        .unwrap_or(0))
}
