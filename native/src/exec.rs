//! Running one statement through libsql's API: what goes to a server (a remote database, an
//! embedded replica's writes and transactions), and the rare local statement whose raw SQLite
//! statement is not known (see `session::local_statement`; everything else local runs through
//! `local`). Binding parameters (by name or position, as the mode needs), running a prepared
//! statement to the end and reading its rows and counters; and transaction-control SQL, on either
//! engine (`execute_control`). The caller holds the connection's operation lock (see `session`).

use libsql::Value;

use crate::connection::Conn;
use crate::errors::{located, refine_remote_unique, LibError, Result};
use crate::values::{
    check_int_mode, into_libsql_params, read_value, resolve_params, IntMode, ParamSlots, Params,
    QueryResult,
};

/// Options of one statement's execution.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecOptions {
    pub int_mode: IntMode,
    /// Skip the statement cache (for one-off SQL).
    pub no_cache: bool,
}

/// Prepares a statement that is run and read whole here: on a remote connection without asking
/// the server to describe it first (its rows and their names come with the run, so that costs a
/// round trip for nothing).
pub async fn prepare(conn: &Conn, sql: &str) -> Result<libsql::Statement> {
    let prepared = if conn.database.mode.is_remote() {
        conn.conn.prepare_undescribed(sql).await
    } else {
        conn.conn.prepare(sql).await
    };
    prepared.map_err(LibError::from)
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

/// The parameters of `stmt` in the form libsql takes them on this connection: a remote server
/// matches names itself; locally they are resolved against the statement's placeholders.
pub fn bind(
    conn: &Conn,
    stmt: &libsql::Statement,
    params: Params,
) -> Result<libsql::params::Params> {
    if conn.database.mode.is_remote() {
        Ok(into_libsql_params(params))
    } else {
        let slots = param_slots(stmt);
        Ok(libsql::params::Params::Positional(resolve_params(
            &slots, params,
        )?))
    }
}

/// Binds, runs and fully reads one prepared statement, then resets it.
pub async fn run_statement(
    conn: &Conn,
    stmt: &libsql::Statement,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    stmt.reset();
    let bound = bind(conn, stmt, params)?;
    let before = conn.conn.total_changes();
    let outcome = read_all(stmt, bound).await;
    stmt.reset();
    let (columns, rows) = match outcome {
        Ok(read) => read,
        // The server sends one code for UNIQUE and PRIMARY KEY failures; ask which it was.
        Err(err) if conn.database.mode.is_remote() => {
            return Err(refine_remote_unique(&conn.conn, err).await)
        }
        Err(err) => return Err(err),
    };
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

/// The declared types of a statement's result columns, padded with `None` to `count`.
pub fn decl_types(stmt: &libsql::Statement, count: usize) -> Vec<Option<String>> {
    let mut types: Vec<Option<String>> = stmt
        .columns()
        .iter()
        .map(|c| c.decl_type().map(str::to_owned))
        .collect();
    types.resize(count, None);
    types
}

/// Runs SQL without parameters or a result (transaction control; several statements only on a
/// local connection): on a local file or `:memory:` through the local engine's kept statements
/// (`local::ControlStatements`, which never wait on anything but SQLite's busy handler), and
/// through libsql otherwise (a remote server, a replica's primary).
pub async fn execute_control(conn: &Conn, sql: &str) -> Result<()> {
    if let Some(raw) = conn.local_control() {
        return conn.control.lock().exec(raw, sql);
    }
    conn.conn
        .execute(sql, ())
        .await
        .map(|_| ())
        .map_err(located(conn.database.origin.as_deref()))
}
