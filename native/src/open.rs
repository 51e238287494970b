//! Opening databases: the options of `open` (`OpenConfig`), classification of the URL or path,
//! building a libsql `Database` in each libSQL mode (memory, local file, remote, embedded
//! replica), and the `DatabaseHandle` that the connections opened from it share.

use std::sync::Arc;
use std::time::Duration;

use libsql::Builder;

use crate::errors::{LibError, Result};

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
    pub(crate) busy_timeout_ms: u32,
    pub(crate) statement_cache_size: usize,
}

impl DatabaseHandle {
    /// Whether writers of this database share a file (and so one write lock) in this process.
    pub fn queues_writers(&self) -> bool {
        matches!(self.mode, Mode::Local | Mode::Replica)
    }
}

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

/// Builds the database `config` names and the handle its connections share.
pub async fn open_database(config: &OpenConfig) -> Result<Arc<DatabaseHandle>> {
    let (db, mode) = build_database(config).await?;
    Ok(Arc::new(DatabaseHandle {
        db,
        mode,
        writer: Arc::new(tokio::sync::Mutex::new(())),
        busy_timeout_ms: config.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS),
        statement_cache_size: config
            .statement_cache_size
            .unwrap_or(DEFAULT_STATEMENT_CACHE_SIZE) as usize,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
