//! The statement prologue, written once: every call that runs SQL on a connection (`query`,
//! prepared statements, cursors, batches, scripts, savepoint creation) goes through `with`, which
//!
//! 1. looks the connection up,
//! 2. takes its operation lock (so the call's counters are its own),
//! 3. runs what a lazily begun transaction or savepoint still owes (its BEGIN or SAVEPOINT),
//! 4. applies the writer-queue rule (`writer::must_queue`) and, if it says so, waits for a turn,
//!
//! and then hands the call's body a `Session`: the locked connection, its statement cache and the
//! writer turn, which are released, turn first, when the body is done. Before SQL that reads the
//! connection's copy of the schema without checking it, the body freshens that copy
//! (`freshen_schema_for`; `execute` does it itself).
//!
//! Two seams are kept here on purpose, so that later changes touch this one place:
//! - an inline fast path (run a short statement on the calling thread when the connection is
//!   free) would take the lock with `try_lock` instead of `lock().await` in `with`, then run the
//!   same `prologue` and body;
//! - the per-call timeout and cancellation of remote statements (`deadline::bounded`) wraps the
//!   prologue and `body(&mut session)` in `with`; dropping them releases the writer turn, and the
//!   connection is recovered before the operation lock goes.

use crate::connection::{Conn, ConnState, CONNECTIONS};
use crate::deadline;
use crate::errors::Result;
use crate::exec::{self, ExecOptions};
use crate::schema;
use crate::transaction_state::flush_pending;
use crate::values::{Params, QueryResult};
use crate::writer::{self, Work, WriterTurn};

/// A connection whose operation lock this call holds, with the prologue done.
pub struct Session<'c> {
    conn: &'c Conn,
    state: &'c mut ConnState,
    /// The writer turn `work` needed, if any; released when the session ends unless taken.
    writer: Option<WriterTurn>,
}

/// Runs `body` on connection `conn_id` after the statement prologue. `work` says whether the
/// call writes, for the writer-queue rule.
pub async fn with<T>(
    conn_id: u32,
    work: Work,
    body: impl AsyncFnOnce(&mut Session<'_>) -> Result<T>,
) -> Result<T> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    let outcome = deadline::bounded(&conn, async {
        let mut session = prologue(&conn, &mut state, work).await?;
        body(&mut session).await
    })
    .await;
    // An error a server reported names that server.
    outcome.map_err(|err| err.locate(conn.database.origin.as_deref()))
}

/// Steps 3 and 4 of the prologue, for a caller that holds the connection's operation lock.
async fn prologue<'c>(conn: &'c Conn, state: &'c mut ConnState, work: Work) -> Result<Session<'c>> {
    flush_pending(conn).await?;
    let writer = writer::turn_for(conn, work).await?;
    Ok(Session {
        conn,
        state,
        writer,
    })
}

impl Session<'_> {
    /// The locked connection.
    pub fn conn(&self) -> &Conn {
        self.conn
    }

    /// Brings the connection's copy of the schema up to date if SQL is an introspection pragma,
    /// which would otherwise answer from a stale copy (see `schema`). Call before preparing SQL.
    pub async fn freshen_schema_for(&self, sql: &str) -> Result<()> {
        match schema::introspected_schema(sql) {
            Some(scope) => schema::refresh(self.conn, &scope).await,
            None => Ok(()),
        }
    }

    /// Runs one statement of SQL text through the connection's statement cache.
    pub async fn execute(
        &mut self,
        sql: &str,
        params: Params,
        options: ExecOptions,
    ) -> Result<QueryResult> {
        self.freshen_schema_for(sql).await?;
        let stmt = match self.state.cache.take(sql) {
            Some(stmt) => stmt,
            None => exec::prepare(self.conn, sql).await?,
        };
        let result = exec::run_statement(self.conn, &stmt, params, options).await;
        if !options.no_cache {
            self.state.cache.put(sql, stmt);
        }
        result
    }

    /// Binds, runs and fully reads a statement the caller prepared.
    pub async fn run_prepared(
        &self,
        stmt: &libsql::Statement,
        params: Params,
        options: ExecOptions,
    ) -> Result<QueryResult> {
        exec::run_statement(self.conn, stmt, params, options).await
    }

    /// Runs SQL without parameters or a result (transaction control).
    pub async fn control(&self, sql: &str) -> Result<()> {
        exec::execute_control(self.conn, sql).await
    }

    /// Takes the writer turn out of the session, for work that goes on writing after the call
    /// returns (a write through a cursor holds it until the cursor is exhausted or closed).
    pub fn take_writer_turn(&mut self) -> Option<WriterTurn> {
        self.writer.take()
    }
}
