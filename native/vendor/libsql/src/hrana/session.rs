//! Patched for typeorm-libsql (new file): the session of a pinned stream (see `HranaStream::pin`).
//!
//! A pinned stream stays open between the statements of a connection outside a transaction, so
//! what one statement sets on the server's connection (a PRAGMA such as `foreign_keys`, an
//! attached database) holds for the statements after it, as on a local database. The statements
//! that set such state are remembered here. When the server drops the stream (sqld expires a
//! stream after about 10 s without a request, and forgets every stream when it restarts), they run
//! again at the start of the next stream, ahead of its first statement, in the same request.
//! (A TEMP table cannot be lost this way: libSQL servers refuse TEMP tables, views and triggers.)

use crate::hrana::proto::{Batch, BatchResult, Stmt};
use crate::hrana::stream::{prefix_steps, HranaStream, RawStream};
use crate::hrana::{HranaError, HttpSend};

/// What a statement does to the session of the server's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    /// Sets the PRAGMA of this (lower-case, schema-qualified) name; the latest setting wins.
    Pragma(String),
    /// Attaches or detaches a database: replayed in order.
    Attachment,
}

/// The session state of a pinned stream: the statements (with their arguments) to run again on a
/// new stream, in order (a PRAGMA under its name).
#[derive(Debug, Default)]
pub(super) struct Session {
    statements: Vec<(Option<String>, Stmt)>,
}

impl Session {
    /// Records a statement that ran on the stream.
    pub fn record(&mut self, change: Change, mut stmt: Stmt) {
        stmt.want_rows = Some(false);
        match change {
            Change::Pragma(name) => {
                self.statements
                    .retain(|(key, _)| key.as_deref() != Some(name.as_str()));
                self.statements.push((Some(name), stmt));
            }
            Change::Attachment => self.statements.push((None, stmt)),
        }
    }

    /// The statements that set the session again on a new stream.
    pub fn restore(&self) -> Vec<Stmt> {
        self.statements
            .iter()
            .map(|(_, stmt)| stmt.clone())
            .collect()
    }
}

/// PRAGMAs that read or act rather than set, even when given an argument.
const NOT_SETTINGS: &[&str] = &[
    "collation_list",
    "compile_options",
    "data_version",
    "database_list",
    "foreign_key_check",
    "foreign_key_list",
    "freelist_count",
    "function_list",
    "incremental_vacuum",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "module_list",
    "optimize",
    "page_count",
    "pragma_list",
    "quick_check",
    "shrink_memory",
    "stats",
    "table_info",
    "table_list",
    "table_xinfo",
    "wal_checkpoint",
];

/// What `sql` (one statement) does to the session, if anything. Only its first words are read.
pub(super) fn classify(sql: &str) -> Option<Change> {
    let words = Words::new(sql).take(6).collect::<Vec<_>>();
    let word = |at: usize| words.get(at).map(|w| w.to_ascii_lowercase());
    let first = word(0)?;
    match first.as_str() {
        "pragma" => {
            let (name, next) = qualified_name(&words, 1)?;
            let sets = matches!(words.get(next).map(String::as_str), Some("=" | "("));
            let plain = name.rsplit('.').next().unwrap_or(&name);
            (sets && !NOT_SETTINGS.contains(&plain)).then_some(Change::Pragma(name))
        }
        "attach" | "detach" => Some(Change::Attachment),
        _ => None,
    }
}

/// A possibly schema-qualified name starting at word `at` (lower case, unquoted), and the index
/// of the word after it.
fn qualified_name(words: &[String], at: usize) -> Option<(String, usize)> {
    let first = unquote(words.get(at)?)?;
    if words.get(at + 1).map(String::as_str) == Some(".") {
        let second = unquote(words.get(at + 2)?)?;
        return Some((format!("{first}.{second}"), at + 3));
    }
    Some((first, at + 1))
}

fn unquote(word: &str) -> Option<String> {
    let first = word.chars().next()?;
    if !(first.is_alphanumeric() || matches!(first, '_' | '"' | '`' | '[' | '\'')) {
        return None;
    }
    let inner = word.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']' | '\''));
    Some(inner.to_lowercase())
}

/// The words of SQL text: names (quoted or not) and single punctuation characters; whitespace
/// and comments are skipped.
struct Words<'a> {
    rest: &'a str,
}

impl<'a> Words<'a> {
    fn new(sql: &'a str) -> Self {
        Self { rest: sql }
    }

    fn skip_noise(&mut self) {
        loop {
            let trimmed = self.rest.trim_start();
            if let Some(comment) = trimmed.strip_prefix("--") {
                self.rest = comment.split_once('\n').map_or("", |(_, after)| after);
            } else if let Some(comment) = trimmed.strip_prefix("/*") {
                self.rest = comment.split_once("*/").map_or("", |(_, after)| after);
            } else {
                self.rest = trimmed;
                return;
            }
        }
    }
}

impl Iterator for Words<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.skip_noise();
        let first = self.rest.chars().next()?;
        let len = match first {
            '"' | '`' | '\'' => self.rest[1..].find(first).map_or(self.rest.len(), |end| end + 2),
            '[' => self.rest.find(']').map_or(self.rest.len(), |end| end + 1),
            c if c.is_alphanumeric() || c == '_' || c == '$' => self
                .rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(self.rest.len()),
            c => c.len_utf8(),
        };
        let (word, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(word.to_owned())
    }
}

/// Whether a request failed because the server no longer has the stream (it expired, or the
/// server restarted and does not know the baton). Nothing of the request ran.
pub(super) fn stream_gone(err: &HranaError) -> bool {
    matches!(err, HranaError::Api(text) if text.contains("STREAM_EXPIRED") || text.contains("invalid baton"))
}

/// The session changes the steps of `batch` would make: (step, change, statement).
pub(super) fn session_changes(batch: &Batch) -> Vec<(usize, Change, Stmt)> {
    batch
        .steps
        .iter()
        .enumerate()
        .filter_map(|(at, step)| {
            let sql = step.stmt.sql.as_deref()?;
            classify(sql).map(|change| (at, change, step.stmt.clone()))
        })
        .collect()
}

impl<T: HttpSend> HranaStream<T> {
    pub(super) fn session_lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The statements that set the session again, due when a pinned stream has no server stream
    /// (its first request, or the server dropped the last one); empty otherwise.
    pub(super) fn restore_statements(&self, client: &RawStream<T>) -> Vec<Stmt> {
        if !self.is_pinned() || client.has_baton() {
            return Vec::new();
        }
        self.session_lock().restore()
    }

    /// `batch` with the statements that set the session again in front, if due, and how many.
    pub(super) fn with_restored_session(
        &self,
        client: &RawStream<T>,
        pinned: bool,
        batch: Batch,
    ) -> (Batch, usize) {
        if !pinned {
            return (batch, 0);
        }
        let restore = self.restore_statements(client);
        let count = restore.len();
        (prefix_steps(batch, restore), count)
    }

    /// A copy of `batch` to send again if the pinned stream turns out to be gone: only when the
    /// stream was outside a transaction on the server (a deferred BEGIN had not run yet), so that
    /// nothing is lost with it.
    pub(super) fn retry_copy(
        &self,
        pinned: bool,
        deferred: usize,
        began_in_autocommit: bool,
        batch: &Batch,
    ) -> Option<Batch> {
        let outside = if deferred > 0 {
            began_in_autocommit
        } else {
            self.is_autocommit()
        };
        (pinned && outside).then(|| batch.clone())
    }

    /// Records the session changes among the caller's steps that succeeded.
    pub(super) fn note_session_changes(
        &self,
        changes: Vec<(usize, Change, Stmt)>,
        result: &BatchResult,
    ) {
        if changes.is_empty() {
            return;
        }
        let mut session = self.session_lock();
        for (at, change, stmt) in changes {
            let ran = matches!(result.step_results.get(at), Some(Some(_)))
                && !matches!(result.step_errors.get(at), Some(Some(_)));
            if ran {
                session.record(change, stmt);
            }
        }
    }
}
