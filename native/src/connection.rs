//! Connections: opening databases in each libSQL mode, the connection registry, and running
//! statements on a connection.
//!
//! Each registered connection owns a libsql `Connection`, shares its `Database` with the
//! connections opened from it (`connect_shared`), and serialises its own work through an async
//! operation lock so that counters such as `changes()` belong to the statement that produced them.
//! `interrupt` deliberately bypasses that lock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libsql::{Builder, Value};
use parking_lot::Mutex;

use crate::errors::{codes, located, redact_url, refine_remote_unique, LibError, Result};
use crate::registry::Registry;
use crate::statement::StatementCache;
use crate::values::{
    check_int_mode, into_libsql_params, read_value, resolve_params, IntMode, ParamSlots, Params,
    QueryResult,
};

/// The libSQL mode a database was opened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Memory,
    Local,
    Remote,
    Replica,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Memory => "memory",
            Mode::Local => "local",
            Mode::Remote => "remote",
            Mode::Replica => "replica",
        }
    }

    pub fn is_remote(self) -> bool {
        self == Mode::Remote
    }
}

/// What `open` needs. Secrets are held here only until the database is built.
#[derive(Default, Clone)]
pub struct OpenConfig {
    /// A local path, a `file:` URL, `:memory:`, or a remote URL (`libsql://`, `https://`, `http://`).
    pub url: String,
    pub auth_token: Option<String>,
    /// The primary to sync from: makes `url` the local file of an embedded replica.
    pub sync_url: Option<String>,
    pub sync_interval_ms: Option<u32>,
    pub read_your_writes: Option<bool>,
    pub encryption_key: Option<String>,
    pub busy_timeout_ms: Option<u32>,
    pub statement_cache_size: Option<u32>,
}

impl std::fmt::Debug for OpenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenConfig")
            .field("url", &crate::errors::redact(&self.url))
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("sync_url", &self.sync_url)
            .field(
                "encryption_key",
                &self.encryption_key.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5000;
pub const DEFAULT_STATEMENT_CACHE_SIZE: u32 = 64;

/// A database shared by the connections opened from it.
pub struct DatabaseHandle {
    pub db: libsql::Database,
    pub mode: Mode,
    /// Held by the write transaction (immediate or exclusive) of any connection of this database,
    /// so that this process's writers queue in order instead of sleeping in SQLite's busy handler.
    pub writer: Arc<tokio::sync::Mutex<()>>,
    /// The server (remote URL, or a replica's primary) without credentials, named by its errors.
    pub origin: Option<String>,
    busy_timeout_ms: u32,
    statement_cache_size: usize,
}

impl DatabaseHandle {
    /// Whether writers of this database share a file (and so one write lock) in this process.
    pub fn queues_writers(&self) -> bool {
        matches!(self.mode, Mode::Local | Mode::Replica)
    }
}

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
}

pub struct ConnState {
    pub cache: StatementCache,
}

pub static CONNECTIONS: LazyLock<Registry<Conn>> = LazyLock::new(|| Registry::new("connection"));

/// How a URL or path is to be opened.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Memory,
    File(String),
    Remote(String),
}

fn classify(url: &str) -> Result<Target> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(LibError::invalid_argument(
            "a database url or path is required (use \":memory:\" for an in-memory database)",
        ));
    }
    if trimmed == ":memory:" || trimmed == "file::memory:" {
        return Ok(Target::Memory);
    }
    let lower = trimmed.to_ascii_lowercase();
    for scheme in ["libsql://", "https://", "http://", "wss://", "ws://"] {
        if lower.starts_with(scheme) {
            return Ok(Target::Remote(trimmed.to_owned()));
        }
    }
    if let Some(rest) = trimmed.strip_prefix("file:") {
        if rest.contains('?') {
            return Err(LibError::invalid_argument(
                "file: URLs with query parameters are not supported; pass options instead",
            ));
        }
        // file:///abs/path and file://localhost/abs/path name an absolute path; file:rel is relative.
        let path = if let Some(abs) = rest.strip_prefix("//") {
            abs.strip_prefix("localhost").unwrap_or(abs).to_owned()
        } else {
            rest.to_owned()
        };
        if path.is_empty() {
            return Err(LibError::invalid_argument("the file: URL names no path"));
        }
        return Ok(Target::File(path));
    }
    if lower.contains("://") {
        return Err(LibError::invalid_argument(format!(
            "unsupported URL scheme in {:?}: use a path, file:, libsql://, https:// or http://",
            trimmed.split("://").next().unwrap_or_default()
        )));
    }
    Ok(Target::File(trimmed.to_owned()))
}

fn encryption(key: &Option<String>) -> Result<Option<libsql::EncryptionConfig>> {
    match key {
        None => Ok(None),
        Some(k) if k.is_empty() => Err(LibError::invalid_argument(
            "encryptionKey must not be empty",
        )),
        Some(k) => Ok(Some(libsql::EncryptionConfig::new(
            libsql::Cipher::Aes256Cbc,
            bytes::Bytes::copy_from_slice(k.as_bytes()),
        ))),
    }
}

async fn build_database(config: &OpenConfig) -> Result<(libsql::Database, Mode)> {
    let target = classify(&config.url)?;
    let token = config.auth_token.clone().unwrap_or_default();
    if let Some(sync_url) = &config.sync_url {
        let path =
            match target {
                Target::File(path) => path,
                Target::Memory => return Err(LibError::invalid_argument(
                    "an embedded replica needs a local file: syncUrl cannot be used with :memory:",
                )),
                Target::Remote(_) => {
                    return Err(LibError::invalid_argument(
                        "with syncUrl, url must be the replica's local file, not a remote URL",
                    ))
                }
            };
        if !matches!(classify(sync_url)?, Target::Remote(_)) {
            return Err(LibError::invalid_argument(
                "syncUrl must be a libsql://, https:// or http:// URL",
            ));
        }
        let mut builder = Builder::new_remote_replica(path, sync_url.clone(), token);
        if let Some(ms) = config.sync_interval_ms {
            if ms == 0 {
                return Err(LibError::invalid_argument(
                    "syncIntervalMs must be a positive number of milliseconds",
                ));
            }
            builder = builder.sync_interval(Duration::from_millis(u64::from(ms)));
        }
        if let Some(ryw) = config.read_your_writes {
            builder = builder.read_your_writes(ryw);
        }
        if let Some(enc) = encryption(&config.encryption_key)? {
            builder = builder.encryption_config(enc);
        }
        let db = builder.build().await.map_err(LibError::from)?;
        return Ok((db, Mode::Replica));
    }
    if config.sync_interval_ms.is_some() || config.read_your_writes.is_some() {
        return Err(LibError::invalid_argument(
            "syncIntervalMs and readYourWrites apply only to embedded replicas (set syncUrl)",
        ));
    }
    match target {
        Target::Remote(url) => {
            if config.encryption_key.is_some() {
                return Err(LibError::unsupported(
                    "encryption at rest applies to local files and embedded replicas, not to remote connections",
                ));
            }
            let db = Builder::new_remote(url, token)
                .build()
                .await
                .map_err(LibError::from)?;
            Ok((db, Mode::Remote))
        }
        Target::Memory => {
            if config.encryption_key.is_some() {
                return Err(LibError::unsupported(
                    "encryption at rest applies to database files, not to :memory:",
                ));
            }
            let db = Builder::new_local(":memory:")
                .build()
                .await
                .map_err(LibError::from)?;
            Ok((db, Mode::Memory))
        }
        Target::File(path) => {
            if config.auth_token.is_some() {
                return Err(LibError::invalid_argument(
                    "authToken is only used with remote URLs or syncUrl",
                ));
            }
            let mut builder = Builder::new_local(path);
            if let Some(enc) = encryption(&config.encryption_key)? {
                builder = builder.encryption_config(enc);
            }
            let db = builder.build().await.map_err(LibError::from)?;
            Ok((db, Mode::Local))
        }
    }
}

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
    })
}

/// Opens a database and its first connection; returns the connection id.
pub async fn open(config: OpenConfig) -> Result<u32> {
    let origin = match classify(&config.url) {
        _ if config.sync_url.is_some() => config.sync_url.as_deref().map(redact_url),
        Ok(Target::Remote(url)) => Some(redact_url(&url)),
        _ => None,
    };
    let (db, mode) = build_database(&config)
        .await
        .map_err(|e| e.locate(origin.as_deref()))?;
    let handle = Arc::new(DatabaseHandle {
        db,
        mode,
        writer: Arc::new(tokio::sync::Mutex::new(())),
        origin,
        busy_timeout_ms: config.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS),
        statement_cache_size: config
            .statement_cache_size
            .unwrap_or(DEFAULT_STATEMENT_CACHE_SIZE) as usize,
    });
    let id = register(handle)?;
    // A file that is not a database, or a wrong encryption key, only shows on first read.
    if mode != Mode::Remote {
        let conn = CONNECTIONS.get(id)?;
        if let Err(err) = conn
            .conn
            .query("SELECT count(*) FROM sqlite_schema", ())
            .await
        {
            let _ = CONNECTIONS.remove(id);
            return Err(LibError::from(err).context("the database could not be read"));
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

/// Closes a connection: rolls back its open transaction and frees its statements and cursors.
pub async fn close(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.remove(conn_id)?;
    crate::statement::forget_connection(conn_id);
    crate::cursor::forget_connection(conn_id);
    let tx = conn.transaction.lock().take();
    if let Some(tx_id) = tx {
        crate::transaction::forget(tx_id);
    }
    let mut state = conn.ops.lock().await;
    state.cache.clear();
    if !conn.conn.is_autocommit() {
        conn.conn
            .execute("ROLLBACK", ())
            .await
            .map_err(located(conn.database.origin.as_deref()))?;
    }
    Ok(())
}

pub fn mode(conn_id: u32) -> Result<Mode> {
    Ok(CONNECTIONS.get(conn_id)?.database.mode)
}

/// Options of one statement's execution.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecOptions {
    pub int_mode: IntMode,
    /// Skip the statement cache (for one-off SQL).
    pub no_cache: bool,
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

/// Binds, runs and fully reads one prepared statement, then resets it.
pub async fn run_statement(
    conn: &Conn,
    stmt: &libsql::Statement,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    stmt.reset();
    let bound = if conn.database.mode.is_remote() {
        into_libsql_params(params)
    } else {
        let slots = param_slots(stmt);
        libsql::params::Params::Positional(resolve_params(&slots, params)?)
    };
    let before = conn.conn.total_changes();
    let outcome = read_all(stmt, bound).await;
    stmt.reset();
    let (columns, rows) = match outcome {
        Ok(read) => read,
        Err(err) if conn.database.mode.is_remote() => {
            let err = refine_remote_unique(&conn.conn, err).await;
            return Err(err.locate(conn.database.origin.as_deref()));
        }
        Err(err) => return Err(err.locate(conn.database.origin.as_deref())),
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

pub fn decl_types(stmt: &libsql::Statement, count: usize) -> Vec<Option<String>> {
    let mut types: Vec<Option<String>> = stmt
        .columns()
        .iter()
        .map(|c| c.decl_type().map(str::to_owned))
        .collect();
    types.resize(count, None);
    types
}

/// Waits, up to the connection's busy timeout, for the other writers of this process on the same
/// database to finish. The wait is a fair queue, so writers proceed in arrival order and wake as
/// soon as the previous one is done, instead of polling in SQLite's busy handler (which sleeps up
/// to 100 ms between tries).
pub async fn queue_writer(conn: &Conn) -> Result<tokio::sync::OwnedMutexGuard<()>> {
    let ms = conn.busy_timeout_ms.load(Ordering::Relaxed);
    let slot = conn.database.writer.clone();
    match tokio::time::timeout(Duration::from_millis(u64::from(ms)), slot.lock_owned()).await {
        Ok(guard) => Ok(guard),
        Err(_) => Err(LibError::sqlite(
            5,
            format!("database is locked: another write transaction of this process held it for the whole busy timeout ({ms} ms)"),
        )),
    }
}

/// Whether SQL writes, judged by its first keyword (leading whitespace and comments skipped).
/// Used only to queue autocommit writes; a statement it misses still works, through SQLite's
/// busy handler.
pub fn is_write_statement(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "CREATE" | "DROP" | "ALTER"
    )
}

/// The writer slot an autocommit write must hold while it runs: none inside a transaction (the
/// transaction holds the slot, or is a reader), for reads, and for remote or in-memory databases.
pub async fn autocommit_writer(
    conn: &Conn,
    writes: bool,
) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>> {
    if !writes
        || !conn.database.queues_writers()
        || conn.transaction.lock().is_some()
        || !conn.conn.is_autocommit()
    {
        return Ok(None);
    }
    queue_writer(conn).await.map(Some)
}

/// Runs one SQL statement on a connection, through its statement cache.
pub async fn execute(
    conn_id: u32,
    sql: String,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    let conn = CONNECTIONS.get(conn_id)?;
    let mut state = conn.ops.lock().await;
    crate::transaction::flush_pending(&conn).await?;
    let _writer = autocommit_writer(&conn, is_write_statement(&sql)).await?;
    execute_locked(&conn, &mut state, &sql, params, options).await
}

/// `execute` for a caller that already holds the connection's operation lock.
pub async fn execute_locked(
    conn: &Conn,
    state: &mut ConnState,
    sql: &str,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    // A PRAGMA computes its rows when it is prepared, from the schema the connection last loaded,
    // without checking that it is still current: another connection (or an embedded replica's
    // sync) may have changed it since. So a PRAGMA is never cached, and on a local database the
    // connection first reads the schema table, which reloads a stale schema.
    let pragma = sql
        .trim_start()
        .get(..6)
        .is_some_and(|word| word.eq_ignore_ascii_case("pragma"));
    if pragma && !conn.database.mode.is_remote() {
        let mut rows = conn
            .conn
            .query("SELECT 1 FROM sqlite_schema LIMIT 1", ())
            .await
            .map_err(LibError::from)?;
        while rows.next().await.map_err(LibError::from)?.is_some() {}
    }
    let stmt = match state.cache.take(sql) {
        Some(stmt) => stmt,
        None => conn
            .conn
            .prepare(sql)
            .await
            .map_err(located(conn.database.origin.as_deref()))?,
    };
    let result = run_statement(conn, &stmt, params, options).await;
    if !options.no_cache && !pragma {
        state.cache.put(sql, stmt);
    }
    result
}

/// Runs SQL without parameters or a result (used for transaction control).
pub async fn execute_control(conn: &Conn, sql: &str) -> Result<()> {
    conn.conn
        .execute(sql, ())
        .await
        .map(|_| ())
        .map_err(located(conn.database.origin.as_deref()))
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
/// `SQLITE_INTERRUPT` and the connection stays usable.
pub fn interrupt(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        return Err(LibError::unsupported(
            "interrupt is not supported on remote connections",
        ));
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

/// Validates an SQL identifier we must interpolate (savepoint, pragma, schema names).
pub fn validate_identifier(kind: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid_start && name.len() <= 128 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(LibError::new(
            codes::INVALID_IDENTIFIER,
            format!(
                "invalid {kind} name {name:?}: use letters, digits and underscores, starting with a letter or underscore (at most 128 characters)"
            ),
        ))
    }
}

/// Runs `PRAGMA name` or `PRAGMA name = value`. The name is validated; the value must be an
/// integer, a real, or a bare keyword/identifier (strings are quoted).
pub async fn pragma(
    conn_id: u32,
    name: String,
    value: Option<PragmaValue>,
    options: ExecOptions,
) -> Result<QueryResult> {
    let (schema, pragma_name) = match name.split_once('.') {
        Some((schema, pragma_name)) => (Some(schema), pragma_name),
        None => (None, name.as_str()),
    };
    if let Some(schema) = schema {
        validate_identifier("schema", schema)?;
    }
    validate_identifier("pragma", pragma_name)?;
    let mut sql = format!("PRAGMA {name}");
    if let Some(value) = value {
        sql.push_str(" = ");
        sql.push_str(&value.to_sql()?);
    }
    execute(
        conn_id,
        sql,
        Params::None,
        ExecOptions {
            no_cache: true,
            ..options
        },
    )
    .await
}

#[derive(Debug, Clone, PartialEq)]
pub enum PragmaValue {
    Integer(i64),
    Real(f64),
    Text(String),
}

impl PragmaValue {
    fn to_sql(&self) -> Result<String> {
        match self {
            PragmaValue::Integer(n) => Ok(n.to_string()),
            PragmaValue::Real(f) if f.is_finite() => Ok(f.to_string()),
            PragmaValue::Real(_) => Err(LibError::invalid_argument(
                "a pragma value must be a finite number",
            )),
            PragmaValue::Text(text) => {
                if validate_identifier("pragma value", text).is_ok() {
                    Ok(text.clone())
                } else {
                    Ok(format!("'{}'", text.replace('\'', "''")))
                }
            }
        }
    }
}

/// Loads an SQLite extension (local and replica databases only). Extension loading is enabled only
/// for the duration of the call.
pub async fn load_extension(conn_id: u32, path: String, entry_point: Option<String>) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode.is_remote() {
        return Err(LibError::unsupported(
            "extensions can only be loaded into local databases and embedded replicas",
        ));
    }
    let _state = conn.ops.lock().await;
    conn.conn.load_extension_enable().map_err(LibError::from)?;
    let loaded = conn
        .conn
        .load_extension(&path, entry_point.as_deref())
        .map(|_| ())
        .map_err(LibError::from);
    let disabled = conn.conn.load_extension_disable().map_err(LibError::from);
    loaded?;
    disabled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_writes_by_their_first_keyword() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "  update t set x = 1",
            "-- note\nDELETE FROM t",
            "/* a */ /* b */ replace into t values (1)",
            "CREATE TABLE x (a)",
        ] {
            assert!(is_write_statement(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "with x as (select 1) select * from x",
            "PRAGMA foreign_keys",
            "BEGIN",
            "",
            "-- only a comment",
        ] {
            assert!(!is_write_statement(sql), "{sql}");
        }
    }

    #[test]
    fn classifies_urls() {
        assert_eq!(classify(":memory:").unwrap(), Target::Memory);
        assert_eq!(classify("a.db").unwrap(), Target::File("a.db".into()));
        assert_eq!(
            classify("file:./data/app.db").unwrap(),
            Target::File("./data/app.db".into())
        );
        assert_eq!(
            classify("file:///tmp/x.db").unwrap(),
            Target::File("/tmp/x.db".into())
        );
        assert!(matches!(
            classify("libsql://db.example.org").unwrap(),
            Target::Remote(_)
        ));
        assert!(classify("ftp://x").is_err());
        assert!(classify("").is_err());
        assert!(classify("file:x.db?mode=ro").is_err());
    }

    #[test]
    fn validates_identifiers() {
        assert!(validate_identifier("savepoint", "typeorm_1").is_ok());
        assert!(validate_identifier("savepoint", "_x").is_ok());
        for bad in ["", "1a", "a b", "a;DROP TABLE t", "a\"", "é"] {
            assert!(validate_identifier("savepoint", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quotes_pragma_values() {
        assert_eq!(PragmaValue::Integer(5).to_sql().unwrap(), "5");
        assert_eq!(PragmaValue::Text("WAL".into()).to_sql().unwrap(), "WAL");
        assert_eq!(
            PragmaValue::Text("it's".into()).to_sql().unwrap(),
            "'it''s'"
        );
        assert!(PragmaValue::Real(f64::NAN).to_sql().is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let config = OpenConfig {
            url: "libsql://x".into(),
            auth_token: Some("SECRET-TOKEN".into()),
            encryption_key: Some("SECRET-KEY".into()),
            ..Default::default()
        };
        let text = format!("{config:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
