//! Connections: the connection registry, opening a database with its first connection, further
//! connections to it, and per-connection state and settings (counters, busy timeout, reset,
//! interrupt). Statements run through `session`; closing is in `close`.
//!
//! Each registered connection owns a libsql `Connection`, shares its `Database` with the
//! connections opened from it (`connect_shared`), and serialises its own work through an async
//! operation lock so that counters such as `changes()` belong to the statement that produced them.
//! `interrupt` deliberately bypasses that lock.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;

use crate::errors::{LibError, Result};
use crate::open::{open_database, open_failure, read_failure, DatabaseHandle, Mode, OpenConfig};
use crate::registry::Registry;
use crate::statement_cache::StatementCache;

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
    /// This connection's side of the database's writer queue (see `writer`).
    pub writer: WriterCounts,
    /// Wakes the call running on a remote connection to cancel its request (`interrupt`; see
    /// `deadline`).
    pub cancel: tokio::sync::Notify,
}

/// What the writer queue records about one connection.
#[derive(Debug, Default)]
pub struct WriterCounts {
    /// How many turns of the writer slot this connection holds now (shared with each turn, which
    /// gives its count back when dropped).
    pub held: Arc<AtomicU32>,
    /// How many times this connection found the slot taken and waited in the queue.
    pub waits: AtomicU64,
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
        writer: WriterCounts::default(),
        cancel: tokio::sync::Notify::new(),
    })
}

/// Opens a database and its first connection; returns the connection id.
pub async fn open(config: OpenConfig) -> Result<u32> {
    let handle = open_database(&config).await?;
    let mode = handle.mode;
    let id = register(handle).map_err(|err| open_failure(&config.target, err))?;
    // A file that is not a database, or a wrong encryption key, only shows on first read.
    if mode != Mode::Remote {
        let conn = CONNECTIONS.get(id)?;
        if let Err(err) = conn
            .conn
            .query("SELECT count(*) FROM sqlite_schema", ())
            .await
        {
            let _ = CONNECTIONS.remove(id);
            return Err(read_failure(&config.target, LibError::from(err)));
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

pub fn mode(conn_id: u32) -> Result<Mode> {
    Ok(CONNECTIONS.get(conn_id)?.database.mode)
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
/// `SQLITE_INTERRUPT` and the connection stays usable. On a remote connection the request in
/// flight is cancelled instead: it fails with `LIBSQL_TIMEOUT` (see `deadline`), and the server
/// may still complete it.
pub fn interrupt(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        conn.cancel.notify_waiters();
        return Ok(());
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
