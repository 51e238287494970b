//! The in-process writer queue. The write transactions of one database file (local or embedded
//! replica) take its writer slot in arrival order, so that this process's writers wait in a fair
//! queue instead of sleeping in SQLite's busy handler. `must_queue` is the one rule deciding which
//! work queues; the session prologue (`session`) applies it to every statement, and a transaction
//! applies it when its BEGIN runs.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::connection::{Conn, CONNECTIONS};
use crate::errors::{LibError, Result};
use crate::sql::first_keyword;

/// What a call is about to do, as far as the writer queue is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Reads only.
    Read,
    /// Writes in the connection's current state: in autocommit mode it is a write transaction of
    /// its own (one statement, a batch, a script, a write through a cursor); inside a transaction
    /// it is part of that transaction.
    Write,
    /// Begins a write transaction (`BEGIN IMMEDIATE` or `BEGIN EXCLUSIVE`), which keeps its turn
    /// until it ends.
    BeginWrite,
}

impl Work {
    /// `Write` for SQL whose first keyword writes, `Read` otherwise (see `is_write_statement`).
    pub fn of_sql(sql: &str) -> Work {
        if is_write_statement(sql) {
            Work::Write
        } else {
            Work::Read
        }
    }
}

/// THE writer-queue rule: whether `work` on `conn` must wait for the database's writer slot.
///
/// - Only the writers of a database file queue: remote databases have no local lock, and each
///   `:memory:` connection is a database of its own.
/// - A connection that already holds a turn (an unfinished write through one of its cursors)
///   does not queue again: it would wait for itself.
/// - Beginning a write transaction queues; the transaction then holds the turn until it ends.
/// - A write queues in autocommit mode only: inside a transaction, the transaction holds the
///   turn already (or is a reader, and its write fails or waits in SQLite as it would anyway).
pub fn must_queue(conn: &Conn, work: Work) -> bool {
    if work == Work::Read || !conn.database.queues_writers() {
        return false;
    }
    if conn.writer.held.load(Ordering::Acquire) > 0 {
        return false;
    }
    match work {
        Work::Read => false,
        Work::BeginWrite => true,
        Work::Write => conn.transaction.lock().is_none() && conn.conn.is_autocommit(),
    }
}

/// A turn of the database's writer slot: the writers of this process behind it wait until it is
/// dropped.
pub struct WriterTurn {
    _slot: tokio::sync::OwnedMutexGuard<()>,
    held: Arc<AtomicU32>,
}

impl WriterTurn {
    fn new(conn: &Conn, slot: tokio::sync::OwnedMutexGuard<()>) -> Self {
        conn.writer.held.fetch_add(1, Ordering::AcqRel);
        Self {
            _slot: slot,
            held: conn.writer.held.clone(),
        }
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether a call may wait for what it needs: off the thread it may; the inline path must not
/// (it hands the call off the thread instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Yes,
    No,
}

/// Applies the rule: the turn `work` needs, or `None` at once when it needs none. With
/// `Wait::Yes` it waits for the turn; with `Wait::No` a taken slot is an `SQLITE_BUSY` error,
/// which the inline path reads as "run this off the thread".
pub async fn turn_for(conn: &Conn, work: Work, wait: Wait) -> Result<Option<WriterTurn>> {
    if !must_queue(conn, work) {
        return Ok(None);
    }
    if wait == Wait::No {
        let Ok(guard) = conn.database.writer.clone().try_lock_owned() else {
            return Err(LibError::sqlite(
                5,
                "database is locked: another write transaction of this process holds it",
            ));
        };
        return Ok(Some(WriterTurn::new(conn, guard)));
    }
    wait_for_turn(conn).await.map(Some)
}

/// Waits, up to the connection's busy timeout, for the other writers of this process on the same
/// database to finish. The wait is a fair queue, so writers proceed in arrival order and wake as
/// soon as the previous one is done, instead of polling in SQLite's busy handler (which sleeps up
/// to 100 ms between tries).
async fn wait_for_turn(conn: &Conn) -> Result<WriterTurn> {
    let slot = conn.database.writer.clone();
    let guard = match slot.clone().try_lock_owned() {
        Ok(guard) => guard,
        Err(_) => {
            conn.writer.waits.fetch_add(1, Ordering::Relaxed);
            let ms = conn.busy_timeout_ms.load(Ordering::Relaxed);
            match tokio::time::timeout(Duration::from_millis(u64::from(ms)), slot.lock_owned())
                .await
            {
                Ok(guard) => guard,
                Err(_) => return Err(LibError::sqlite(
                    5,
                    format!("database is locked: another write transaction of this process held it for the whole busy timeout ({ms} ms)"),
                )),
            }
        }
    };
    Ok(WriterTurn::new(conn, guard))
}

/// How many times a connection found the writer slot taken and waited for it (for tests and
/// diagnostics).
pub fn waits(conn_id: u32) -> Result<u64> {
    Ok(CONNECTIONS
        .get(conn_id)?
        .writer
        .waits
        .load(Ordering::Relaxed))
}

/// Whether SQL writes, judged by its first keyword (leading whitespace and comments skipped).
/// Used only to decide whether a statement queues for the writer slot; a statement it misses
/// (such as one opening with `WITH`) still works, through SQLite's busy handler.
pub fn is_write_statement(sql: &str) -> bool {
    matches!(
        first_keyword(sql).as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "CREATE" | "DROP" | "ALTER"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_writes_by_their_first_keyword() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "  update t set x = 1",
            "-- note\nDELETE FROM t",
            "/* a */ /* b */ replace into t values (1)",
            "CREATE TABLE x (a)",
        ] {
            assert!(is_write_statement(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "with x as (select 1) select * from x",
            "PRAGMA foreign_keys",
            "BEGIN",
            "",
            "-- only a comment",
        ] {
            assert!(!is_write_statement(sql), "{sql}");
        }
    }
}
