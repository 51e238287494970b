//! Transactions with ownership: each transaction id is recorded with the connection that began it,
//! and every operation on it checks that the caller names that same connection. Savepoints are
//! tracked per transaction; their names are validated identifiers, never raw SQL.

use std::sync::LazyLock;

use parking_lot::Mutex;

use crate::connection::{execute_control, queue_writer, validate_identifier, Conn, CONNECTIONS};
use crate::errors::{codes, LibError, Result};
use crate::registry::Registry;

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
    savepoints: Mutex<Vec<String>>,
    /// The database's writer slot, held by a write transaction until it ends (dropped with it).
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

pub static TRANSACTIONS: LazyLock<Registry<Transaction>> =
    LazyLock::new(|| Registry::new("transaction"));

/// Drops a transaction's registration (used when its connection closes).
pub fn forget(tx_id: u32) {
    let _ = TRANSACTIONS.remove(tx_id);
}

/// Looks a transaction up and checks it belongs to `conn_id`; refusals change nothing.
fn owned(conn_id: u32, tx_id: u32) -> Result<std::sync::Arc<Transaction>> {
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

pub async fn begin(conn_id: u32, behaviour: Behaviour) -> Result<u32> {
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    if let Some(existing) = *conn.transaction.lock() {
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
    let sql = match behaviour {
        Behaviour::Deferred | Behaviour::ReadOnly => "BEGIN DEFERRED",
        Behaviour::Immediate => "BEGIN IMMEDIATE",
        Behaviour::Exclusive => "BEGIN EXCLUSIVE",
    };
    // libSQL parses BEGIN READONLY but does not enforce it locally; query_only does, on every mode
    // (a remote server that refuses it fails the begin rather than hand out a writable transaction).
    let writer = if matches!(behaviour, Behaviour::Immediate | Behaviour::Exclusive)
        && conn.database.queues_writers()
    {
        Some(queue_writer(&conn).await?)
    } else {
        None
    };
    if behaviour == Behaviour::ReadOnly {
        execute_control(&conn, "PRAGMA query_only = ON").await?;
    }
    if let Err(err) = execute_control(&conn, sql).await {
        end_read_only(&conn, behaviour).await;
        return Err(err);
    }
    let id = TRANSACTIONS.insert(Transaction {
        conn_id,
        behaviour,
        savepoints: Mutex::new(Vec::new()),
        _writer: writer,
    })?;
    *conn.transaction.lock() = Some(id);
    Ok(id)
}

async fn end_read_only(conn: &Conn, behaviour: Behaviour) {
    if behaviour == Behaviour::ReadOnly {
        // Best effort: failing to lift query_only leaves the connection read-only, which is safe.
        let _ = execute_control(conn, "PRAGMA query_only = OFF").await;
    }
}

/// Forgets a finished transaction and frees its connection for the next one.
fn release(conn: &Conn, tx_id: u32) {
    let _ = TRANSACTIONS.remove(tx_id);
    let mut held = conn.transaction.lock();
    if *held == Some(tx_id) {
        *held = None;
    }
}

async fn finish(conn_id: u32, tx_id: u32, sql: &str) -> Result<()> {
    let tx = owned(conn_id, tx_id)?;
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    let outcome = execute_control(&conn, sql).await;
    // SQLite may have ended the transaction on its own (e.g. after some errors); either way, once
    // the connection is back in autocommit the transaction is over.
    if outcome.is_ok() || conn.conn.is_autocommit() {
        release(&conn, tx_id);
        end_read_only(&conn, tx.behaviour).await;
    }
    outcome
}

pub async fn commit(conn_id: u32, tx_id: u32) -> Result<()> {
    finish(conn_id, tx_id, "COMMIT").await
}

pub async fn rollback(conn_id: u32, tx_id: u32) -> Result<()> {
    let result = finish(conn_id, tx_id, "ROLLBACK").await;
    match result {
        // SQLite already rolled back (e.g. after SQLITE_FULL): the transaction is over all the same.
        Err(err) if err.message.contains("no transaction is active") => {
            if let Ok(conn) = CONNECTIONS.get(conn_id) {
                release(&conn, tx_id);
            }
            Ok(())
        }
        other => other,
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

pub async fn savepoint(conn_id: u32, tx_id: u32, name: String, op: SavepointOp) -> Result<()> {
    validate_identifier("savepoint", &name)?;
    let tx = owned(conn_id, tx_id)?;
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    let known = tx.savepoints.lock().iter().rposition(|s| *s == name);
    if op != SavepointOp::Create && known.is_none() {
        return Err(LibError::new(
            codes::TRANSACTION_STATE,
            format!("transaction {tx_id} has no savepoint named {name:?}"),
        ));
    }
    let quoted = format!("\"{name}\"");
    match op {
        SavepointOp::Create => execute_control(&conn, &format!("SAVEPOINT {quoted}")).await?,
        SavepointOp::Release => {
            execute_control(&conn, &format!("RELEASE SAVEPOINT {quoted}")).await?
        }
        SavepointOp::RollbackTo => {
            execute_control(&conn, &format!("ROLLBACK TO SAVEPOINT {quoted}")).await?
        }
        SavepointOp::RollbackAndRelease => {
            execute_control(&conn, &format!("ROLLBACK TO SAVEPOINT {quoted}")).await?;
            execute_control(&conn, &format!("RELEASE SAVEPOINT {quoted}")).await?
        }
    }
    let mut stack = tx.savepoints.lock();
    match (op, known) {
        (SavepointOp::Create, _) => stack.push(name),
        // RELEASE ends the savepoint and every one opened after it.
        (SavepointOp::Release | SavepointOp::RollbackAndRelease, Some(at)) => stack.truncate(at),
        // ROLLBACK TO keeps the savepoint itself but ends those opened after it.
        (SavepointOp::RollbackTo, Some(at)) => stack.truncate(at + 1),
        _ => {}
    }
    Ok(())
}

/// The transaction a connection holds, if any.
pub fn current(conn_id: u32) -> Result<Option<u32>> {
    Ok(*CONNECTIONS.get(conn_id)?.transaction.lock())
}

/// The open savepoints of a transaction, oldest first.
pub fn savepoints(conn_id: u32, tx_id: u32) -> Result<Vec<String>> {
    Ok(owned(conn_id, tx_id)?.savepoints.lock().clone())
}
