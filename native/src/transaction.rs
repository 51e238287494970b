//! Transactions with ownership: each transaction id is recorded with the connection that began it,
//! and every operation on it checks that the caller names that same connection. Savepoints are
//! tracked per transaction; their names are validated identifiers, never raw SQL.
//!
//! A transaction or savepoint can be begun lazily: it is registered at once, on the calling thread,
//! and its BEGIN or SAVEPOINT runs just before the connection's next statement, in the same native
//! call (the session prologue runs it, see `transaction_state`), which saves a round trip per
//! transaction level.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use crate::connection::{Conn, ConnState, CONNECTIONS};
use crate::deadline;
use crate::errors::{codes, LibError, Result};
use crate::exec::execute_control;
use crate::inline::stmt::is_busy;
use crate::inline::{self, Cost, Inline};
use crate::pragma::validate_identifier;
use crate::session;
pub use crate::transaction_state::Behaviour;
use crate::transaction_state::{end_read_only, start, Transaction, TRANSACTIONS};
use crate::writer::{Wait, Work};

/// Looks a transaction up and checks it belongs to `conn_id`; refusals change nothing.
fn owned(conn_id: u32, tx_id: u32) -> Result<Arc<Transaction>> {
    let conn = CONNECTIONS.get(conn_id)?;
    let tx = TRANSACTIONS.get(tx_id).map_err(|_| {
        LibError::new(
            codes::INVALID_HANDLE,
            format!(
                "transaction {tx_id} is not open (unknown, or already committed or rolled back)"
            ),
        )
    })?;
    if tx.conn_id != conn_id {
        return Err(LibError::new(
            codes::TRANSACTION_OWNERSHIP,
            format!(
                "transaction {tx_id} belongs to connection {}, not to connection {conn_id}",
                tx.conn_id
            ),
        ));
    }
    drop(conn);
    Ok(tx)
}

/// Checks that `conn` can begin a transaction and registers one (not yet started).
fn register(conn: &Conn, conn_id: u32, behaviour: Behaviour) -> Result<(u32, Arc<Transaction>)> {
    let mut held = conn.transaction.lock();
    if let Some(existing) = *held {
        return Err(LibError::new(
            codes::TRANSACTION_STATE,
            format!("connection {conn_id} already holds transaction {existing}; use a savepoint to nest"),
        ));
    }
    if !conn.conn.is_autocommit() {
        return Err(LibError::new(
            codes::TRANSACTION_STATE,
            format!("connection {conn_id} is already inside a transaction begun with raw SQL"),
        ));
    }
    let id = TRANSACTIONS.insert(Transaction {
        conn_id,
        behaviour,
        started: AtomicBool::new(false),
        savepoints: Mutex::new(Vec::new()),
        writer: Mutex::new(None),
        begin_in_flight: AtomicBool::new(false),
        abandoned: AtomicBool::new(false),
    })?;
    *held = Some(id);
    Ok((id, TRANSACTIONS.get(id)?))
}

/// Begins a transaction now (BEGIN runs before this returns).
pub async fn begin(conn_id: u32, behaviour: Behaviour) -> Result<u32> {
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    let (id, tx) = register(&conn, conn_id, behaviour)?;
    if let Err(err) = deadline::bounded(&conn, start(&conn, &tx, Wait::Yes)).await {
        release(&conn, id);
        return Err(err);
    }
    Ok(id)
}

/// Registers a transaction whose BEGIN runs together with its first statement, saving a round
/// trip; an error in BEGIN (such as `SQLITE_BUSY`) is then that statement's error, and BEGIN is
/// tried again with the next one. Runs on the calling thread and never waits: `Ok(None)` when the
/// connection is busy with another call (use `begin` then).
pub fn begin_lazy(conn_id: u32, behaviour: Behaviour) -> Result<Option<u32>> {
    let conn = CONNECTIONS.get(conn_id)?;
    let Ok(_state) = conn.ops.try_lock() else {
        return Ok(None);
    };
    let (id, _) = register(&conn, conn_id, behaviour)?;
    Ok(Some(id))
}

/// Forgets a finished transaction and frees its connection for the next one.
fn release(conn: &Conn, tx_id: u32) {
    let _ = TRANSACTIONS.remove(tx_id);
    let mut held = conn.transaction.lock();
    if *held == Some(tx_id) {
        *held = None;
    }
}

/// How a transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Commit,
    Rollback,
}

impl End {
    fn sql(self) -> &'static str {
        match self {
            End::Commit => "COMMIT",
            End::Rollback => "ROLLBACK",
        }
    }

    fn cost(self, state: &mut ConnState) -> &mut Cost {
        match self {
            End::Commit => &mut state.control.commit,
            End::Rollback => &mut state.control.rollback,
        }
    }
}

async fn finish(conn_id: u32, tx_id: u32, end: End) -> Result<()> {
    let tx = owned(conn_id, tx_id)?;
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    end_locked(&conn, &mut state, tx_id, &tx, end).await
}

/// Commits or rolls back a transaction of `conn`, whose operation lock the caller holds. On a
/// local connection nothing here waits but SQLite's busy handler (see `exec::execute_control`),
/// so the inline path runs it too.
async fn end_locked(
    conn: &Conn,
    state: &mut ConnState,
    tx_id: u32,
    tx: &Transaction,
    end: End,
) -> Result<()> {
    let conn_id = tx.conn_id;
    if !tx.started.load(Ordering::Acquire) {
        // BEGIN never ran: there is nothing to commit or roll back.
        release(conn, tx_id);
        return Ok(());
    }
    let sql = end.sql();
    if tx.abandoned.load(Ordering::Acquire) {
        // Lost with its stream (see `deadline`): the server rolls it back, a COMMIT cannot help.
        if end == End::Rollback {
            release(conn, tx_id);
            return Ok(());
        }
        return tx.check_not_abandoned(tx_id);
    }
    if conn.conn.is_autocommit() {
        // The database ended it already: SQLite after some errors, or a replica's primary that
        // restarted. Nothing of it is left to commit; rolling it back just forgets it.
        if end == End::Rollback {
            release(conn, tx_id);
            end_read_only(conn, tx.behaviour).await;
            return Ok(());
        }
        return Err(LibError::new(
            codes::TRANSACTION_STATE,
            format!(
                "transaction {tx_id} is no longer open on the database (it was rolled back \
                 there), so it cannot be committed; roll it back"
            ),
        ));
    }
    let started = Instant::now();
    let outcome = deadline::bounded(conn, execute_control(conn, sql)).await;
    end.cost(state).record(started.elapsed());
    if tx.abandoned.load(Ordering::Acquire) {
        // This very request was given up on: kept registered for the caller's ROLLBACK.
        return outcome.map_err(|e| {
            e.context(&format!(
                "{sql} got no answer, so whether the server ran it is unknown"
            ))
        });
    }
    // SQLite may have ended the transaction on its own (e.g. after some errors); either way, once
    // the connection is back in autocommit the transaction is over.
    if outcome.is_ok() || conn.conn.is_autocommit() {
        release(conn, tx_id);
        end_read_only(conn, tx.behaviour).await;
    }
    match end {
        End::Commit => outcome,
        End::Rollback => rolled_back(conn_id, tx_id, outcome),
    }
}

pub async fn commit(conn_id: u32, tx_id: u32) -> Result<()> {
    finish(conn_id, tx_id, End::Commit).await
}

pub async fn rollback(conn_id: u32, tx_id: u32) -> Result<()> {
    finish(conn_id, tx_id, End::Rollback).await
}

/// SQLite may have rolled back already (e.g. after SQLITE_FULL): the transaction is over all the
/// same.
fn rolled_back(conn_id: u32, tx_id: u32, result: Result<()>) -> Result<()> {
    match result {
        Err(err) if err.message.contains("no transaction is active") => {
            if let Ok(conn) = CONNECTIONS.get(conn_id) {
                release(&conn, tx_id);
            }
            Ok(())
        }
        other => other,
    }
}

/// Commits or rolls back on the calling thread if the inline path allows it (the connection is
/// idle and its history says the operation is short; see `inline`); `Offload` otherwise.
pub fn try_finish(conn_id: u32, tx_id: u32, end: End) -> Inline<(), ()> {
    let tx = match owned(conn_id, tx_id) {
        Ok(tx) => tx,
        Err(err) => return Inline::Done(Err(err)),
    };
    session::try_with(conn_id, (), |s, ()| {
        let budget_us = s.conn.inline.budget_us();
        if tx.started.load(Ordering::Acquire)
            && (!end.cost(s.state).unstoppable_fits(budget_us) || s.conn.ending_syncs(s.raw, end))
        {
            return Inline::Offload(());
        }
        inline_now(s.conn, end_locked(s.conn, s.state, tx_id, &tx, end))
    })
}

/// Runs `work` (transaction control on a connection the inline path holds) on this thread: an
/// `SQLITE_BUSY` (COMMIT met a lock; the transaction is still open) sends it off the thread.
fn inline_now(conn: &Conn, work: impl std::future::Future<Output = Result<()>>) -> Inline<(), ()> {
    match crate::runtime::poll_once(work) {
        Some(Err(err)) if is_busy(&err) => {
            inline::state::count(&conn.inline.stats.busy);
            Inline::Offload(())
        }
        Some(outcome) => {
            inline::state::count(&conn.inline.stats.inline);
            Inline::Done(outcome)
        }
        None => Inline::Offload(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavepointOp {
    Create,
    Release,
    RollbackTo,
    /// ROLLBACK TO and then RELEASE, in one call (how a nested transaction is undone).
    RollbackAndRelease,
}

fn no_savepoint(tx_id: u32, name: &str) -> LibError {
    LibError::new(
        codes::TRANSACTION_STATE,
        format!("transaction {tx_id} has no savepoint named {name:?}"),
    )
}

pub async fn savepoint(conn_id: u32, tx_id: u32, name: String, op: SavepointOp) -> Result<()> {
    validate_identifier("savepoint", &name)?;
    let tx = owned(conn_id, tx_id)?;
    if op == SavepointOp::Create {
        // Like a statement: what the transaction still owes runs first.
        return session::with(conn_id, Work::Read, async |s| {
            s.control(&format!("SAVEPOINT \"{name}\"")).await?;
            tx.savepoints.lock().push((name, true));
            Ok(())
        })
        .await;
    }
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    savepoint_locked(&conn, &mut state, tx_id, &tx, &name, op).await
}

/// Releases or rolls back to a savepoint of a transaction of `conn`, whose operation lock the
/// caller holds (run by the inline path too, see `end_locked`).
async fn savepoint_locked(
    conn: &Conn,
    state: &mut ConnState,
    tx_id: u32,
    tx: &Transaction,
    name: &str,
    op: SavepointOp,
) -> Result<()> {
    tx.check_not_abandoned(tx_id)?;
    let (at, statements) = savepoint_plan(tx, tx_id, name, op)?;
    if !statements.is_empty() {
        let started = Instant::now();
        deadline::bounded(conn, run_control(conn, &statements)).await?;
        state.control.savepoint.record(started.elapsed());
    }
    end_savepoints(tx, at, op);
    Ok(())
}

/// Runs savepoint statements, several in one call (one request to a remote server).
async fn run_control(conn: &Conn, statements: &[String]) -> Result<()> {
    match statements {
        [sql] => execute_control(conn, sql).await,
        _ if conn.local_control().is_some() => execute_control(conn, &statements.join("; ")).await,
        _ => conn
            .conn
            .execute_batch(&statements.join("; "))
            .await
            .map(drop)
            .map_err(LibError::from),
    }
}

/// Where savepoint `name` is on the transaction's stack, and the SQL that `op` on it needs. A
/// savepoint whose SAVEPOINT has not run yet has seen no statement: undoing or releasing it needs
/// no SQL. Otherwise only the savepoints that ran need it; pending later ones just go.
fn savepoint_plan(
    tx: &Transaction,
    tx_id: u32,
    name: &str,
    op: SavepointOp,
) -> Result<(usize, Vec<String>)> {
    let found = {
        let stack = tx.savepoints.lock();
        stack
            .iter()
            .rposition(|(n, _)| *n == name)
            .map(|at| (at, stack[at].1))
    };
    let Some((at, ran)) = found else {
        return Err(no_savepoint(tx_id, name));
    };
    let quoted = format!("\"{name}\"");
    let statements = match (ran, op) {
        (false, _) | (_, SavepointOp::Create) => Vec::new(),
        (true, SavepointOp::Release) => vec![format!("RELEASE SAVEPOINT {quoted}")],
        (true, SavepointOp::RollbackTo) => vec![format!("ROLLBACK TO SAVEPOINT {quoted}")],
        (true, SavepointOp::RollbackAndRelease) => vec![
            format!("ROLLBACK TO SAVEPOINT {quoted}"),
            format!("RELEASE SAVEPOINT {quoted}"),
        ],
    };
    Ok((at, statements))
}

/// Ends the savepoints `op` on the one at `at` ends.
fn end_savepoints(tx: &Transaction, at: usize, op: SavepointOp) {
    let mut stack = tx.savepoints.lock();
    match op {
        // ROLLBACK TO keeps the savepoint itself but ends those opened after it.
        SavepointOp::RollbackTo => stack.truncate(at + 1),
        // RELEASE ends the savepoint and every one opened after it.
        _ => stack.truncate(at),
    }
}

/// Releases or rolls back to a savepoint on the calling thread if the inline path allows it (see
/// `try_finish`); `Offload` otherwise. Creating one is not offered (it goes lazily).
pub fn try_savepoint(conn_id: u32, tx_id: u32, name: &str, op: SavepointOp) -> Inline<(), ()> {
    if op == SavepointOp::Create {
        return Inline::Offload(());
    }
    let tx = match validate_identifier("savepoint", name).and_then(|()| owned(conn_id, tx_id)) {
        Ok(tx) => tx,
        Err(err) => return Inline::Done(Err(err)),
    };
    session::try_with(conn_id, (), |s, ()| {
        // Undoing or releasing a savepoint that never ran needs no SQL, so no history.
        let runs_sql = savepoint_plan(&tx, tx_id, name, op).is_ok_and(|(_, sql)| !sql.is_empty());
        let budget_us = s.conn.inline.budget_us();
        if runs_sql && !s.state.control.savepoint.unstoppable_fits(budget_us) {
            return Inline::Offload(());
        }
        inline_now(
            s.conn,
            savepoint_locked(s.conn, s.state, tx_id, &tx, name, op),
        )
    })
}

/// Registers a savepoint whose SAVEPOINT runs with the next statement (see `begin_lazy`).
/// `Ok(false)` when the connection is busy with another call (use `savepoint` then).
pub fn savepoint_lazy(conn_id: u32, tx_id: u32, name: String) -> Result<bool> {
    validate_identifier("savepoint", &name)?;
    let tx = owned(conn_id, tx_id)?;
    let conn = CONNECTIONS.get(conn_id)?;
    let Ok(_state) = conn.ops.try_lock() else {
        return Ok(false);
    };
    tx.savepoints.lock().push((name, false));
    Ok(true)
}

/// The transaction a connection holds, if any.
pub fn current(conn_id: u32) -> Result<Option<u32>> {
    Ok(*CONNECTIONS.get(conn_id)?.transaction.lock())
}

/// The open savepoints of a transaction, oldest first.
pub fn savepoints(conn_id: u32, tx_id: u32) -> Result<Vec<String>> {
    Ok(owned(conn_id, tx_id)?
        .savepoints
        .lock()
        .iter()
        .map(|(name, _)| name.clone())
        .collect())
}
