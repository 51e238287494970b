//! One prepared statement on the calling thread: what the inline path knows about a statement
//! (`InlineInfo`: its raw handle, its kind, its measured cost), and running it through the raw
//! handle with exactly the results the off-thread path (`exec::run_statement`) gives: the same
//! binding rules, values, column names and types, integer-mode check and counters.

use libsql::{ffi, Value};
use std::ffi::{c_int, CStr};

use super::cost::{fingerprint, MAX_FINGERPRINT_LEN};
use crate::errors::{LibError, Result};
use crate::raw::{RawDb, RawStmt};
use crate::sql::first_keyword;
use crate::values::{check_int_mode, resolve_params, IntMode, ParamSlots, Params, QueryResult};

/// What a statement does, as far as running it inline is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A query that changes nothing (SQLite's judgement) and starts with SELECT, WITH or VALUES.
    Read,
    /// INSERT, UPDATE, DELETE or REPLACE.
    Write,
    /// Anything else (DDL, pragmas, transaction control, ATTACH …): always off the thread.
    Other,
}

impl Kind {
    /// The kind SQL text can have at best, judged by its first keyword before it is prepared.
    pub fn guess(sql: &str) -> Kind {
        match first_keyword(sql).as_str() {
            "SELECT" | "WITH" | "VALUES" => Kind::Read,
            "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => Kind::Write,
            _ => Kind::Other,
        }
    }
}

/// What the inline path knows about one prepared statement.
#[derive(Debug, Clone, Copy)]
pub struct InlineInfo {
    /// The raw statement, when it is certainly the local SQLite statement of this SQL (never for
    /// a statement a remote server or a replica's primary runs).
    pub raw: Option<RawStmt>,
    pub kind: Kind,
    /// The statement's shape, which its measured cost is kept under (see `cost::fingerprint`).
    pub fingerprint: u64,
}

impl InlineInfo {
    /// For a statement that never runs inline.
    pub fn none() -> Self {
        Self {
            raw: None,
            kind: Kind::Other,
            fingerprint: 0,
        }
    }

    /// Identifies the statement libsql has just prepared for `sql` on `db`: SQLite's newest
    /// statement, if it is new (not `before`, the newest one before preparing) and holds this
    /// SQL. Anything less certain leaves the statement off the inline path.
    pub fn identify(db: Option<RawDb>, before: Option<RawStmt>, sql: &str) -> Self {
        let guess = Kind::guess(sql);
        let Some(db) = db else {
            return Self::none();
        };
        if guess == Kind::Other || sql.len() > MAX_FINGERPRINT_LEN {
            return Self::none();
        }
        let Some(newest) = db.newest_statement() else {
            return Self::none();
        };
        if before.is_some_and(|b| b.0 == newest.0) || !holds_only(sql, newest) {
            return Self::none();
        }
        let kind = match (guess, newest.is_readonly()) {
            (Kind::Read, true) => Kind::Read,
            (Kind::Write, false) => Kind::Write,
            _ => Kind::Other,
        };
        Self {
            raw: Some(newest),
            kind,
            fingerprint: fingerprint(sql),
        }
    }
}

/// Whether `stmt` was prepared from all of `sql` (its text, up to trailing whitespace and
/// semicolons): a statement that is one of several in its text never runs inline.
fn holds_only(sql: &str, stmt: RawStmt) -> bool {
    let Some(text) = stmt.sql() else {
        return false;
    };
    let trim = |s: &str| {
        s.trim_end_matches(|c: char| c.is_whitespace() || c == ';')
            .len()
    };
    sql.starts_with(&text) && trim(sql) <= text.len().max(trim(&text))
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
    fn from(err: LibError) -> Self {
        Stop::Failed(err)
    }
}

/// Whether an SQLite error is a form of `SQLITE_BUSY` (the primary code is the low byte).
pub fn is_busy(err: &LibError) -> bool {
    err.raw_code
        .is_some_and(|raw| raw & 0xff == ffi::SQLITE_BUSY)
}

/// The values of `params` for `stmt`, one per placeholder, checked as the off-thread path checks
/// them (`values::resolve_params`).
pub fn resolve(stmt: RawStmt, params: Params) -> Result<Vec<Value>> {
    // SAFETY: a valid statement.
    let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt.0) }.max(0);
    let names = (1..=count)
        .map(|i| {
            if matches!(params, Params::Named(_)) {
                // SAFETY: a valid statement and index; SQLite owns the name.
                let name = unsafe { ffi::sqlite3_bind_parameter_name(stmt.0, i) };
                (!name.is_null()).then(|| {
                    unsafe { CStr::from_ptr(name) }
                        .to_string_lossy()
                        .into_owned()
                })
            } else {
                None
            }
        })
        .collect();
    resolve_params(&ParamSlots { names }, params)
}

/// Runs `stmt` to the end with `values` bound (one per placeholder) and reads its result. With
/// `stop`, the progress handler asks it every few hundred instructions whether to stop.
pub fn run(
    db: RawDb,
    stmt: RawStmt,
    values: &[Value],
    int_mode: IntMode,
    stop: Option<&mut dyn FnMut() -> bool>,
) -> std::result::Result<QueryResult, Stop> {
    let raw = stmt.0;
    // SAFETY: a valid statement, reset before it is bound and after it has run, as the off-thread
    // path does; every pointer handed to SQLite is copied by it (SQLITE_TRANSIENT).
    unsafe {
        ffi::sqlite3_reset(raw);
        for (i, value) in values.iter().enumerate() {
            let index = c_int::try_from(i + 1)
                .map_err(|_| LibError::invalid_argument("too many parameters"))?;
            let rc = bind(raw, index, value);
            if rc != ffi::SQLITE_OK {
                let err = db.error();
                ffi::sqlite3_reset(raw);
                return Err(Stop::Failed(err));
            }
        }
    }
    let before = db.total_changes();
    let mut stopped = false;
    let outcome = step_all(db, stmt, stop, &mut stopped);
    // SAFETY: a valid statement.
    unsafe { ffi::sqlite3_reset(raw) };
    let (columns, rows) = match outcome {
        Ok(read) => read,
        Err(err) if stopped && err.raw_code == Some(ffi::SQLITE_INTERRUPT) => {
            return Err(Stop::OverBudget)
        }
        Err(err) if is_busy(&err) => return Err(Stop::Busy),
        Err(err) => return Err(Stop::Failed(err)),
    };
    let column_types = decl_types(stmt, columns.len());
    check_int_mode(&columns, &rows, int_mode)?;
    let changed = db.total_changes() != before;
    Ok(QueryResult {
        columns,
        column_types,
        rows,
        rows_affected: if changed { db.changes() } else { 0 },
        last_insert_rowid: Some(db.last_insert_rowid()),
    })
}

type Read = (Vec<String>, Vec<Vec<Value>>);

fn step_all(
    db: RawDb,
    stmt: RawStmt,
    stop: Option<&mut dyn FnMut() -> bool>,
    stopped: &mut bool,
) -> Result<Read> {
    let raw = stmt.0;
    match stop {
        Some(stop) => {
            let mut check = || {
                let now = stop();
                if now {
                    *stopped = true;
                }
                now
            };
            let _progress = db.progress(PROGRESS_OPS, &mut check);
            read_rows(db, raw)
        }
        None => read_rows(db, raw),
    }
}

/// How many virtual-machine instructions run between two budget checks (a check reads the
/// clock; a few hundred instructions take some microseconds).
const PROGRESS_OPS: u32 = 400;

fn read_rows(db: RawDb, raw: *mut ffi::sqlite3_stmt) -> Result<Read> {
    // SAFETY: a valid, bound statement; values are copied out before the next step.
    unsafe {
        let count = ffi::sqlite3_column_count(raw).max(0);
        let mut rows = Vec::new();
        loop {
            match ffi::sqlite3_step(raw) {
                ffi::SQLITE_ROW => {
                    let mut row = Vec::with_capacity(count as usize);
                    for i in 0..count {
                        row.push(column_value(raw, i));
                    }
                    rows.push(row);
                }
                ffi::SQLITE_DONE => break,
                _ => return Err(db.error()),
            }
        }
        let columns = (0..count)
            .map(|i| {
                let name = ffi::sqlite3_column_name(raw, i);
                if name.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(name).to_string_lossy().into_owned()
                }
            })
            .collect();
        Ok((columns, rows))
    }
}

/// One column of the current row, read as the vendored libsql reads it (TEXT by its byte
/// length, invalid UTF-8 replaced rather than refused).
unsafe fn column_value(raw: *mut ffi::sqlite3_stmt, i: c_int) -> Value {
    // SAFETY: the caller's statement has a current row with column `i`.
    unsafe {
        match ffi::sqlite3_column_type(raw, i) {
            ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(raw, i)),
            ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(raw, i)),
            ffi::SQLITE_TEXT => {
                let text = ffi::sqlite3_column_text(raw, i);
                if text.is_null() {
                    return Value::Null;
                }
                let len = usize::try_from(ffi::sqlite3_column_bytes(raw, i)).unwrap_or(0);
                let bytes = std::slice::from_raw_parts(text, len);
                Value::Text(String::from_utf8_lossy(bytes).into_owned())
            }
            ffi::SQLITE_BLOB => {
                let blob = ffi::sqlite3_column_blob(raw, i);
                let len = usize::try_from(ffi::sqlite3_column_bytes(raw, i)).unwrap_or(0);
                if blob.is_null() || len == 0 {
                    Value::Blob(Vec::new())
                } else {
                    Value::Blob(std::slice::from_raw_parts(blob.cast::<u8>(), len).to_vec())
                }
            }
            _ => Value::Null,
        }
    }
}

unsafe fn bind(raw: *mut ffi::sqlite3_stmt, index: c_int, value: &Value) -> c_int {
    let transient = transient();
    // SAFETY: a valid statement and index; SQLite copies text and blobs (SQLITE_TRANSIENT).
    unsafe {
        match value {
            Value::Null => ffi::sqlite3_bind_null(raw, index),
            Value::Integer(n) => ffi::sqlite3_bind_int64(raw, index, *n),
            Value::Real(f) => ffi::sqlite3_bind_double(raw, index, *f),
            Value::Text(t) => ffi::sqlite3_bind_text64(
                raw,
                index,
                t.as_ptr().cast(),
                t.len() as u64,
                transient,
                ffi::SQLITE_UTF8 as u8,
            ),
            Value::Blob(b) => {
                ffi::sqlite3_bind_blob64(raw, index, b.as_ptr().cast(), b.len() as u64, transient)
            }
        }
    }
}

fn transient() -> ffi::sqlite3_destructor_type {
    // SAFETY: SQLITE_TRANSIENT is the destructor value -1, which SQLite reads as "copy now".
    Some(unsafe { std::mem::transmute::<isize, unsafe extern "C" fn(*mut std::ffi::c_void)>(-1) })
}

/// The declared types of the result columns, as `exec::decl_types` gives them.
fn decl_types(stmt: RawStmt, count: usize) -> Vec<Option<String>> {
    (0..count)
        .map(|i| {
            let index = c_int::try_from(i).ok()?;
            // SAFETY: a valid statement and column index; SQLite owns the text.
            let text = unsafe { ffi::sqlite3_column_decltype(stmt.0, index) };
            (!text.is_null()).then(|| {
                unsafe { CStr::from_ptr(text) }
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect()
}
