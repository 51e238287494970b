//! Transactions as the statements of a connection see them: the registry of transactions, BEGIN
//! with its writer-queue turn, and what a lazily begun transaction or savepoint still owes the
//! database (its BEGIN or SAVEPOINT), which the session prologue runs before the next statement.
//! The transaction API itself (begin, commit, savepoints, ownership checks) is in `transaction`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::LazyLock;

use parking_lot::Mutex;

use crate::connection::Conn;
use crate::errors::{codes, LibError, Result};
use crate::exec::execute_control;
use crate::registry::Registry;
use crate::writer::{self, Wait, Work, WriterTurn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Deferred,
    Immediate,
    Exclusive,
    ReadOnly,
}

impl Behaviour {
    pub fn parse(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "deferred" => Ok(Behaviour::Deferred),
            "immediate" => Ok(Behaviour::Immediate),
            "exclusive" => Ok(Behaviour::Exclusive),
            "read-only" | "readonly" | "read_only" => Ok(Behaviour::ReadOnly),
            other => Err(LibError::invalid_argument(format!(
                "transaction behaviour must be deferred, immediate, exclusive or read-only, not {other:?}"
            ))),
        }
    }
}

pub struct Transaction {
    pub conn_id: u32,
    pub behaviour: Behaviour,
    /// False while a lazily begun transaction waits for its first statement to run BEGIN.
    pub(crate) started: AtomicBool,
    /// Open savepoints, oldest first, each with whether its SAVEPOINT has run yet (a lazy one
    /// runs just before the next statement).
    pub(crate) savepoints: Mutex<Vec<(String, bool)>>,
    /// The turn of the database's writer slot a write transaction holds until it ends (dropped
    /// with it).
    pub(crate) writer: Mutex<Option<WriterTurn>>,
    /// Set while the BEGIN of this (remote) transaction travels with a statement, until that
    /// statement's call has settled (see `defer_begin`).
    pub(crate) begin_in_flight: AtomicBool,
    /// Set when a request of this (remote) transaction was given up on or its server went away:
    /// the transaction is lost with its stream, so it takes no more statements (see `deadline`).
    pub(crate) abandoned: AtomicBool,
}

impl Transaction {
    /// The error of any statement or COMMIT in an abandoned transaction.
    pub(crate) fn check_not_abandoned(&self, tx_id: u32) -> Result<()> {
        if !self.abandoned.load(Ordering::Acquire) {
            return Ok(());
        }
        Err(LibError::new(
            codes::TRANSACTION_STATE,
            format!(
                "transaction {tx_id} was abandoned when one of its requests timed out or lost the \
                 server; the server rolls it back, so roll it back here too"
            ),
        ))
    }
}

pub static TRANSACTIONS: LazyLock<Registry<Transaction>> =
    LazyLock::new(|| Registry::new("transaction"));

/// Drops a transaction's registration (used when its connection closes).
pub fn forget(tx_id: u32) {
    let _ = TRANSACTIONS.remove(tx_id);
}

/// Runs BEGIN for a registered transaction: takes the writer slot (write transactions of a file
/// database; `wait` says whether it may wait for it), makes a read-only one `query_only`, then
/// begins. On a local connection nothing else here waits (see `exec::execute_control`), so the
/// inline path runs this too.
pub(crate) async fn start(conn: &Conn, tx: &Transaction, wait: Wait) -> Result<()> {
    let behaviour = tx.behaviour;
    let (sql, work) = begin_of(behaviour);
    let writer = writer::turn_for(conn, work, wait).await?;
    // libSQL parses BEGIN READONLY but does not enforce it locally; query_only does, on every mode
    // (a remote server that refuses it fails the begin rather than hand out a writable transaction).
    if behaviour == Behaviour::ReadOnly {
        execute_control(conn, "PRAGMA query_only = ON").await?;
    }
    if let Err(err) = execute_control(conn, sql).await {
        end_read_only(conn, behaviour).await;
        return Err(err);
    }
    *tx.writer.lock() = writer;
    tx.started.store(true, Ordering::Release);
    Ok(())
}

/// Runs what lazily begun transactions and savepoints still owe the database (BEGIN, SAVEPOINT),
/// before a statement. The caller holds the connection's operation lock; `wait` says whether BEGIN
/// may wait for the writer slot.
pub async fn flush_pending(conn: &Conn, wait: Wait) -> Result<()> {
    let Some(tx_id) = *conn.transaction.lock() else {
        return Ok(());
    };
    let Ok(tx) = TRANSACTIONS.get(tx_id) else {
        return Ok(());
    };
    tx.check_not_abandoned(tx_id)?;
    if !tx.started.load(Ordering::Acquire) && !defer_begin(conn, &tx) {
        start(conn, &tx, wait)
            .await
            .map_err(|e| e.context("the transaction could not begin"))?;
    }
    loop {
        let next = tx
            .savepoints
            .lock()
            .iter()
            .find(|(_, done)| !done)
            .map(|(name, _)| name.clone());
        let Some(name) = next else {
            return Ok(());
        };
        let sql = format!("SAVEPOINT \"{name}\"");
        if !conn.conn.defer_to_next_request(&sql) {
            execute_control(conn, &sql).await?;
        }
        if let Some(entry) = tx
            .savepoints
            .lock()
            .iter_mut()
            .find(|(n, done)| !done && *n == name)
        {
            entry.1 = true;
        }
    }
}

/// On a remote connection, sends a write transaction's BEGIN in the same request as the statement
/// it is flushed for (see `defer_to_next_request` in vendor/PATCHES.md) instead of a request of
/// its own. The transaction counts as begun; `settle_deferred` undoes that if the BEGIN did not
/// run. `false`: begin it now (other modes; a read-only transaction, whose `query_only` pragma
/// goes first).
fn defer_begin(conn: &Conn, tx: &Transaction) -> bool {
    let sql = match tx.behaviour {
        Behaviour::Deferred => "BEGIN DEFERRED",
        Behaviour::Immediate => "BEGIN IMMEDIATE",
        Behaviour::Exclusive => "BEGIN EXCLUSIVE",
        Behaviour::ReadOnly => return false,
    };
    if !conn.conn.defer_to_next_request(sql) {
        return false;
    }
    tx.started.store(true, Ordering::Release);
    tx.begin_in_flight.store(true, Ordering::Release);
    true
}

/// After a call on a remote connection: a BEGIN sent with it (`defer_begin`) that did not take
/// (the call failed, or got no answer, and the connection is outside a transaction) leaves the
/// transaction not begun, with its savepoints not run, so that the next statement begins it again.
pub(crate) fn settle_deferred(conn: &Conn, succeeded: bool) {
    if !succeeded {
        conn.conn.discard_deferred();
    }
    let Some(tx_id) = *conn.transaction.lock() else {
        return;
    };
    let Ok(tx) = TRANSACTIONS.get(tx_id) else {
        return;
    };
    if !tx.begin_in_flight.swap(false, Ordering::AcqRel) || succeeded {
        return;
    }
    if conn.conn.is_autocommit() {
        tx.started.store(false, Ordering::Release);
        for (_, done) in tx.savepoints.lock().iter_mut() {
            *done = false;
        }
    }
}

/// The BEGIN statement of a behaviour, and what it is to the writer queue.
fn begin_of(behaviour: Behaviour) -> (&'static str, Work) {
    match behaviour {
        Behaviour::Deferred | Behaviour::ReadOnly => ("BEGIN DEFERRED", Work::Read),
        Behaviour::Immediate => ("BEGIN IMMEDIATE", Work::BeginWrite),
        Behaviour::Exclusive => ("BEGIN EXCLUSIVE", Work::BeginWrite),
    }
}

pub(crate) async fn end_read_only(conn: &Conn, behaviour: Behaviour) {
    if behaviour == Behaviour::ReadOnly {
        // Best effort: failing to lift query_only leaves the connection read-only, which is safe.
        let _ = execute_control(conn, "PRAGMA query_only = OFF").await;
    }
}
