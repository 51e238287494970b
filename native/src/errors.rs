//! Errors: one type for every failure of the native core, carrying a stable `code` (an SQLite
//! extended result name such as `SQLITE_CONSTRAINT_UNIQUE`, or one of our `LIBSQL_*` codes), the
//! raw SQLite result code where SQLite gave one, and a message.
//!
//! napi-rs turns a Rust error into a JavaScript `Error` whose `message` is the error's reason. We
//! encode the reason as `CODE[raw]: message` (or `CODE: message` without a raw code); the
//! TypeScript binding in `src/native/` parses it back into `code`, `rawCode` and `message`, so users
//! only ever see a clean `LibSqlError`. Secrets (auth tokens, encryption keys) are never put in a
//! message: errors from the libsql crate that might echo configuration are replaced by our own text.
//!
//! Errors that come from a server (a remote database, or the primary of an embedded replica) are
//! classified in `errors/remote.rs` (with `errors/text.rs`) and name the server's URL once the
//! connection `locate`s them.

mod remote;
mod text;

use std::fmt;

pub use remote::refine_remote_unique;
pub use text::redact_url;

/// Our own error codes, for failures that have no SQLite result code.
pub mod codes {
    pub const INVALID_HANDLE: &str = "LIBSQL_INVALID_HANDLE";
    pub const INVALID_ARGUMENT: &str = "LIBSQL_INVALID_ARGUMENT";
    pub const INVALID_PARAM: &str = "LIBSQL_INVALID_PARAM";
    pub const PARAM_COUNT: &str = "LIBSQL_PARAM_COUNT";
    pub const MISSING_PARAM: &str = "LIBSQL_MISSING_PARAM";
    pub const INTEGER_OVERFLOW: &str = "LIBSQL_INTEGER_OVERFLOW";
    pub const TRANSACTION_OWNERSHIP: &str = "LIBSQL_TRANSACTION_OWNERSHIP";
    pub const TRANSACTION_STATE: &str = "LIBSQL_TRANSACTION_STATE";
    pub const INVALID_IDENTIFIER: &str = "LIBSQL_INVALID_IDENTIFIER";
    pub const UNSUPPORTED: &str = "LIBSQL_UNSUPPORTED";
    pub const CONNECTION_FAILED: &str = "LIBSQL_CONNECTION_FAILED";
    /// A server did not answer in time (`requestTimeoutMs`, `connectTimeoutMs`), or a request to
    /// it was cancelled (`queryTimeoutMs`, `interrupt`).
    pub const TIMEOUT: &str = "LIBSQL_TIMEOUT";
    /// The server refused the credentials: no token, a wrong or expired one, or one without the
    /// permission the statement needs (a read-only token writing).
    pub const AUTH: &str = "LIBSQL_AUTH";
    /// The server could not be reached, or the connection to it broke.
    pub const NETWORK: &str = "LIBSQL_NETWORK";
    /// The server has no such database (an sqld namespace or a Turso database that does not exist,
    /// or no longer does).
    pub const DATABASE_NOT_FOUND: &str = "LIBSQL_DATABASE_NOT_FOUND";
    /// Any other failure reported by the server or its protocol.
    pub const REMOTE: &str = "LIBSQL_REMOTE_ERROR";
    pub const SYNC: &str = "LIBSQL_SYNC_ERROR";
    pub const MISUSE: &str = "LIBSQL_MISUSE";
    pub const INTERNAL: &str = "LIBSQL_INTERNAL";
    pub const PANIC: &str = "LIBSQL_PANIC";
    pub const BATCH: &str = "LIBSQL_BATCH_ERROR";
}

/// A failure of the native core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibError {
    pub code: String,
    pub raw_code: Option<i32>,
    pub message: String,
    /// Whether a server reported it (remote databases, a replica's primary); `locate` then names
    /// the server in the message.
    pub remote: bool,
}

pub type Result<T> = std::result::Result<T, LibError>;

impl LibError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            raw_code: None,
            message: message.into(),
            remote: false,
        }
    }

    /// An error reported by SQLite with an (extended) result code.
    pub fn sqlite(raw: i32, message: impl Into<String>) -> Self {
        Self {
            code: sqlite_code_name(raw).to_owned(),
            raw_code: Some(raw),
            message: message.into(),
            remote: false,
        }
    }

    pub fn invalid_handle(kind: &str, id: u32) -> Self {
        Self::new(
            codes::INVALID_HANDLE,
            format!("{kind} {id} is not open (it was never opened, or it has been closed)"),
        )
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_ARGUMENT, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(codes::UNSUPPORTED, message)
    }

    /// Marks the error as reported by a server.
    pub fn from_server(mut self) -> Self {
        self.remote = true;
        self
    }

    /// The reason string handed to napi-rs: `CODE[raw]: message`.
    pub fn encode(&self) -> String {
        match self.raw_code {
            Some(raw) => format!("{}[{}]: {}", self.code, raw, self.message),
            None => format!("{}: {}", self.code, self.message),
        }
    }

    /// Adds context in front of the message, keeping the code.
    pub fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// Names the server an error came from: `origin` is the URL of the connection's remote
    /// database or replica primary, already stripped of credentials (`redact_url`). Errors that
    /// did not come from a server, and errors already located, are returned unchanged.
    pub fn locate(mut self, origin: Option<&str>) -> Self {
        if let Some(origin) = origin {
            let suffix = format!(" (at {origin})");
            if self.remote && !self.message.ends_with(&suffix) {
                self.message.push_str(&suffix);
            }
        }
        self
    }
}

/// `LibError::from` followed by `locate(origin)`, for `map_err` on a connection's libsql calls.
pub fn located(origin: Option<&str>) -> impl Fn(libsql::Error) -> LibError + '_ {
    move |err| LibError::from(err).locate(origin)
}

impl fmt::Display for LibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl std::error::Error for LibError {}

#[cfg(feature = "node")]
impl From<LibError> for napi::Error {
    fn from(err: LibError) -> Self {
        napi::Error::new(napi::Status::GenericFailure, err.encode())
    }
}

impl From<libsql::Error> for LibError {
    fn from(err: libsql::Error) -> Self {
        use libsql::Error as E;
        match err {
            E::SqliteFailure(raw, message) => LibError::sqlite(raw, message),
            // Only write delegation (embedded replicas) reports these; the primary sends the
            // extended code itself.
            E::RemoteSqliteFailure(_, extended, message) => {
                LibError::sqlite(extended, redact(&message)).from_server()
            }
            E::ConnectionFailed(message) => LibError::new(
                codes::CONNECTION_FAILED,
                format!("failed to connect: {}", redact(&message)),
            )
            .from_server(),
            E::Misuse(message) => LibError::new(codes::MISUSE, message),
            E::SyncNotSupported(_) => {
                LibError::unsupported("sync is only supported on embedded-replica connections")
            }
            E::FreezeNotSupported(_) => {
                LibError::unsupported("freeze is only supported on embedded-replica connections")
            }
            E::LoadExtensionNotSupported => {
                LibError::unsupported("loading extensions is only supported on local databases")
            }
            E::ReservedBytesNotSupported => {
                LibError::unsupported("reserved bytes are not supported on this connection")
            }
            E::Hrana(inner) => remote::hrana(&inner.to_string()),
            E::WriteDelegation(inner) => remote::write_delegation(&inner.to_string()),
            E::Replication(inner) => remote::replication(&inner.to_string()),
            E::Sync(inner) => remote::sync(&inner.to_string()),
            E::Sqlite3SyntaxError(line, col, message) => LibError {
                code: "SQLITE_ERROR".to_owned(),
                raw_code: Some(1),
                message: format!("syntax error at line {line}, column {col}: {message}"),
                remote: false,
            },
            E::Sqlite3UnsupportedStatement => LibError::unsupported(
                "this statement is not supported on this connection (a libSQL server, and \
                     the primary of an embedded replica, refuse TEMP tables, views and triggers \
                     and most PRAGMAs that change connection settings)",
            ),
            E::TransactionalBatchError(message) => LibError::new(codes::BATCH, message),
            E::ToSqlConversionFailure(inner) => {
                LibError::new(codes::INVALID_PARAM, inner.to_string())
            }
            other => LibError::new(codes::INTERNAL, redact(&other.to_string())),
        }
    }
}

/// Removes anything that looks like a bearer token or an `authToken=` query parameter from text
/// that came from the libsql crate, so that secrets never reach an error message.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        let looks_secret = lower.contains("authtoken=")
            || lower.contains("auth_token=")
            || lower.starts_with("bearer")
            || (word.len() >= 40
                && word.matches('.').count() >= 2
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '=')));
        if looks_secret {
            out.push_str("[redacted]");
        } else {
            out.push_str(word);
        }
    }
    out
}

/// SQLite's result codes (primary and extended), by number.
const SQLITE_CODES: &[(i32, &str)] = &[
    (0, "SQLITE_OK"),
    (1, "SQLITE_ERROR"),
    (2, "SQLITE_INTERNAL"),
    (3, "SQLITE_PERM"),
    (4, "SQLITE_ABORT"),
    (5, "SQLITE_BUSY"),
    (6, "SQLITE_LOCKED"),
    (7, "SQLITE_NOMEM"),
    (8, "SQLITE_READONLY"),
    (9, "SQLITE_INTERRUPT"),
    (10, "SQLITE_IOERR"),
    (11, "SQLITE_CORRUPT"),
    (12, "SQLITE_NOTFOUND"),
    (13, "SQLITE_FULL"),
    (14, "SQLITE_CANTOPEN"),
    (15, "SQLITE_PROTOCOL"),
    (16, "SQLITE_EMPTY"),
    (17, "SQLITE_SCHEMA"),
    (18, "SQLITE_TOOBIG"),
    (19, "SQLITE_CONSTRAINT"),
    (20, "SQLITE_MISMATCH"),
    (21, "SQLITE_MISUSE"),
    (22, "SQLITE_NOLFS"),
    (23, "SQLITE_AUTH"),
    (24, "SQLITE_FORMAT"),
    (25, "SQLITE_RANGE"),
    (26, "SQLITE_NOTADB"),
    (27, "SQLITE_NOTICE"),
    (28, "SQLITE_WARNING"),
    (100, "SQLITE_ROW"),
    (101, "SQLITE_DONE"),
    (257, "SQLITE_ERROR_MISSING_COLLSEQ"),
    (513, "SQLITE_ERROR_RETRY"),
    (769, "SQLITE_ERROR_SNAPSHOT"),
    (264, "SQLITE_READONLY_RECOVERY"),
    (520, "SQLITE_READONLY_CANTLOCK"),
    (776, "SQLITE_READONLY_ROLLBACK"),
    (1032, "SQLITE_READONLY_DBMOVED"),
    (1288, "SQLITE_READONLY_CANTINIT"),
    (1544, "SQLITE_READONLY_DIRECTORY"),
    (266, "SQLITE_IOERR_READ"),
    (522, "SQLITE_IOERR_SHORT_READ"),
    (778, "SQLITE_IOERR_WRITE"),
    (1034, "SQLITE_IOERR_FSYNC"),
    (1290, "SQLITE_IOERR_DIR_FSYNC"),
    (1546, "SQLITE_IOERR_TRUNCATE"),
    (1802, "SQLITE_IOERR_FSTAT"),
    (2058, "SQLITE_IOERR_UNLOCK"),
    (2314, "SQLITE_IOERR_RDLOCK"),
    (2570, "SQLITE_IOERR_DELETE"),
    (2826, "SQLITE_IOERR_BLOCKED"),
    (3082, "SQLITE_IOERR_NOMEM"),
    (3338, "SQLITE_IOERR_ACCESS"),
    (3594, "SQLITE_IOERR_CHECKRESERVEDLOCK"),
    (3850, "SQLITE_IOERR_LOCK"),
    (4106, "SQLITE_IOERR_CLOSE"),
    (4362, "SQLITE_IOERR_DIR_CLOSE"),
    (4618, "SQLITE_IOERR_SHMOPEN"),
    (4874, "SQLITE_IOERR_SHMSIZE"),
    (5130, "SQLITE_IOERR_SHMLOCK"),
    (5386, "SQLITE_IOERR_SHMMAP"),
    (5642, "SQLITE_IOERR_SEEK"),
    (5898, "SQLITE_IOERR_DELETE_NOENT"),
    (6154, "SQLITE_IOERR_MMAP"),
    (6410, "SQLITE_IOERR_GETTEMPPATH"),
    (6666, "SQLITE_IOERR_CONVPATH"),
    (262, "SQLITE_LOCKED_SHAREDCACHE"),
    (518, "SQLITE_LOCKED_VTAB"),
    (261, "SQLITE_BUSY_RECOVERY"),
    (517, "SQLITE_BUSY_SNAPSHOT"),
    (773, "SQLITE_BUSY_TIMEOUT"),
    (270, "SQLITE_CANTOPEN_NOTEMPDIR"),
    (526, "SQLITE_CANTOPEN_ISDIR"),
    (782, "SQLITE_CANTOPEN_FULLPATH"),
    (1038, "SQLITE_CANTOPEN_CONVPATH"),
    (1550, "SQLITE_CANTOPEN_SYMLINK"),
    (267, "SQLITE_CORRUPT_VTAB"),
    (523, "SQLITE_CORRUPT_SEQUENCE"),
    (779, "SQLITE_CORRUPT_INDEX"),
    (516, "SQLITE_ABORT_ROLLBACK"),
    (275, "SQLITE_CONSTRAINT_CHECK"),
    (531, "SQLITE_CONSTRAINT_COMMITHOOK"),
    (787, "SQLITE_CONSTRAINT_FOREIGNKEY"),
    (1043, "SQLITE_CONSTRAINT_FUNCTION"),
    (1299, "SQLITE_CONSTRAINT_NOTNULL"),
    (1555, "SQLITE_CONSTRAINT_PRIMARYKEY"),
    (1811, "SQLITE_CONSTRAINT_TRIGGER"),
    (2067, "SQLITE_CONSTRAINT_UNIQUE"),
    (2323, "SQLITE_CONSTRAINT_VTAB"),
    (2579, "SQLITE_CONSTRAINT_ROWID"),
    (2835, "SQLITE_CONSTRAINT_PINNED"),
    (3091, "SQLITE_CONSTRAINT_DATATYPE"),
    (283, "SQLITE_NOTICE_RECOVER_WAL"),
    (539, "SQLITE_NOTICE_RECOVER_ROLLBACK"),
    (284, "SQLITE_WARNING_AUTOINDEX"),
    (279, "SQLITE_AUTH_USER"),
];

/// The name of an SQLite result code; an unknown extended code falls back to its primary name.
pub fn sqlite_code_name(raw: i32) -> &'static str {
    if let Some((_, name)) = SQLITE_CODES.iter().find(|(code, _)| *code == raw) {
        return name;
    }
    let primary = raw & 0xff;
    SQLITE_CODES
        .iter()
        .find(|(code, _)| *code == primary)
        .map(|(_, name)| *name)
        .unwrap_or("SQLITE_ERROR")
}

pub fn sqlite_code_from_name(name: &str) -> Option<i32> {
    SQLITE_CODES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_extended_and_primary_codes() {
        assert_eq!(sqlite_code_name(2067), "SQLITE_CONSTRAINT_UNIQUE");
        assert_eq!(sqlite_code_name(787), "SQLITE_CONSTRAINT_FOREIGNKEY");
        assert_eq!(sqlite_code_name(5), "SQLITE_BUSY");
        // An extended code we do not list falls back to its primary code's name.
        assert_eq!(sqlite_code_name(19 | (99 << 8)), "SQLITE_CONSTRAINT");
    }

    #[test]
    fn encodes_code_raw_and_message() {
        let err = LibError::sqlite(2067, "UNIQUE constraint failed: t.a");
        assert_eq!(
            err.encode(),
            "SQLITE_CONSTRAINT_UNIQUE[2067]: UNIQUE constraint failed: t.a"
        );
        let err = LibError::invalid_handle("connection", 7);
        assert!(err
            .encode()
            .starts_with("LIBSQL_INVALID_HANDLE: connection 7"));
    }

    #[test]
    fn locates_only_server_errors_once() {
        let origin = Some("http://127.0.0.1:8080");
        let err = LibError::sqlite(2067, "UNIQUE constraint failed: t.a").from_server();
        let located = err.locate(origin).locate(origin);
        assert_eq!(
            located.message,
            "UNIQUE constraint failed: t.a (at http://127.0.0.1:8080)"
        );
        let local = LibError::sqlite(2067, "UNIQUE constraint failed: t.a").locate(origin);
        assert_eq!(local.message, "UNIQUE constraint failed: t.a");
        assert_eq!(
            LibError::from(libsql::Error::SqliteFailure(19, "x".into()))
                .locate(origin)
                .message,
            "x"
        );
    }

    #[test]
    fn redacts_tokens() {
        let token = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJl";
        let text = format!("request to https://x?authToken={token} failed with {token}");
        let out = redact(&text);
        assert!(!out.contains(token), "{out}");
        assert!(out.contains("[redacted]"));
    }
}
