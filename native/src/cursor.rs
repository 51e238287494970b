//! Cursors: a statement whose rows are read a page at a time, so a large result never has to be
//! held in memory at once. Each cursor owns its own prepared statement (never a cached one). A
//! local statement is stepped by the local engine (`local`), a page at a time; libsql's rows
//! bring a server's reply.
//!
//! A write through a cursor (`INSERT … RETURNING` in autocommit mode, say) keeps SQLite's write
//! lock until its statement finishes, so the cursor keeps its writer-queue turn until then too.

use std::sync::LazyLock;

use libsql::Value;

use crate::connection::{Conn, CONNECTIONS};
use crate::deadline;
use crate::errors::{codes, located, LibError, Result};
use crate::exec::{self, ExecOptions};
use crate::local;
use crate::raw::{RawDb, RawStmt};
use crate::registry::Registry;
use crate::session;
use crate::values::{check_int_mode, read_value, Params};
use crate::writer::{Work, WriterTurn};

pub struct Cursor {
    pub conn_id: u32,
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    state: tokio::sync::Mutex<CursorState>,
}

struct CursorState {
    // Keeps the statement alive while its rows are read.
    stmt: Option<libsql::Statement>,
    rows: Option<Rows>,
    /// The writer turn of a write through the cursor, held until its statement finishes.
    writer: Option<WriterTurn>,
}

impl CursorState {
    /// Finishes the statement: releases its rows, its locks and its writer turn.
    fn finish(&mut self) {
        self.rows = None;
        if let Some(mut stmt) = self.stmt.take() {
            stmt.finalize();
        }
        self.writer = None;
    }
}

/// Where a cursor's rows come from.
enum Rows {
    /// The local engine's raw statement, and the outcome of its first step, taken when the
    /// cursor opened (as libsql does, so a write through the cursor runs then) and handed to the
    /// first page.
    Local {
        db: RawDb,
        stmt: RawStmt,
        first: Option<Result<Option<Vec<Value>>>>,
    },
    /// A server's reply, read through libsql.
    Remote(libsql::Rows),
}

/// One page of a cursor.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<Vec<Value>>,
    /// True once the cursor has no more rows.
    pub done: bool,
}

pub static CURSORS: LazyLock<Registry<Cursor>> = LazyLock::new(|| Registry::new("cursor"));

pub async fn open(conn_id: u32, sql: String, params: Params) -> Result<u32> {
    session::with(conn_id, Work::of_sql(&sql), async |s| {
        s.freshen_schema_for(&sql).await?;
        let outside = s.outside_transaction();
        let conn = s.conn();
        let (stmt, info) = session::prepare_described(conn, &sql).await?;
        let (rows, columns, column_types) = match session::local_statement(conn, &info, outside) {
            Some((db, raw)) => {
                let values = local::resolve(raw, params)?;
                local::bind_all(db, raw, &values)?;
                let first = Some(local::step(db, raw));
                let columns = local::column_names(raw);
                let column_types = local::decl_types(raw, columns.len());
                let rows = Rows::Local {
                    db,
                    stmt: raw,
                    first,
                };
                (rows, columns, column_types)
            }
            None => {
                let bound = exec::bind(conn, &stmt, params)?;
                let rows = stmt.query(bound).await.map_err(LibError::from)?;
                let count = rows.column_count().max(0);
                let columns: Vec<String> = (0..count)
                    .map(|i| rows.column_name(i).unwrap_or_default().to_owned())
                    .collect();
                let column_types = exec::decl_types(&stmt, columns.len());
                (Rows::Remote(rows), columns, column_types)
            }
        };
        CURSORS.insert(Cursor {
            conn_id,
            columns,
            column_types,
            state: tokio::sync::Mutex::new(CursorState {
                stmt: Some(stmt),
                rows: Some(rows),
                writer: s.take_writer_turn(),
            }),
        })
    })
    .await
}

/// Reads up to `max_rows` more rows.
pub async fn fetch(cursor_id: u32, max_rows: u32, options: ExecOptions) -> Result<Page> {
    if max_rows == 0 {
        return Err(LibError::invalid_argument(
            "fetch needs a page size of at least 1",
        ));
    }
    let cursor = CURSORS.get(cursor_id)?;
    let conn = CONNECTIONS.get(cursor.conn_id)?;
    let _ops = conn.ops.lock().await;
    let mut state = cursor.state.lock().await;
    let Some(rows) = state.rows.as_mut() else {
        return Ok(Page {
            rows: Vec::new(),
            done: true,
        });
    };
    let read = match rows {
        Rows::Local { db, stmt, first } => local_page(*db, *stmt, first, max_rows),
        Rows::Remote(rows) => remote_page(&conn, rows, cursor.columns.len(), max_rows).await,
    };
    let (page, done) = match read {
        Ok(read) => read,
        Err(err) => {
            if err.code == codes::TIMEOUT {
                // The rest of the reply is lost with the request.
                state.finish();
            }
            return Err(err);
        }
    };
    if done {
        // Release the statement (and its locks) as soon as the result is exhausted.
        state.finish();
    }
    check_int_mode(&cursor.columns, &page, options.int_mode)?;
    Ok(Page { rows: page, done })
}

/// Up to `max_rows` rows from the local engine, and whether the statement has finished.
fn local_page(
    db: RawDb,
    stmt: RawStmt,
    first: &mut Option<Result<Option<Vec<Value>>>>,
    max_rows: u32,
) -> Result<(Vec<Vec<Value>>, bool)> {
    let mut page = Vec::with_capacity(max_rows.min(4096) as usize);
    while page.len() < max_rows as usize {
        let next = first.take().unwrap_or_else(|| local::step(db, stmt));
        match next? {
            Some(row) => page.push(row),
            None => return Ok((page, true)),
        }
    }
    Ok((page, false))
}

/// Up to `max_rows` rows of a server's reply as they arrive, and whether it has ended.
async fn remote_page(
    conn: &Conn,
    rows: &mut libsql::Rows,
    columns: usize,
    max_rows: u32,
) -> Result<(Vec<Vec<Value>>, bool)> {
    let count = columns as i32;
    let origin = conn.database.origin.as_deref();
    deadline::bounded(conn, async {
        let mut page = Vec::with_capacity(max_rows.min(4096) as usize);
        while page.len() < max_rows as usize {
            match rows.next().await.map_err(located(origin))? {
                Some(row) => {
                    let mut values = Vec::with_capacity(columns);
                    for i in 0..count {
                        values.push(read_value(&row, i)?);
                    }
                    page.push(values);
                }
                None => return Ok((page, true)),
            }
        }
        Ok((page, false))
    })
    .await
}

pub async fn close(cursor_id: u32) -> Result<()> {
    let cursor = CURSORS.remove(cursor_id)?;
    cursor.state.lock().await.finish();
    Ok(())
}

/// Drops every cursor of a closing connection.
pub fn forget_connection(conn_id: u32) {
    for (_, cursor) in CURSORS.remove_where(|c| c.conn_id == conn_id) {
        if let Ok(mut state) = cursor.state.try_lock() {
            state.finish();
        }
    }
}
