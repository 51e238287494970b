//! What the inline path knows about a prepared statement (`InlineInfo`: its raw statement, found
//! for the local engine, its kind and its shape), and why an inline attempt stopped (`Stop`).
//! The statement itself runs through the local engine (`local`), inline or off the thread.

use libsql::ffi;

use super::cost::{fingerprint, MAX_FINGERPRINT_LEN};
use crate::errors::LibError;
use crate::raw::{RawDb, RawStmt};
use crate::sql::first_keyword_bytes;

/// What a statement does, as far as running it inline is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A query that changes nothing (SQLite's judgement) and starts with SELECT, WITH or VALUES.
    Read,
    /// INSERT, UPDATE, DELETE or REPLACE.
    Write,
    /// Anything else (DDL, pragmas, transaction control, ATTACH …, and statements too long to
    /// fingerprint): always off the thread.
    Other,
}

impl Kind {
    /// The kind SQL text can have at best, judged by its first keyword before it is prepared.
    pub fn guess(sql: &str) -> Kind {
        let (bytes, len) = first_keyword_bytes(sql);
        match &bytes[..len] {
            b"SELECT" | b"WITH" | b"VALUES" => Kind::Read,
            b"INSERT" | b"UPDATE" | b"DELETE" | b"REPLACE" => Kind::Write,
            _ => Kind::Other,
        }
    }
}

/// What the inline path knows about one prepared statement.
#[derive(Debug, Clone, Copy)]
pub struct InlineInfo {
    /// The raw statement, when it is certainly the local SQLite statement of this SQL (never for
    /// a statement a remote server or a replica's primary runs): the local engine runs it.
    pub raw: Option<RawStmt>,
    pub kind: Kind,
    /// The statement's shape, which its measured cost is kept under (see `cost::fingerprint`).
    pub fingerprint: u64,
}

impl InlineInfo {
    /// For a statement libsql's API runs (never inline).
    pub fn none() -> Self {
        Self {
            raw: None,
            kind: Kind::Other,
            fingerprint: 0,
        }
    }

    /// Identifies the statement libsql has just prepared for `sql` on `db`: SQLite's newest
    /// statement, if it is new (not `before`, the newest one before preparing) and holds this
    /// SQL. Anything less certain leaves the statement to libsql's API (and off the inline path).
    /// Only reads and writes short enough to fingerprint may run inline (see `Kind`).
    pub fn identify(db: Option<RawDb>, before: Option<RawStmt>, sql: &str) -> Self {
        let Some(newest) = db.and_then(RawDb::newest_statement) else {
            return Self::none();
        };
        if before.is_some_and(|b| b.0 == newest.0) || !holds_only(sql, newest) {
            return Self::none();
        }
        let kind = match (Kind::guess(sql), newest.is_readonly()) {
            _ if sql.len() > MAX_FINGERPRINT_LEN => Kind::Other,
            (Kind::Read, true) => Kind::Read,
            (Kind::Write, false) => Kind::Write,
            _ => Kind::Other,
        };
        Self {
            raw: Some(newest),
            kind,
            fingerprint: if kind == Kind::Other {
                0
            } else {
                fingerprint(sql)
            },
        }
    }
}

/// Whether `stmt` was prepared from all of `sql` (its text, up to trailing whitespace and
/// semicolons): a statement that is one of several in its text never runs inline.
fn holds_only(sql: &str, stmt: RawStmt) -> bool {
    let Some(text) = stmt.sql_bytes() else {
        return false;
    };
    let sql = sql.as_bytes();
    let rest = |s: &[u8]| {
        s.iter()
            .rposition(|&b| !(b.is_ascii_whitespace() || b == b';'))
            .map_or(0, |at| at + 1)
    };
    sql.starts_with(text) && rest(sql) <= text.len().max(rest(text))
}

/// Why a statement did not finish inline.
#[derive(Debug)]
pub enum Stop {
    /// SQLite reported `SQLITE_BUSY` (the statement changed nothing and can run again).
    Busy,
    /// The progress handler stopped it at the budget (a read; it can run again).
    OverBudget,
    /// It failed; this is its error, as the off-thread path would report it.
    Failed(LibError),
}

impl From<LibError> for Stop {
    /// An `SQLITE_BUSY` sends the call off the thread; any other error is the call's.
    fn from(err: LibError) -> Self {
        if is_busy(&err) {
            Stop::Busy
        } else {
            Stop::Failed(err)
        }
    }
}

/// Whether an SQLite error is a form of `SQLITE_BUSY` (the primary code is the low byte).
pub fn is_busy(err: &LibError) -> bool {
    err.raw_code
        .is_some_and(|raw| raw & 0xff == ffi::SQLITE_BUSY)
}
