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
//! `try_with` is the same prologue for the inline path (see `inline`), on the calling thread and
//! without waiting: the lock is taken with `try_lock`, the writer turn only if the slot is free,
//! and BEGIN / SAVEPOINT run through the raw handle with a zero busy timeout. Whatever would have
//! to wait sends the call off the thread instead (`Inline::Offload`), where `with` runs it. Only
//! local connections (and an embedded replica's local reads) run inline; remote ones never do.
//!
//! The per-call timeout and cancellation of remote statements (`deadline::bounded`) wraps the
//! prologue and `body(&mut session)` in `with`; dropping them releases the writer turn, and the
//! connection is recovered before the operation lock goes.

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::connection::{Conn, ConnState, CONNECTIONS};
use crate::deadline;
use crate::errors::{LibError, Result};
use crate::exec::{self, ExecOptions};
use crate::inline::{self, Inline, InlineInfo, Kind, Stop};
use crate::open::Mode;
use crate::raw::RawDb;
use crate::schema;
use crate::statement_cache::Cached;
use crate::transaction_state::{flush_pending, flush_pending_now};
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

/// Prepares `sql` through libsql on a connection whose lock the caller holds, and identifies its
/// raw statement for the inline path. A remote server is not asked to describe it (`exec::prepare`).
pub async fn prepare(conn: &Conn, sql: &str) -> Result<(libsql::Statement, InlineInfo)> {
    identified(conn, sql, exec::prepare(conn, sql)).await
}

/// As `prepare`, but a remote server describes the statement (its placeholders and columns), for
/// the prepared statements the binding keeps and reports on.
pub async fn prepare_described(conn: &Conn, sql: &str) -> Result<(libsql::Statement, InlineInfo)> {
    let prepared = async { conn.conn.prepare(sql).await.map_err(LibError::from) };
    identified(conn, sql, prepared).await
}

/// Runs `prepared` (which prepares `sql`; futures start when awaited) and identifies the raw
/// statement it made; an error a server reported names that server.
async fn identified(
    conn: &Conn,
    sql: &str,
    prepared: impl std::future::Future<Output = Result<libsql::Statement>>,
) -> Result<(libsql::Statement, InlineInfo)> {
    let before = conn.raw.and_then(RawDb::newest_statement);
    let stmt = prepared
        .await
        .map_err(|err| err.locate(conn.database.origin.as_deref()))?;
    let info = InlineInfo::identify(conn.raw, before, sql);
    Ok((stmt, info))
}

/// Whether the connection is outside any transaction (registered or begun with raw SQL).
fn outside_transaction(conn: &Conn) -> bool {
    conn.transaction.lock().is_none() && conn.conn.is_autocommit()
}

impl Session<'_> {
    /// The locked connection.
    pub fn conn(&self) -> &Conn {
        self.conn
    }

    /// Whether the connection is outside any transaction (for a statement's history).
    pub fn outside_transaction(&self) -> bool {
        outside_transaction(self.conn)
    }

    /// Records how long a statement that can run inline took (see `inline::cost`).
    pub fn record(&mut self, info: &InlineInfo, autocommit: bool, took: std::time::Duration) {
        if info.raw.is_some() {
            self.state
                .histories
                .record(info.fingerprint, autocommit, took);
        }
    }

    /// Brings the connection's copy of the schema up to date if SQL is an introspection pragma,
    /// which would otherwise answer from a stale copy (see `schema`). Call before preparing SQL.
    pub async fn freshen_schema_for(&self, sql: &str) -> Result<()> {
        match schema::introspected_schema(sql) {
            Some(scope) => schema::refresh(self.conn, &scope).await,
            None => Ok(()),
        }
    }

    /// Runs one statement of SQL text through the connection's statement cache, and records how
    /// long it took in the statement's history.
    pub async fn execute(
        &mut self,
        sql: &str,
        params: Params,
        options: ExecOptions,
    ) -> Result<QueryResult> {
        self.freshen_schema_for(sql).await?;
        if options.no_cache {
            let (stmt, _) = prepare(self.conn, sql).await?;
            return exec::run_statement(self.conn, &stmt, params, options).await;
        }
        // Integer literals in value positions become parameters (see `literals`).
        let mut through = self.state.cache.literals.through(self.conn, sql, params);
        let params = std::mem::take(&mut through.params);
        let sql = &*through.sql;
        if self.state.cache.get_mut(sql).is_none() {
            let (stmt, inline) = prepare(self.conn, sql).await?;
            if self.state.cache.capacity() == 0 {
                return exec::run_statement(self.conn, &stmt, params, options).await;
            }
            self.state.cache.insert(sql, Cached { stmt, inline });
        }
        let autocommit = outside_transaction(self.conn);
        let Some(cached) = self.state.cache.get_mut(sql) else {
            return Err(LibError::new(
                crate::errors::codes::INTERNAL,
                "a cached statement went missing",
            ));
        };
        let started = Instant::now();
        let result = exec::run_statement(self.conn, &cached.stmt, params, options).await;
        if cached.inline.raw.is_some() {
            let fingerprint = cached.inline.fingerprint;
            self.state
                .histories
                .record(fingerprint, autocommit, started.elapsed());
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

/// A connection whose operation lock the inline path holds, on the calling thread.
pub struct InlineSession<'c> {
    pub conn: &'c Conn,
    pub state: &'c mut ConnState,
    pub raw: RawDb,
}

/// The inline prologue's first half: runs `body` on connection `conn_id` if it is idle and may
/// run inline, and otherwise hands `args` back for an off-thread run. While `body` runs, the
/// connection's busy timeout is 0 and a commit leaves its WAL checkpoint for later.
pub fn try_with<T, P>(
    conn_id: u32,
    args: P,
    body: impl FnOnce(&mut InlineSession<'_>, P) -> Inline<T, P>,
) -> Inline<T, P> {
    let Ok(conn) = CONNECTIONS.get(conn_id) else {
        return Inline::Offload(args);
    };
    let Some(raw) = conn.inline_handle() else {
        return Inline::Offload(args);
    };
    if conn.inline.off_thread_busy() {
        return Inline::Offload(args);
    }
    let Ok(mut state) = conn.ops.try_lock() else {
        return Inline::Offload(args);
    };
    // An embedded replica runs locally only the reads it sees outside a transaction; anything
    // else goes to its primary, over the network.
    if conn.database.mode == Mode::Replica && !outside_transaction(&conn) {
        return Inline::Offload(args);
    }
    let quiet = Quiet::enter(&conn, raw);
    let mut session = InlineSession {
        conn: &conn,
        state: &mut state,
        raw,
    };
    let outcome = body(&mut session, args);
    drop(quiet);
    crate::connection::note_due_checkpoint(conn_id, &conn);
    outcome
}

/// The inline prologue's second half, once a call has decided to run inline: what a lazy
/// transaction owes, and the writer turn `work` needs (held by the caller until its statement has
/// run). `Stop::Busy` when either would have to wait.
pub fn prologue_now(
    conn: &Conn,
    raw: RawDb,
    work: Work,
) -> std::result::Result<Option<WriterTurn>, Stop> {
    flush_pending_now(conn, raw)?;
    writer::try_turn_for(conn, work).map_err(|()| Stop::Busy)
}

/// Runs one prepared statement inline if its kind and history allow: reads under the budget
/// (stopped and handed back at the budget), writes only when their history says they are short.
/// `outside` says whether the statement runs outside any transaction (for its history).
pub fn run_inline(
    conn: &Conn,
    raw: RawDb,
    info: &InlineInfo,
    histories: &mut crate::inline::Histories,
    outside: bool,
    params: Params,
    options: ExecOptions,
) -> Inline<QueryResult, Params> {
    let budget_us = conn.inline.budget_us();
    let Some(stmt) = info.raw else {
        return Inline::Offload(params);
    };
    let history = histories.get(info.fingerprint).get(outside);
    let (fits, work) = match info.kind {
        Kind::Read => (history.read_fits(budget_us), Work::Read),
        Kind::Write => (history.unstoppable_fits(budget_us), Work::Write),
        Kind::Other => (false, Work::Read),
    };
    if !fits {
        return Inline::Offload(params);
    }
    let stats = &conn.inline.stats;
    let _turn = match prologue_now(conn, raw, work) {
        Ok(turn) => turn,
        Err(Stop::Failed(err)) => {
            inline::state::count(&stats.inline);
            return Inline::Done(Err(err));
        }
        Err(_) => {
            inline::state::count(&stats.busy);
            return Inline::Offload(params);
        }
    };
    let values = match inline::stmt::resolve(stmt, params) {
        Ok(values) => values,
        Err(err) => {
            inline::state::count(&stats.inline);
            return Inline::Done(Err(err));
        }
    };
    let started = Instant::now();
    let outcome = if info.kind == Kind::Read {
        let deadline = started + conn.inline.budget();
        let mut over = move || Instant::now() >= deadline;
        inline::stmt::run(raw, stmt, &values, options.int_mode, Some(&mut over))
    } else {
        inline::stmt::run(raw, stmt, &values, options.int_mode, None)
    };
    let took = started.elapsed();
    match outcome {
        Ok(result) => {
            histories.record(info.fingerprint, outside, took);
            inline::state::count(&stats.inline);
            Inline::Done(Ok(result))
        }
        Err(Stop::Failed(err)) => {
            histories.record(info.fingerprint, outside, took);
            inline::state::count(&stats.inline);
            Inline::Done(Err(err))
        }
        Err(Stop::OverBudget) => {
            histories.record(info.fingerprint, outside, took);
            inline::state::count(&stats.over_budget);
            Inline::Offload(Params::Positional(values))
        }
        Err(Stop::Busy) => {
            inline::state::count(&stats.busy);
            Inline::Offload(Params::Positional(values))
        }
    }
}

/// While the inline path holds a connection: no waiting for locks (busy timeout 0, on local files,
/// where the connection has one) and no checkpoint in a commit (it is marked as due instead).
struct Quiet<'c> {
    conn: &'c Conn,
    raw: RawDb,
}

impl<'c> Quiet<'c> {
    fn enter(conn: &'c Conn, raw: RawDb) -> Self {
        if conn.database.mode == Mode::Local {
            raw.busy_timeout(0);
            conn.inline.wal.inline.store(true, Ordering::Relaxed);
        }
        Self { conn, raw }
    }
}

impl Drop for Quiet<'_> {
    fn drop(&mut self) {
        if self.conn.database.mode == Mode::Local {
            self.raw
                .busy_timeout(self.conn.busy_timeout_ms.load(Ordering::Relaxed));
            self.conn.inline.wal.inline.store(false, Ordering::Relaxed);
        }
    }
}

impl InlineSession<'_> {
    /// Whether the statement will run outside any transaction (a pending lazy BEGIN counts as
    /// inside).
    pub fn outside_transaction(&self) -> bool {
        outside_transaction(self.conn)
    }
}

/// The cached statement for `sql` on a connection the inline path holds, prepared (on this
/// thread) if it is not cached yet. `None` when it cannot be prepared here (the off-thread path
/// will, and report any error).
pub fn cached_now<'s>(conn: &Conn, state: &'s mut ConnState, sql: &str) -> Option<&'s mut Cached> {
    if state.cache.get_mut(sql).is_none() {
        if state.cache.capacity() == 0 {
            return None;
        }
        // A replica prepares anything but a read through its primary (over the network).
        if conn.database.mode == Mode::Replica && Kind::guess(sql) != Kind::Read {
            return None;
        }
        let (stmt, inline) = crate::runtime::poll_once(prepare(conn, sql))?.ok()?;
        return state.cache.insert(sql, Cached { stmt, inline });
    }
    state.cache.get_mut(sql)
}
