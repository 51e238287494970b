//! Opening databases: the configuration of `open` (`OpenConfig`, already classified and
//! validated by TypeScript in `src/options`), building a libsql `Database` in each libSQL mode
//! (memory, local file, remote, embedded replica), and the `DatabaseHandle` that the connections
//! opened from it share. The network settings of a server (its timeouts) are in `network`.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use libsql::Builder;

use crate::errors::{redact_url, LibError, Result};
use crate::network::{self, Timeouts};

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

/// Where a database lives and how to reach it. TypeScript (`src/options`) has already
/// classified the URL, checked which options fit which kind of database and filled in every
/// default; the core trusts this and checks none of it again.
#[derive(Clone)]
pub enum Target {
    Memory,
    /// A local database file (an absolute path).
    File {
        path: String,
        encryption_key: Option<String>,
    },
    /// A libSQL server (`libsql://`, `https://`, `http://`, `wss://`, `ws://`).
    Remote {
        url: String,
        auth_token: Option<String>,
        timeouts: Timeouts,
    },
    /// A local file kept in sync with a remote primary.
    Replica(ReplicaTarget),
}

#[derive(Clone)]
pub struct ReplicaTarget {
    /// The local file (an absolute path).
    pub path: String,
    /// The remote primary.
    pub sync_url: String,
    pub auth_token: Option<String>,
    /// Milliseconds between automatic syncs (at least 1); none: sync only when asked.
    pub sync_interval_ms: Option<u32>,
    /// libSQL's default when absent.
    pub read_your_writes: Option<bool>,
    pub encryption_key: Option<String>,
    /// Timeouts of the requests to the primary (writes, sync).
    pub timeouts: Timeouts,
}

impl Target {
    /// The server this database talks to (a remote URL, or a replica's primary) without
    /// credentials, for error messages; none for local databases.
    pub fn origin(&self) -> Option<String> {
        match self {
            Target::Remote { url, .. } => Some(redact_url(url)),
            Target::Replica(replica) => Some(redact_url(&replica.sync_url)),
            Target::Memory | Target::File { .. } => None,
        }
    }
}

/// What `open` needs. Secrets are held here only until the database is built.
#[derive(Clone)]
pub struct OpenConfig {
    pub target: Target,
    /// Milliseconds each local connection waits for a lock; set once as the connection opens.
    pub busy_timeout_ms: u32,
    /// Prepared statements cached per connection (0: no cache).
    pub statement_cache_size: u32,
    /// How long one statement may run inline on the calling thread, in milliseconds (0: never;
    /// see `inline`). Local connections only.
    pub inline_budget_ms: u32,
    /// Whether the statement cache sees through integer literals (see `literals`). Local only.
    pub normalise_literals: bool,
}

fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "[redacted]")
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Memory => f.write_str("Memory"),
            Target::File {
                path,
                encryption_key,
            } => f
                .debug_struct("File")
                .field("path", path)
                .field("encryption_key", &redacted(encryption_key))
                .finish(),
            Target::Remote {
                url,
                auth_token,
                timeouts,
            } => f
                .debug_struct("Remote")
                .field("url", &crate::errors::redact(url))
                .field("auth_token", &redacted(auth_token))
                .field("timeouts", timeouts)
                .finish(),
            Target::Replica(replica) => f
                .debug_struct("Replica")
                .field("path", &replica.path)
                .field("sync_url", &crate::errors::redact(&replica.sync_url))
                .field("auth_token", &redacted(&replica.auth_token))
                .field("sync_interval_ms", &replica.sync_interval_ms)
                .field("read_your_writes", &replica.read_your_writes)
                .field("encryption_key", &redacted(&replica.encryption_key))
                .field("timeouts", &replica.timeouts)
                .finish(),
        }
    }
}

impl std::fmt::Debug for OpenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenConfig")
            .field("target", &self.target)
            .field("busy_timeout_ms", &self.busy_timeout_ms)
            .field("statement_cache_size", &self.statement_cache_size)
            .field("inline_budget_ms", &self.inline_budget_ms)
            .field("normalise_literals", &self.normalise_literals)
            .finish()
    }
}

/// A database shared by the connections opened from it.
pub struct DatabaseHandle {
    pub db: libsql::Database,
    pub mode: Mode,
    /// Held by the write transaction (immediate or exclusive) of any connection of this database,
    /// so that this process's writers queue in order instead of sleeping in SQLite's busy handler.
    pub writer: Arc<tokio::sync::Mutex<()>>,
    /// The server (remote URL, or a replica's primary) without credentials, named by its errors.
    pub origin: Option<String>,
    pub(crate) busy_timeout_ms: u32,
    pub(crate) statement_cache_size: usize,
    /// How long one request to the server may take (remote databases; a replica's sync).
    pub request_timeout: Option<Duration>,
    /// A replica's primary as `host:port`, and how long connecting to it may take (for telling
    /// an unreachable primary apart, see `replication`).
    pub primary: Option<(String, Option<Duration>)>,
    /// The inline budget each connection starts with, in milliseconds.
    pub(crate) inline_budget_ms: u32,
    /// Whether each connection's statement cache sees through integer literals.
    pub(crate) normalise_literals: bool,
}

impl DatabaseHandle {
    /// Whether writers of this database share a file (and so one write lock) in this process.
    pub fn queues_writers(&self) -> bool {
        matches!(self.mode, Mode::Local | Mode::Replica)
    }
}

fn encryption(key: &str) -> libsql::EncryptionConfig {
    libsql::EncryptionConfig::new(
        libsql::Cipher::Aes256Cbc,
        bytes::Bytes::copy_from_slice(key.as_bytes()),
    )
}

async fn build_database(target: &Target) -> Result<(libsql::Database, Mode)> {
    match target {
        Target::Memory => {
            let db = Builder::new_local(":memory:")
                .build()
                .await
                .map_err(LibError::from)?;
            Ok((db, Mode::Memory))
        }
        Target::File {
            path,
            encryption_key,
        } => {
            let mut builder = Builder::new_local(path);
            if let Some(key) = encryption_key {
                builder = builder.encryption_config(encryption(key));
            }
            let db = builder
                .build()
                .await
                .map_err(|err| open_failure(target, err.into()))?;
            Ok((db, Mode::Local))
        }
        Target::Remote {
            url,
            auth_token,
            timeouts,
        } => {
            let token = auth_token.clone().unwrap_or_default();
            let db = Builder::new_remote(url.clone(), token)
                .connector(network::connector(timeouts)?)
                .build()
                .await
                .map_err(LibError::from)?;
            Ok((db, Mode::Remote))
        }
        Target::Replica(replica) => {
            // Building a replica asks the primary which sync protocol it speaks; bound that request.
            let built = build_replica(replica, false)
                .await
                .and_then(|built| built.map_err(LibError::from));
            let db = match built {
                Ok(db) => db,
                // A primary that cannot be reached (or does not answer in time) leaves the replica
                // to the copy its file holds from an earlier sync, if any: it opens without asking
                // the primary, serves reads from that copy, and the first sync (which the driver
                // runs next) tells whether the primary is back. Other failures (a refused token)
                // stand.
                Err(err) if unreachable(&err) && has_earlier_sync(&replica.path) => {
                    build_replica(replica, true).await?.map_err(|_| err)?
                }
                // A primary that cannot be reached is not a problem of the local file.
                Err(err) if err.remote => return Err(err),
                Err(err) => return Err(open_failure(target, err)),
            };
            Ok((db, Mode::Replica))
        }
    }
}

/// Builds an embedded replica, bounded by the request timeout. Building asks the primary which
/// sync protocol it speaks, unless `offline` names protocol v1 (sqld's) so that nothing is asked.
async fn build_replica(
    replica: &ReplicaTarget,
    offline: bool,
) -> Result<std::result::Result<libsql::Database, libsql::Error>> {
    let token = replica.auth_token.clone().unwrap_or_default();
    let mut builder = Builder::new_remote_replica(&replica.path, replica.sync_url.clone(), token)
        .connector(network::connector(&replica.timeouts)?);
    if let Some(ms) = replica.sync_interval_ms {
        builder = builder.sync_interval(Duration::from_millis(u64::from(ms)));
    }
    if let Some(ryw) = replica.read_your_writes {
        builder = builder.read_your_writes(ryw);
    }
    if let Some(key) = &replica.encryption_key {
        builder = builder.encryption_config(encryption(key));
    }
    if offline {
        builder = builder.sync_protocol(libsql::SyncProtocol::V1);
    }
    network::bounded_request(&replica.timeouts, builder.build()).await
}

/// Whether a replica's local file holds an earlier sync: libSQL's replication protocol (v1, the
/// one sqld speaks) keeps the replica's frame index in `<file>-client_wal_index` once a sync has
/// applied frames.
pub fn has_earlier_sync(path: &str) -> bool {
    Path::new(&format!("{path}-client_wal_index")).is_file()
}

/// Whether `err` says the primary could not be reached or did not answer in time.
fn unreachable(err: &LibError) -> bool {
    err.code == crate::errors::codes::NETWORK || err.code == crate::errors::codes::TIMEOUT
}

/// The local file of a target, if it has one.
fn local_path(target: &Target) -> Option<&str> {
    match target {
        Target::File { path, .. } => Some(path),
        Target::Replica(replica) => Some(&replica.path),
        Target::Memory | Target::Remote { .. } => None,
    }
}

/// Why the local file of `target` could not be opened (building the database or connecting to
/// it), judged from the file system: an `SQLITE_CANTOPEN` naming the cause and the fix, or the
/// original error when nothing explains it.
pub fn open_failure(target: &Target, err: LibError) -> LibError {
    let Some(path) = local_path(target) else {
        return err;
    };
    match cannot_open_reason(Path::new(path)) {
        Some(reason) => LibError::sqlite(
            14,
            format!("cannot open the database file {path:?}: {reason}"),
        ),
        None => err,
    }
}

fn cannot_open_reason(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Some(format!(
            "it is a directory, not a database file; name a file in it (for example {:?})",
            path.join("app.db")
        )),
        Ok(_) => match std::fs::File::open(path) {
            Ok(_) => None,
            Err(err) => Some(io_reason(&err, "the file")),
        },
        Err(err) if err.kind() == ErrorKind::NotFound => {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
            match std::fs::metadata(parent) {
                Ok(meta) if meta.is_dir() => Some(
                    "the file does not exist and cannot be created in its directory; check that \
                     the directory is writable"
                        .to_owned(),
                ),
                Ok(_) => Some(format!(
                    "{parent:?} is a file, not a directory; the database path must lead through directories"
                )),
                Err(_) => Some(format!(
                    "the directory {parent:?} does not exist; create it first"
                )),
            }
        }
        Err(err) => Some(io_reason(&err, "a directory on the path")),
    }
}

fn io_reason(err: &std::io::Error, what: &str) -> String {
    match err.kind() {
        ErrorKind::PermissionDenied => format!(
            "permission denied reading {what}; check its permissions and owner (the process needs \
             to read and write the file and to create its journal files beside it)"
        ),
        ErrorKind::NotADirectory => {
            "part of the path is a file, not a directory; the database path must lead through \
             directories"
                .to_owned()
        }
        _ => format!("{what} cannot be read: {err}"),
    }
}

/// The header every unencrypted SQLite database file starts with.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` starts as a plain (unencrypted) SQLite database does; `None` when it
/// cannot be read or is shorter than a header.
fn is_plain_sqlite(path: &str) -> Option<bool> {
    let mut header = [0_u8; 16];
    let mut file = std::fs::File::open(path).ok()?;
    file.read_exact(&mut header).ok()?;
    Some(&header == PLAIN_HEADER)
}

/// Explains a failed first read of a local database: "file is not a database" most often means an
/// encryption key that does not fit the file, so the message says which case this is (never the
/// key itself). Other failures keep SQLite's message.
pub fn read_failure(target: &Target, err: LibError) -> LibError {
    let err = err.context("the database could not be read");
    if err.code != "SQLITE_NOTADB" {
        return err;
    }
    let keyed = match target {
        Target::File { encryption_key, .. } => encryption_key.is_some(),
        Target::Replica(replica) => replica.encryption_key.is_some(),
        Target::Memory | Target::Remote { .. } => false,
    };
    let Some(path) = local_path(target) else {
        return err;
    };
    let hint = match (keyed, is_plain_sqlite(path)) {
        (true, Some(true)) => {
            "the file is a plain (unencrypted) SQLite database, but an encryption key was given: \
             open it without encryptionKey"
        }
        (true, _) => {
            "an encryption key was given and it does not open this file: the key is probably \
             wrong (or the file is not a database); check encryptionKey"
        }
        (false, Some(false)) => {
            "the file is not a plain SQLite database: if it is encrypted, give its key as \
             encryptionKey; otherwise it is not a database file"
        }
        (false, _) => return err,
    };
    LibError {
        message: format!("{}; {hint}", err.message),
        ..err
    }
}

/// Builds the database `config` names and the handle its connections share.
pub async fn open_database(config: &OpenConfig) -> Result<Arc<DatabaseHandle>> {
    let origin = config.target.origin();
    let (db, mode) = build_database(&config.target)
        .await
        .map_err(|err| err.locate(origin.as_deref()))?;
    let (request_timeout, primary) = match &config.target {
        Target::Remote { timeouts, .. } => (timeouts.request(), None),
        Target::Replica(r) => (
            r.timeouts.request(),
            network::primary(&r.sync_url, &r.timeouts),
        ),
        Target::Memory | Target::File { .. } => (None, None),
    };
    Ok(Arc::new(DatabaseHandle {
        db,
        mode,
        writer: Arc::new(tokio::sync::Mutex::new(())),
        origin,
        busy_timeout_ms: config.busy_timeout_ms,
        statement_cache_size: config.statement_cache_size as usize,
        request_timeout,
        primary,
        inline_budget_ms: config.inline_budget_ms,
        normalise_literals: config.normalise_literals,
    }))
}

#[cfg(test)]
mod tests;
