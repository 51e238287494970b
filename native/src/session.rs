//! The statement prologue, written once, and the choice of engine. Every call that runs SQL on a
//! connection (`query`, prepared statements, cursors, batches, scripts, savepoint creation) goes
//! through `with`, which
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
//! and BEGIN / SAVEPOINT run with a zero busy timeout. Whatever would have to wait sends the call
//! off the thread instead (`Inline::Offload`), where `with` runs it. The two differ only in
//! whether they may wait; the work after the prologue is the same code on both.
//!
//! Either way a statement runs through one of two engines (`run_statement`): the local engine
//! (`local`, on the raw SQLite handle) for a local file, `:memory:` and an embedded replica's
//! local reads, and libsql's API (`exec`) for a remote database and a replica's writes. Only
//! local connections (and an embedded replica's local reads) run inline.
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
use crate::inline::stmt::is_busy;
use crate::inline::{self, Histories, Inline, InlineInfo, Kind, Stop};
use crate::local;
use crate::open::Mode;
use crate::raw::{RawDb, RawStmt};
use crate::schema;
use crate::statement_cache::{Cached, StatementCache};
use crate::transaction::End;
use crate::transaction_state::flush_pending;
use crate::values::{Params, QueryResult};
use crate::writer::{self, Wait, Work, WriterTurn};

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
    let writer = owed(conn, work, Wait::Yes).await?;
    Ok(Session {
        conn,
        state,
        writer,
    })
}

/// What the connection owes before a statement (what a lazy transaction still owes) and the
/// writer turn `work` needs; `wait` says whether either may wait (see `writer::Wait`).
async fn owed(conn: &Conn, work: Work, wait: Wait) -> Result<Option<WriterTurn>> {
    flush_pending(conn, wait).await?;
    writer::turn_for(conn, work, wait).await
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

/// Prepares `sql` for the statement cache (see `prepare`).
async fn prepare_cached(conn: &Conn, sql: &str) -> Result<Cached> {
    let (stmt, inline) = prepare(conn, sql).await?;
    Ok(Cached { stmt, inline })
}

/// Whether the connection is outside any transaction (registered or begun with raw SQL).
fn outside_transaction(conn: &Conn) -> bool {
    conn.transaction.lock().is_none() && conn.conn.is_autocommit()
}

/// The raw statement through which the local engine (`local`) runs the statement `info`
/// describes, if it runs locally: on a local file or `:memory:` whenever its raw statement is
/// known; on an embedded replica only a read outside any transaction (`outside`), since anything
/// else runs on the primary. `None`: libsql's API runs it (`exec`).
pub fn local_statement(conn: &Conn, info: &InlineInfo, outside: bool) -> Option<(RawDb, RawStmt)> {
    let db = conn.raw?;
    let stmt = info.raw?;
    match conn.database.mode {
        Mode::Local | Mode::Memory => Some((db, stmt)),
        Mode::Replica if info.kind == Kind::Read && outside => Some((db, stmt)),
        Mode::Replica | Mode::Remote => None,
    }
}

/// A result of the local engine as libsql gives it on this connection: an embedded replica keeps
/// its last insert rowid with its primary connection, not with the local file.
fn as_connection_reports(conn: &Conn, mut result: QueryResult) -> QueryResult {
    if conn.database.mode == Mode::Replica {
        result.last_insert_rowid = Some(conn.conn.last_insert_rowid());
    }
    result
}

/// Binds, runs and fully reads a prepared statement, through the local engine when it runs
/// locally and through libsql otherwise (see `local_statement`).
async fn run_statement(
    conn: &Conn,
    stmt: &libsql::Statement,
    info: &InlineInfo,
    outside: bool,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    match local_statement(conn, info, outside) {
        Some((db, raw)) => local::execute(db, raw, params, options.int_mode)
            .map(|result| as_connection_reports(conn, result)),
        None => exec::run_statement(conn, stmt, params, options).await,
    }
}

/// `run_statement`, timed into the statement's history (see `inline::cost`) when it can run
/// inline.
async fn run_recorded(
    conn: &Conn,
    histories: &mut Histories,
    stmt: &libsql::Statement,
    info: &InlineInfo,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    let outside = outside_transaction(conn);
    let started = Instant::now();
    let result = run_statement(conn, stmt, info, outside, params, options).await;
    if info.raw.is_some() && info.kind != Kind::Other {
        histories.record(info.fingerprint, outside, started.elapsed());
    }
    result
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
        let conn = self.conn;
        if options.no_cache {
            let (stmt, info) = prepare(conn, sql).await?;
            let outside = outside_transaction(conn);
            return run_statement(conn, &stmt, &info, outside, params, options).await;
        }
        // Integer literals in value positions become parameters (see `literals`); without a cache
        // (capacity 0) nothing is seen through, and the statement runs as written.
        let mut through = self.state.cache.literals.through(conn, sql, params);
        let params = std::mem::take(&mut through.params);
        let sql = &*through.sql;
        let state = &mut *self.state;
        let cached = state.cache.get_or_prepare(sql, prepare_cached(conn, sql));
        if let Some(cached) = cached.await? {
            let (stmt, info) = (&cached.stmt, cached.inline);
            return run_recorded(conn, &mut state.histories, stmt, &info, params, options).await;
        }
        let (stmt, info) = prepare(conn, sql).await?;
        let outside = outside_transaction(conn);
        run_statement(conn, &stmt, &info, outside, params, options).await
    }

    /// Binds, runs and fully reads a statement the caller prepared, and records how long it took.
    pub async fn run_prepared(
        &mut self,
        stmt: &libsql::Statement,
        info: &InlineInfo,
        params: Params,
        options: ExecOptions,
    ) -> Result<QueryResult> {
        run_recorded(
            self.conn,
            &mut self.state.histories,
            stmt,
            info,
            params,
            options,
        )
        .await
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
pub fn prologue_now(conn: &Conn, work: Work) -> std::result::Result<Option<WriterTurn>, Stop> {
    // Nothing in it waits on a local connection with `Wait::No`, so it finishes in one poll.
    match crate::runtime::poll_once(owed(conn, work, Wait::No)) {
        Some(Ok(turn)) => Ok(turn),
        Some(Err(err)) => Err(Stop::from(err)),
        None => Err(Stop::Busy),
    }
}

/// Runs one prepared statement inline if its kind and history allow: reads under the budget
/// (stopped and handed back at the budget), writes only when their history says they are short.
/// `outside` says whether the statement runs outside any transaction (for its history).
pub fn run_inline(
    conn: &Conn,
    raw: RawDb,
    info: &InlineInfo,
    histories: &mut Histories,
    outside: bool,
    params: Params,
    options: ExecOptions,
) -> Inline<QueryResult, Params> {
    let budget_us = conn.inline.budget_us();
    let Some((_, stmt)) = local_statement(conn, info, outside) else {
        return Inline::Offload(params);
    };
    let history = histories.get(info.fingerprint).get(outside);
    let (fits, work) = match info.kind {
        Kind::Read => (history.read_fits(budget_us), Work::Read),
        // An autocommit write commits: never inline when that commit waits for the disk.
        Kind::Write => (
            history.unstoppable_fits(budget_us)
                && !(outside && conn.ending_syncs(raw, End::Commit)),
            Work::Write,
        ),
        Kind::Other => (false, Work::Read),
    };
    if !fits {
        return Inline::Offload(params);
    }
    let stats = &conn.inline.stats;
    let _turn = match prologue_now(conn, work) {
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
    let values = match local::resolve(stmt, params) {
        Ok(values) => values,
        Err(err) => {
            inline::state::count(&stats.inline);
            return Inline::Done(Err(err));
        }
    };
    let started = Instant::now();
    let mut stopped = false;
    let outcome = if info.kind == Kind::Read {
        let deadline = started + conn.inline.budget();
        let mut over = || {
            stopped = Instant::now() >= deadline;
            stopped
        };
        local::run(raw, stmt, &values, options.int_mode, Some(&mut over))
    } else {
        local::run(raw, stmt, &values, options.int_mode, None)
    };
    let took = started.elapsed();
    match outcome {
        Err(err) if is_busy(&err) => {
            inline::state::count(&stats.busy);
            Inline::Offload(Params::Positional(values))
        }
        Err(err) if stopped && err.raw_code == Some(libsql::ffi::SQLITE_INTERRUPT) => {
            histories.record(info.fingerprint, outside, took);
            inline::state::count(&stats.over_budget);
            Inline::Offload(Params::Positional(values))
        }
        outcome => {
            histories.record(info.fingerprint, outside, took);
            inline::state::count(&stats.inline);
            Inline::Done(outcome.map(|result| as_connection_reports(conn, result)))
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
pub fn cached_now<'s>(
    conn: &Conn,
    cache: &'s mut StatementCache,
    sql: &str,
) -> Option<&'s mut Cached> {
    if cache.contains(sql) {
        return cache.get_mut(sql);
    }
    // A replica prepares anything but a read through its primary (over the network).
    if conn.database.mode == Mode::Replica && Kind::guess(sql) != Kind::Read {
        return None;
    }
    let prepared = cache.get_or_prepare(sql, prepare_cached(conn, sql));
    crate::runtime::poll_once(prepared)?.ok()?
}
