//! Prepared statements: the per-connection statement cache that `execute` uses, and the
//! statement registry behind `prepare` / `executeStatement` / `finalize`.
//!
//! A registered statement is prepared once; each execution resets it and binds anew, so it is
//! never re-prepared per call.

use std::collections::{HashMap, VecDeque};
use std::sync::LazyLock;

use crate::connection::{self, ExecOptions, CONNECTIONS};
use crate::errors::{LibError, Result};
use crate::registry::Registry;
use crate::values::{Params, QueryResult};

/// A small least-recently-inserted cache of prepared statements keyed by SQL text.
pub struct StatementCache {
    capacity: usize,
    items: HashMap<String, libsql::Statement>,
    order: VecDeque<String>,
}

impl StatementCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            items: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Takes a cached statement out (it is put back after use).
    pub fn take(&mut self, sql: &str) -> Option<libsql::Statement> {
        self.items.remove(sql)
    }

    pub fn put(&mut self, sql: &str, stmt: libsql::Statement) {
        if self.capacity == 0 {
            return;
        }
        if !self.order.iter().any(|s| s == sql) {
            self.order.push_back(sql.to_owned());
        }
        self.items.insert(sql.to_owned(), stmt);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                if let Some(mut stmt) = self.items.remove(&old) {
                    stmt.finalize();
                }
            }
        }
    }

    pub fn clear(&mut self) {
        for (_, mut stmt) in self.items.drain() {
            stmt.finalize();
        }
        self.order.clear();
    }
}

/// A registered prepared statement.
pub struct PreparedStatement {
    pub conn_id: u32,
    /// Whether the statement writes (it then queues for the writer slot in autocommit mode).
    writes: bool,
    pub stmt: tokio::sync::Mutex<Option<libsql::Statement>>,
    pub info: StatementInfo,
}

/// What a prepared statement reports about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementInfo {
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    pub parameter_count: u32,
    pub parameter_names: Vec<Option<String>>,
}

pub static STATEMENTS: LazyLock<Registry<PreparedStatement>> =
    LazyLock::new(|| Registry::new("statement"));

pub async fn prepare(conn_id: u32, sql: String) -> Result<u32> {
    let conn = CONNECTIONS.get(conn_id)?;
    let stmt = {
        let _state = conn.ops.lock().await;
        conn.conn
            .prepare(&sql)
            .await
            .map_err(crate::errors::located(conn.database.origin.as_deref()))?
    };
    let slots = connection::param_slots(&stmt);
    let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
    let column_types = connection::decl_types(&stmt, columns.len());
    let info = StatementInfo {
        parameter_count: u32::try_from(slots.names.len()).unwrap_or(u32::MAX),
        parameter_names: slots.names,
        columns,
        column_types,
    };
    STATEMENTS.insert(PreparedStatement {
        conn_id,
        writes: connection::is_write_statement(&sql),
        stmt: tokio::sync::Mutex::new(Some(stmt)),
        info,
    })
}

pub fn info(stmt_id: u32) -> Result<StatementInfo> {
    Ok(STATEMENTS.get(stmt_id)?.info.clone())
}

pub async fn execute(stmt_id: u32, params: Params, options: ExecOptions) -> Result<QueryResult> {
    let prepared = STATEMENTS.get(stmt_id)?;
    let conn = CONNECTIONS.get(prepared.conn_id)?;
    let _state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let _writer = connection::autocommit_writer(&conn, prepared.writes).await?;
    let guard = prepared.stmt.lock().await;
    let stmt = guard
        .as_ref()
        .ok_or_else(|| LibError::invalid_handle("statement", stmt_id))?;
    connection::run_statement(&conn, stmt, params, options).await
}

pub async fn finalize(stmt_id: u32) -> Result<()> {
    let prepared = STATEMENTS.remove(stmt_id)?;
    let mut guard = prepared.stmt.lock().await;
    if let Some(mut stmt) = guard.take() {
        stmt.finalize();
    }
    Ok(())
}

/// Drops every statement of a closing connection.
pub fn forget_connection(conn_id: u32) {
    for (_, prepared) in STATEMENTS.remove_where(|s| s.conn_id == conn_id) {
        if let Ok(mut guard) = prepared.stmt.try_lock() {
            if let Some(mut stmt) = guard.take() {
                stmt.finalize();
            }
        }
    }
}
