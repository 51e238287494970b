//! Connections: the connection registry, opening a database with its first connection, further
//! connections to it, closing, and running statements on a connection.
//!
//! Each registered connection owns a libsql `Connection`, shares its `Database` with the
//! connections opened from it (`connect_shared`), and serialises its own work through an async
//! operation lock so that counters such as `changes()` belong to the statement that produced them.
//! `interrupt` deliberately bypasses that lock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libsql::Value;
use parking_lot::Mutex;

use crate::errors::{LibError, Result};
use crate::open::{open_database, DatabaseHandle, Mode, OpenConfig};
use crate::registry::Registry;
use crate::statement_cache::StatementCache;
use crate::values::{
    check_int_mode, into_libsql_params, read_value, resolve_params, IntMode, ParamSlots, Params,
    QueryResult,
};
use crate::writer;

/// A registered connection.
pub struct Conn {
    pub database: Arc<DatabaseHandle>,
    pub conn: libsql::Connection,
    /// How long this connection waits for a lock, in milliseconds.
    pub busy_timeout_ms: AtomicU32,
    /// Serialises the connection's work. Held across awaits by design (it is not a registry lock).
    pub ops: tokio::sync::Mutex<ConnState>,
    /// The id of the transaction this connection holds, if any.
    pub transaction: Mutex<Option<u32>>,
}

pub struct ConnState {
    pub cache: StatementCache,
}

pub static CONNECTIONS: LazyLock<Registry<Conn>> = LazyLock::new(|| Registry::new("connection"));

/// Connects to `database` and registers the connection. This is the one place a connection's
/// busy timeout is set (local databases only; a remote server has its own).
fn register(database: Arc<DatabaseHandle>) -> Result<u32> {
    let conn = database.db.connect().map_err(LibError::from)?;
    if database.mode != Mode::Remote {
        conn.busy_timeout(Duration::from_millis(u64::from(database.busy_timeout_ms)))
            .map_err(LibError::from)?;
    }
    let cache = StatementCache::new(database.statement_cache_size);
    let busy_timeout_ms = AtomicU32::new(database.busy_timeout_ms);
    CONNECTIONS.insert(Conn {
        database,
        conn,
        busy_timeout_ms,
        ops: tokio::sync::Mutex::new(ConnState { cache }),
        transaction: Mutex::new(None),
    })
}

/// Opens a database and its first connection; returns the connection id.
pub async fn open(config: OpenConfig) -> Result<u32> {
    let handle = open_database(&config).await?;
    let mode = handle.mode;
    let id = register(handle)?;
    // A file that is not a database, or a wrong encryption key, only shows on first read.
    if mode != Mode::Remote {
        let conn = CONNECTIONS.get(id)?;
        if let Err(err) = conn
            .conn
            .query("SELECT count(*) FROM sqlite_schema", ())
            .await
        {
            let _ = CONNECTIONS.remove(id);
            return Err(LibError::from(err).context("the database could not be read"));
        }
    }
    Ok(id)
}

/// Opens another connection to the database that `conn_id` belongs to (same file, same replica).
/// For `:memory:` this is a new, separate in-memory database, as in SQLite.
pub fn connect_shared(conn_id: u32) -> Result<u32> {
    let conn = CONNECTIONS.get(conn_id)?;
    register(conn.database.clone())
}

/// Closes a connection: rolls back its open transaction and frees its statements and cursors.
pub async fn close(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.remove(conn_id)?;
    crate::statement::forget_connection(conn_id);
    crate::cursor::forget_connection(conn_id);
    let tx = conn.transaction.lock().take();
    if let Some(tx_id) = tx {
        crate::transaction::forget(tx_id);
    }
    let mut state = conn.ops.lock().await;
    state.cache.clear();
    if !conn.conn.is_autocommit() {
        conn.conn
            .execute("ROLLBACK", ())
            .await
            .map_err(LibError::from)?;
    }
    Ok(())
}

pub fn mode(conn_id: u32) -> Result<Mode> {
    Ok(CONNECTIONS.get(conn_id)?.database.mode)
}

/// Options of one statement's execution.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecOptions {
    pub int_mode: IntMode,
    /// Skip the statement cache (for one-off SQL).
    pub no_cache: bool,
}

/// The placeholders of a prepared statement.
pub fn param_slots(stmt: &libsql::Statement) -> ParamSlots {
    let count = stmt.parameter_count();
    let names = (1..=count)
        .map(|i| {
            i32::try_from(i)
                .ok()
                .and_then(|i| stmt.parameter_name(i))
                .map(str::to_owned)
        })
        .collect();
    ParamSlots { names }
}

/// Binds, runs and fully reads one prepared statement, then resets it.
pub async fn run_statement(
    conn: &Conn,
    stmt: &libsql::Statement,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    stmt.reset();
    let bound = if conn.database.mode.is_remote() {
        into_libsql_params(params)
    } else {
        let slots = param_slots(stmt);
        libsql::params::Params::Positional(resolve_params(&slots, params)?)
    };
    let before = conn.conn.total_changes();
    let outcome = read_all(stmt, bound).await;
    stmt.reset();
    let (columns, rows) = outcome?;
    let column_types = decl_types(stmt, columns.len());
    check_int_mode(&columns, &rows, options.int_mode)?;
    let changed = conn.conn.total_changes() != before;
    Ok(QueryResult {
        columns,
        column_types,
        rows,
        rows_affected: if changed { conn.conn.changes() } else { 0 },
        last_insert_rowid: Some(conn.conn.last_insert_rowid()),
    })
}

async fn read_all(
    stmt: &libsql::Statement,
    params: libsql::params::Params,
) -> Result<(Vec<String>, Vec<Vec<Value>>)> {
    let mut rows = stmt.query(params).await.map_err(LibError::from)?;
    let count = rows.column_count().max(0);
    let columns: Vec<String> = (0..count)
        .map(|i| rows.column_name(i).unwrap_or_default().to_owned())
        .collect();
    let mut out = Vec::new();
    while let Some(row) = rows.next().await.map_err(LibError::from)? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..count {
            values.push(read_value(&row, i)?);
        }
        out.push(values);
    }
    Ok((columns, out))
}

pub fn decl_types(stmt: &libsql::Statement, count: usize) -> Vec<Option<String>> {
    let mut types: Vec<Option<String>> = stmt
        .columns()
        .iter()
        .map(|c| c.decl_type().map(str::to_owned))
        .collect();
    types.resize(count, None);
    types
}

/// Runs one SQL statement on a connection, through its statement cache.
pub async fn execute(
    conn_id: u32,
    sql: String,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let _writer = writer::autocommit_writer(&conn, writer::is_write_statement(&sql)).await?;
    execute_locked(&conn, &mut state, &sql, params, options).await
}

/// `execute` for a caller that already holds the connection's operation lock.
pub async fn execute_locked(
    conn: &Conn,
    state: &mut ConnState,
    sql: &str,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    let stmt = match state.cache.take(sql) {
        Some(stmt) => stmt,
        None => conn.conn.prepare(sql).await.map_err(LibError::from)?,
    };
    let result = run_statement(conn, &stmt, params, options).await;
    if !options.no_cache {
        state.cache.put(sql, stmt);
    }
    result
}

/// Runs SQL without parameters or a result (used for transaction control).
pub async fn execute_control(conn: &Conn, sql: &str) -> Result<()> {
    conn.conn
        .execute(sql, ())
        .await
        .map(|_| ())
        .map_err(LibError::from)
}

/// Counters and state of a connection, read without waiting for its running work.
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo {
    pub last_insert_rowid: i64,
    pub changes: u64,
    pub total_changes: u64,
    pub autocommit: bool,
}

pub fn info(conn_id: u32) -> Result<ConnInfo> {
    let conn = CONNECTIONS.get(conn_id)?;
    Ok(ConnInfo {
        last_insert_rowid: conn.conn.last_insert_rowid(),
        changes: conn.conn.changes(),
        total_changes: conn.conn.total_changes(),
        autocommit: conn.conn.is_autocommit(),
    })
}

/// Interrupts the statement running on the connection (from any thread); it fails with
/// `SQLITE_INTERRUPT` and the connection stays usable.
pub fn interrupt(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        return Err(LibError::unsupported(
            "interrupt is not supported on remote connections",
        ));
    }
    conn.conn.interrupt().map_err(LibError::from)
}

pub async fn set_busy_timeout(conn_id: u32, ms: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        return Err(LibError::unsupported(
            "busy timeout applies to local databases and embedded replicas, not remote connections",
        ));
    }
    let _state = conn.ops.lock().await;
    conn.conn
        .busy_timeout(Duration::from_millis(u64::from(ms)))
        .map_err(LibError::from)?;
    conn.busy_timeout_ms.store(ms, Ordering::Relaxed);
    Ok(())
}

/// Resets the connection: drops cached statements and lets libsql clear its state.
pub async fn reset(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    state.cache.clear();
    conn.conn.reset().await;
    Ok(())
}
