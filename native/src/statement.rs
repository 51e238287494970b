//! Prepared statements: the statement registry behind `prepare` / `executeStatement` /
//! `finalize`.
//!
//! A registered statement is prepared once; each execution resets it and binds anew, so it is
//! never re-prepared per call.

use std::sync::LazyLock;

use crate::connection::CONNECTIONS;
use crate::deadline;
use crate::errors::{LibError, Result};
use crate::exec::{self, ExecOptions};
use crate::inline::{Inline, InlineInfo};
use crate::registry::Registry;
use crate::schema;
use crate::session;
use crate::values::{Params, QueryResult};
use crate::writer::Work;

/// A registered prepared statement.
pub struct PreparedStatement {
    pub conn_id: u32,
    /// Whether the statement writes, for the writer-queue rule.
    work: Work,
    /// The databases whose schema the statement reads without checking it (an introspection
    /// pragma), freshened before each run (see `schema`).
    introspects: Option<schema::Scope>,
    /// The statement (`None` once finalized) and what the inline path knows about it.
    pub stmt: tokio::sync::Mutex<Option<Prepared>>,
    pub info: StatementInfo,
}

pub struct Prepared {
    pub stmt: libsql::Statement,
    pub inline: InlineInfo,
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
    let introspects = schema::introspected_schema(&sql);
    let (stmt, inline) = {
        let _state = conn.ops.lock().await;
        // Preparing asks a remote server to describe the statement.
        deadline::bounded(&conn, async {
            if let Some(scope) = &introspects {
                schema::refresh(&conn, scope).await?;
            }
            session::prepare_described(&conn, &sql).await
        })
        .await?
    };
    let slots = exec::param_slots(&stmt);
    let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
    let column_types = exec::decl_types(&stmt, columns.len());
    let info = StatementInfo {
        parameter_count: u32::try_from(slots.names.len()).unwrap_or(u32::MAX),
        parameter_names: slots.names,
        columns,
        column_types,
    };
    STATEMENTS.insert(PreparedStatement {
        conn_id,
        work: Work::of_sql(&sql),
        introspects,
        stmt: tokio::sync::Mutex::new(Some(Prepared { stmt, inline })),
        info,
    })
}

pub fn info(stmt_id: u32) -> Result<StatementInfo> {
    Ok(STATEMENTS.get(stmt_id)?.info.clone())
}

pub async fn execute(stmt_id: u32, params: Params, options: ExecOptions) -> Result<QueryResult> {
    let prepared = STATEMENTS.get(stmt_id)?;
    session::with(prepared.conn_id, prepared.work, async |s| {
        // A pragma statement re-prepares itself on each run, so this run sees the fresh schema.
        if let Some(scope) = &prepared.introspects {
            schema::refresh(s.conn(), scope).await?;
        }
        let mut guard = prepared.stmt.lock().await;
        let stmt = guard
            .as_mut()
            .ok_or_else(|| LibError::invalid_handle("statement", stmt_id))?;
        s.run_prepared(&stmt.stmt, &stmt.inline, params, options)
            .await
    })
    .await
}

/// Runs a prepared statement on the calling thread if the inline path allows it (see `inline`);
/// otherwise hands the parameters back for `execute`.
pub fn try_execute(
    stmt_id: u32,
    params: Params,
    options: ExecOptions,
) -> Inline<QueryResult, Params> {
    let Ok(prepared) = STATEMENTS.get(stmt_id) else {
        return Inline::Offload(params);
    };
    session::try_with(prepared.conn_id, params, |s, params| {
        let Ok(guard) = prepared.stmt.try_lock() else {
            return Inline::Offload(params);
        };
        let Some(stmt) = guard.as_ref() else {
            return Inline::Offload(params);
        };
        let outside = s.outside_transaction();
        let histories = &mut s.state.histories;
        session::run_inline(
            s.conn,
            s.raw,
            &stmt.inline,
            histories,
            outside,
            params,
            options,
        )
    })
}

pub async fn finalize(stmt_id: u32) -> Result<()> {
    let prepared = STATEMENTS.remove(stmt_id)?;
    let mut guard = prepared.stmt.lock().await;
    if let Some(mut prepared) = guard.take() {
        prepared.stmt.finalize();
    }
    Ok(())
}

/// Drops every statement of a closing connection.
pub fn forget_connection(conn_id: u32) {
    for (_, prepared) in STATEMENTS.remove_where(|s| s.conn_id == conn_id) {
        if let Ok(mut guard) = prepared.stmt.try_lock() {
            if let Some(mut prepared) = guard.take() {
                prepared.stmt.finalize();
            }
        }
    }
}
