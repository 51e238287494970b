//! Batches: many statements in one native call, either all-or-nothing or independently; and an
//! SQL script runner for migrations (many statements, no parameters).

use crate::connection::{
    autocommit_writer, execute_control, execute_locked, ExecOptions, CONNECTIONS,
};
use crate::errors::{located, LibError, Result};
use crate::values::{Params, QueryResult};

/// The savepoint a transactional batch uses when the connection is already in a transaction.
const BATCH_SAVEPOINT: &str = "\"libsql_batch\"";

pub async fn batch(
    conn_id: u32,
    statements: Vec<(String, Params)>,
    transactional: bool,
    options: ExecOptions,
) -> Result<Vec<QueryResult>> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let total = statements.len();
    if !transactional {
        let mut results = Vec::with_capacity(total);
        for (index, (sql, params)) in statements.into_iter().enumerate() {
            let result = execute_locked(&conn, &mut state, &sql, params, options)
                .await
                .map_err(|e| e.context(&format!("batch statement {} of {total}", index + 1)))?;
            results.push(result);
        }
        return Ok(results);
    }
    // Inside a transaction already: nest with a savepoint so the batch alone is undone on failure.
    let nested = !conn.conn.is_autocommit();
    // A batch of its own is a write transaction: it queues like one.
    let _writer = autocommit_writer(&conn, !nested).await?;
    let (open_sql, commit_sql, undo_sql) = if nested {
        (
            format!("SAVEPOINT {BATCH_SAVEPOINT}"),
            format!("RELEASE SAVEPOINT {BATCH_SAVEPOINT}"),
            format!("ROLLBACK TO SAVEPOINT {BATCH_SAVEPOINT}; RELEASE SAVEPOINT {BATCH_SAVEPOINT}"),
        )
    } else {
        (
            "BEGIN IMMEDIATE".to_owned(),
            "COMMIT".to_owned(),
            "ROLLBACK".to_owned(),
        )
    };
    execute_control(&conn, &open_sql).await?;
    let mut results = Vec::with_capacity(total);
    for (index, (sql, params)) in statements.into_iter().enumerate() {
        match execute_locked(&conn, &mut state, &sql, params, options).await {
            Ok(result) => results.push(result),
            Err(err) => {
                undo(&conn.conn, &undo_sql, nested).await;
                return Err(err.context(&format!(
                    "batch statement {} of {total} failed and the batch was rolled back",
                    index + 1
                )));
            }
        }
    }
    if let Err(err) = execute_control(&conn, &commit_sql).await {
        undo(&conn.conn, &undo_sql, nested).await;
        return Err(err.context("the batch could not be committed and was rolled back"));
    }
    Ok(results)
}

async fn undo(conn: &libsql::Connection, undo_sql: &str, nested: bool) {
    if nested {
        let _ = conn.execute_batch(undo_sql).await;
    } else if !conn.is_autocommit() {
        let _ = conn.execute("ROLLBACK", ()).await;
    }
}

/// Runs an SQL script (statements separated by semicolons, no parameters). With `transactional`,
/// the whole script is applied or nothing is.
pub async fn execute_script(conn_id: u32, sql: String, transactional: bool) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let outcome = if transactional && conn.conn.is_autocommit() {
        conn.conn.execute_transactional_batch(&sql).await
    } else {
        conn.conn.execute_batch(&sql).await
    };
    match outcome {
        Ok(mut rows) => {
            // Drain every statement's rows so that each one runs to completion.
            while let Some(next) = rows.next_stmt_row() {
                if let Some(mut stmt_rows) = next {
                    while stmt_rows
                        .next()
                        .await
                        .map_err(located(conn.database.origin.as_deref()))?
                        .is_some()
                    {}
                }
            }
            Ok(())
        }
        Err(err) => Err(LibError::from(err)
            .locate(conn.database.origin.as_deref())
            .context("script failed")),
    }
}
