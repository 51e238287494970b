//! Batches: many statements in one native call, either all-or-nothing or independently; and an
//! SQL script runner for migrations (many statements, no parameters).

use crate::errors::{LibError, Result};
use crate::exec::ExecOptions;
use crate::session::{self, Session};
use crate::values::{Params, QueryResult};
use crate::writer::Work;

/// The savepoint a transactional batch uses when the connection is already in a transaction.
const BATCH_SAVEPOINT: &str = "\"libsql_batch\"";

pub async fn batch(
    conn_id: u32,
    statements: Vec<(String, Params)>,
    transactional: bool,
    options: ExecOptions,
) -> Result<Vec<QueryResult>> {
    // A transactional batch of its own is a write transaction (BEGIN IMMEDIATE): it queues like
    // one. Otherwise the batch writes if any of its statements does, and holds one turn for all.
    let work = if transactional
        || statements
            .iter()
            .any(|(sql, _)| Work::of_sql(sql) == Work::Write)
    {
        Work::Write
    } else {
        Work::Read
    };
    session::with(conn_id, work, async |s| {
        if transactional {
            all_or_nothing(s, statements, options).await
        } else {
            independently(s, statements, options).await
        }
    })
    .await
}

async fn independently(
    s: &mut Session<'_>,
    statements: Vec<(String, Params)>,
    options: ExecOptions,
) -> Result<Vec<QueryResult>> {
    let total = statements.len();
    let mut results = Vec::with_capacity(total);
    for (index, (sql, params)) in statements.into_iter().enumerate() {
        let result = s
            .execute(&sql, params, options)
            .await
            .map_err(|e| e.context(&format!("batch statement {} of {total}", index + 1)))?;
        results.push(result);
    }
    Ok(results)
}

async fn all_or_nothing(
    s: &mut Session<'_>,
    statements: Vec<(String, Params)>,
    options: ExecOptions,
) -> Result<Vec<QueryResult>> {
    let total = statements.len();
    // Inside a transaction already: nest with a savepoint so the batch alone is undone on failure.
    let nested = !s.conn().conn.is_autocommit();
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
    s.control(&open_sql).await?;
    let mut results = Vec::with_capacity(total);
    for (index, (sql, params)) in statements.into_iter().enumerate() {
        match s.execute(&sql, params, options).await {
            Ok(result) => results.push(result),
            Err(err) => {
                undo(&s.conn().conn, &undo_sql, nested).await;
                return Err(err.context(&format!(
                    "batch statement {} of {total} failed and the batch was rolled back",
                    index + 1
                )));
            }
        }
    }
    if let Err(err) = s.control(&commit_sql).await {
        undo(&s.conn().conn, &undo_sql, nested).await;
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
/// the whole script is applied or nothing is. A script counts as a write for the writer queue:
/// it is judged as a whole, and migrations write.
pub async fn execute_script(conn_id: u32, sql: String, transactional: bool) -> Result<()> {
    session::with(conn_id, Work::Write, async |s| {
        let conn = &s.conn().conn;
        let outcome = if transactional && conn.is_autocommit() {
            conn.execute_transactional_batch(&sql).await
        } else {
            conn.execute_batch(&sql).await
        };
        match outcome {
            Ok(mut rows) => {
                // Drain every statement's rows so that each one runs to completion.
                while let Some(next) = rows.next_stmt_row() {
                    if let Some(mut stmt_rows) = next {
                        while stmt_rows.next().await.map_err(LibError::from)?.is_some() {}
                    }
                }
                Ok(())
            }
            Err(err) => Err(LibError::from(err).context("script failed")),
        }
    })
    .await
}
