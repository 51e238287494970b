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
use crate::inline::durability;
use crate::inline::{self, ControlCosts, Histories, InlineInfo, InlineState, StatsSnapshot};
use crate::local::ControlStatements;
use crate::open::{open_database, open_failure, read_failure, DatabaseHandle, Mode, OpenConfig};
use crate::raw::{self, RawDb};
use crate::registry::Registry;
use crate::statement_cache::StatementCache;
use crate::transaction::End;

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
    /// The SQLite handle underneath, for the inline path (local connections whose handle was
    /// identified; `None` otherwise, and then nothing runs inline).
    pub raw: Option<RawDb>,
    /// The inline path's budget, counters and WAL hook for this connection.
    pub inline: InlineState,
    /// The transaction-control statements the local engine runs, kept prepared (used only by the
    /// holder of the operation lock; finalized when the connection goes).
    pub control: Mutex<ControlStatements>,
}

impl Conn {
    /// The raw handle, if inline execution is possible and switched on for this connection.
    pub fn inline_handle(&self) -> Option<RawDb> {
        if self.inline.budget_us() == 0 || self.database.mode.is_remote() {
            return None;
        }
        self.raw
    }

    /// The raw handle that runs this connection's transaction control (BEGIN, COMMIT, SAVEPOINT
    /// …) through the local engine: a local file or `:memory:` whose handle is known. An embedded
    /// replica's transactions run on its primary, through libsql.
    pub fn local_control(&self) -> Option<RawDb> {
        match self.database.mode {
            Mode::Local | Mode::Memory => self.raw,
            Mode::Remote | Mode::Replica => None,
        }
    }

    /// Whether ending a transaction on `raw` this way waits for the disk, which keeps it off the
    /// JavaScript thread (`inline::durability`). The caller holds the operation lock.
    pub fn ending_syncs(&self, raw: RawDb, end: End) -> bool {
        durability::syncs(&self.inline, &self.control, raw, end)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Statements of this connection go before it does.
        self.control.lock().clear();
        // The hook's state lives in this `Conn`; the SQLite connection may outlive it (libsql
        // closes it with its last statement), so the hook goes first.
        if let (Some(raw), Mode::Local) = (self.raw, self.database.mode) {
            raw.remove_wal_hook();
            durability::remove_authorizer(raw);
        }
    }
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
    /// Measured cost of this connection's COMMIT, ROLLBACK and savepoint operations.
    pub control: ControlCosts,
    /// Measured cost of this connection's statements, by shape.
    pub histories: Histories,
}

pub static CONNECTIONS: LazyLock<Registry<Conn>> = LazyLock::new(|| Registry::new("connection"));

/// Connects to `database` and registers the connection. This is the one place a connection's
/// busy timeout is set (local databases only; a remote server has its own).
fn register(database: Arc<DatabaseHandle>) -> Result<u32> {
    let (conn, raw) = if database.mode.is_remote() {
        (database.db.connect(), None)
    } else {
        raw::capture(|| database.db.connect())
    };
    let conn = conn.map_err(LibError::from)?;
    if database.mode != Mode::Remote {
        conn.busy_timeout(Duration::from_millis(u64::from(database.busy_timeout_ms)))
            .map_err(LibError::from)?;
    }
    let raw = raw.filter(|raw| is_handle_of(&conn, *raw));
    let cache = StatementCache::new(database.statement_cache_size, database.normalise_literals);
    let busy_timeout_ms = AtomicU32::new(database.busy_timeout_ms);
    let inline = InlineState::new(database.inline_budget_ms);
    let mode = database.mode;
    let id = CONNECTIONS.insert(Conn {
        database,
        conn,
        busy_timeout_ms,
        ops: tokio::sync::Mutex::new(ConnState {
            cache,
            control: ControlCosts::default(),
            histories: Histories::default(),
        }),
        transaction: Mutex::new(None),
        writer: WriterCounts::default(),
        cancel: tokio::sync::Notify::new(),
        raw,
        inline,
        control: Mutex::new(ControlStatements::default()),
    })?;
    // A replica's WAL belongs to its replicator, which checkpoints it; `:memory:` has none.
    if mode == Mode::Local {
        let registered = CONNECTIONS.get(id)?;
        if let Some(raw) = registered.raw {
            raw.install_wal_hook(&registered.inline.wal);
            durability::install_authorizer(raw, &registered.inline);
        }
    }
    Ok(id)
}

/// Whether `raw` is the SQLite handle under `conn`: a probe statement prepared through libsql
/// must appear as the handle's newest statement.
fn is_handle_of(conn: &libsql::Connection, raw: RawDb) -> bool {
    const PROBE: &str = "SELECT 'typeorm-libsql: inline probe'";
    let before = raw.newest_statement();
    match crate::runtime::poll_once(conn.prepare(PROBE)) {
        Some(Ok(mut stmt)) => {
            let found = InlineInfo::identify(Some(raw), before, PROBE).raw.is_some();
            stmt.finalize();
            found
        }
        _ => false,
    }
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

/// Sets how long a statement of this connection may run inline, in milliseconds (0: never).
pub fn set_inline_budget(conn_id: u32, ms: u32) -> Result<()> {
    CONNECTIONS.get(conn_id)?.inline.set_budget_ms(ms);
    Ok(())
}

/// How the connection's calls ran so far.
pub fn inline_stats(conn_id: u32) -> Result<StatsSnapshot> {
    Ok(CONNECTIONS.get(conn_id)?.inline.snapshot())
}

/// Connections whose inline commit left a WAL checkpoint to run (see `raw::WalHook`).
static DUE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static ANY_DUE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// After an inline call on `conn`: notes the checkpoint its commit left, if any.
pub fn note_due_checkpoint(conn_id: u32, conn: &Conn) {
    if conn
        .inline
        .wal
        .due
        .swap(false, std::sync::atomic::Ordering::Relaxed)
    {
        DUE.lock().push(conn_id);
        ANY_DUE.store(true, std::sync::atomic::Ordering::Release);
    }
}

/// The connections with a checkpoint to run (cheap to call when there are none).
pub fn take_due_checkpoints() -> Vec<u32> {
    if !ANY_DUE.swap(false, std::sync::atomic::Ordering::AcqRel) {
        return Vec::new();
    }
    std::mem::take(&mut *DUE.lock())
}

/// Runs the WAL checkpoint an inline commit left (off the JavaScript thread).
pub async fn run_due_checkpoint(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    let _state = conn.ops.lock().await;
    if let Some(raw) = conn.raw {
        raw.checkpoint();
        inline::state::count(&conn.inline.stats.deferred_checkpoints);
    }
    Ok(())
}

/// Resets the connection: drops cached statements and lets libsql clear its state.
pub async fn reset(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    state.cache.clear();
    conn.control.lock().clear();
    conn.conn.reset().await;
    Ok(())
}
