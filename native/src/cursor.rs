//! Cursors: a statement whose rows are read a page at a time, so a large result never has to be
//! held in memory at once. Each cursor owns its own prepared statement (never a cached one).

use std::sync::LazyLock;

use libsql::Value;

use crate::connection::{self, ExecOptions, CONNECTIONS};
use crate::errors::{located, LibError, Result};
use crate::registry::Registry;
use crate::values::{check_int_mode, into_libsql_params, read_value, resolve_params, Params};

pub struct Cursor {
    pub conn_id: u32,
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    state: tokio::sync::Mutex<CursorState>,
}

struct CursorState {
    // Keeps the statement alive while its rows are read.
    stmt: Option<libsql::Statement>,
    rows: Option<libsql::Rows>,
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
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let origin = conn.database.origin.as_deref();
    let stmt = conn.conn.prepare(&sql).await.map_err(located(origin))?;
    let bound = if conn.database.mode.is_remote() {
        into_libsql_params(params)
    } else {
        libsql::params::Params::Positional(resolve_params(&connection::param_slots(&stmt), params)?)
    };
    let rows = stmt.query(bound).await.map_err(located(origin))?;
    let count = rows.column_count().max(0);
    let columns: Vec<String> = (0..count)
        .map(|i| rows.column_name(i).unwrap_or_default().to_owned())
        .collect();
    let column_types = connection::decl_types(&stmt, columns.len());
    CURSORS.insert(Cursor {
        conn_id,
        columns,
        column_types,
        state: tokio::sync::Mutex::new(CursorState {
            stmt: Some(stmt),
            rows: Some(rows),
        }),
    })
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
    let count = cursor.columns.len() as i32;
    let mut page = Vec::with_capacity(max_rows.min(4096) as usize);
    let mut done = false;
    while page.len() < max_rows as usize {
        match rows
            .next()
            .await
            .map_err(located(conn.database.origin.as_deref()))?
        {
            Some(row) => {
                let mut values = Vec::with_capacity(count as usize);
                for i in 0..count {
                    values.push(read_value(&row, i)?);
                }
                page.push(values);
            }
            None => {
                done = true;
                break;
            }
        }
    }
    if done {
        // Release the statement (and its read lock) as soon as the result is exhausted.
        state.rows = None;
        if let Some(mut stmt) = state.stmt.take() {
            stmt.finalize();
        }
    }
    check_int_mode(&cursor.columns, &page, options.int_mode)?;
    Ok(Page { rows: page, done })
}

pub async fn close(cursor_id: u32) -> Result<()> {
    let cursor = CURSORS.remove(cursor_id)?;
    let mut state = cursor.state.lock().await;
    state.rows = None;
    if let Some(mut stmt) = state.stmt.take() {
        stmt.finalize();
    }
    Ok(())
}

/// Drops every cursor of a closing connection.
pub fn forget_connection(conn_id: u32) {
    for (_, cursor) in CURSORS.remove_where(|c| c.conn_id == conn_id) {
        if let Ok(mut state) = cursor.state.try_lock() {
            state.rows = None;
            if let Some(mut stmt) = state.stmt.take() {
                stmt.finalize();
            }
        }
    }
}
