//! The in-process writer queue: writers of one database file take its writer slot in arrival order
//! instead of sleeping in SQLite's busy handler, and the rule deciding which work queues.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::connection::Conn;
use crate::errors::{LibError, Result};

/// Waits, up to the connection's busy timeout, for the other writers of this process on the same
/// database to finish. The wait is a fair queue, so writers proceed in arrival order and wake as
/// soon as the previous one is done, instead of polling in SQLite's busy handler (which sleeps up
/// to 100 ms between tries).
pub async fn queue_writer(conn: &Conn) -> Result<tokio::sync::OwnedMutexGuard<()>> {
    let ms = conn.busy_timeout_ms.load(Ordering::Relaxed);
    let slot = conn.database.writer.clone();
    match tokio::time::timeout(Duration::from_millis(u64::from(ms)), slot.lock_owned()).await {
        Ok(guard) => Ok(guard),
        Err(_) => Err(LibError::sqlite(
            5,
            format!("database is locked: another write transaction of this process held it for the whole busy timeout ({ms} ms)"),
        )),
    }
}

/// Whether SQL writes, judged by its first keyword (leading whitespace and comments skipped).
/// Used only to queue autocommit writes; a statement it misses still works, through SQLite's
/// busy handler.
pub fn is_write_statement(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "CREATE" | "DROP" | "ALTER"
    )
}

/// The writer slot an autocommit write must hold while it runs: none inside a transaction (the
/// transaction holds the slot, or is a reader), for reads, and for remote or in-memory databases.
pub async fn autocommit_writer(
    conn: &Conn,
    writes: bool,
) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>> {
    if !writes
        || !conn.database.queues_writers()
        || conn.transaction.lock().is_some()
        || !conn.conn.is_autocommit()
    {
        return Ok(None);
    }
    queue_writer(conn).await.map(Some)
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
