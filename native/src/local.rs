//! The one engine for local statements. A statement of a local file, of `:memory:` or an embedded
//! replica's local read runs through the raw SQLite handle (see `raw`), inline on the JavaScript
//! thread or on the blocking pool alike: binding (by name or position), stepping, reading rows and
//! their declared types, the integer-mode check and the counters are written here once. So are
//! the transaction-control statements of a local connection (`ControlStatements`), kept prepared.
//! libSQL's own API (`exec`) runs what goes to a server: remote databases, and an embedded
//! replica's writes and transactions, which its primary runs.
//!
//! The caller holds the connection's operation lock (see `raw` for why that makes the handle safe
//! to use), and has chosen this engine with `session::local_statement`.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr, CString};

use libsql::{ffi, Value};

use crate::errors::{LibError, Result};
use crate::raw::{RawDb, RawStmt};
use crate::values::{check_int_mode, resolve_params, IntMode, ParamSlots, Params, QueryResult};

/// The values of `params` for `stmt`, one per placeholder (`values::resolve_params` has the rules).
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

/// Binds `params` to `stmt`, runs it to the end and reads its result (the off-thread case).
pub fn execute(db: RawDb, stmt: RawStmt, params: Params, int_mode: IntMode) -> Result<QueryResult> {
    let values = resolve(stmt, params)?;
    run(db, stmt, &values, int_mode, None)
}

/// Runs `stmt` to the end with `values` bound (one per placeholder) and reads its result. With
/// `stop`, the progress handler asks it every few hundred instructions whether to stop (the
/// statement then fails with `SQLITE_INTERRUPT`).
pub fn run(
    db: RawDb,
    stmt: RawStmt,
    values: &[Value],
    int_mode: IntMode,
    stop: Option<&mut dyn FnMut() -> bool>,
) -> Result<QueryResult> {
    bind_all(db, stmt, values)?;
    let before = db.total_changes();
    let outcome = match stop {
        Some(mut stop) => {
            let _progress = db.progress(PROGRESS_OPS, &mut stop);
            read_rows(db, stmt)
        }
        None => read_rows(db, stmt),
    };
    // SAFETY: a valid statement, reset after it has run (as before it was bound).
    unsafe { ffi::sqlite3_reset(stmt.0) };
    let (columns, rows) = outcome?;
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

/// How many virtual-machine instructions run between two budget checks (a check reads the
/// clock; a few hundred instructions take some microseconds).
const PROGRESS_OPS: u32 = 400;

fn read_rows(db: RawDb, stmt: RawStmt) -> Result<Read> {
    let mut rows = Vec::new();
    while let Some(row) = step(db, stmt)? {
        rows.push(row);
    }
    Ok((column_names(stmt), rows))
}

/// Resets `stmt` and binds `values` to it, one per placeholder.
pub fn bind_all(db: RawDb, stmt: RawStmt, values: &[Value]) -> Result<()> {
    let raw = stmt.0;
    // SAFETY: a valid statement, reset before it is bound; every pointer handed to SQLite is
    // copied by it (SQLITE_TRANSIENT).
    unsafe {
        ffi::sqlite3_reset(raw);
        for (i, value) in values.iter().enumerate() {
            let index = c_int::try_from(i + 1)
                .map_err(|_| LibError::invalid_argument("too many parameters"))?;
            let rc = bind(raw, index, value);
            if rc != ffi::SQLITE_OK {
                let err = db.error();
                ffi::sqlite3_reset(raw);
                return Err(err);
            }
        }
    }
    Ok(())
}

/// Steps a bound statement once: the row it reached, or `None` once it has finished.
pub fn step(db: RawDb, stmt: RawStmt) -> Result<Option<Vec<Value>>> {
    let raw = stmt.0;
    // SAFETY: a valid, bound statement; values are copied out before the next step.
    unsafe {
        match ffi::sqlite3_step(raw) {
            ffi::SQLITE_ROW => {
                let count = ffi::sqlite3_column_count(raw).max(0);
                let mut row = Vec::with_capacity(count as usize);
                for i in 0..count {
                    row.push(column_value(raw, i));
                }
                Ok(Some(row))
            }
            ffi::SQLITE_DONE => Ok(None),
            _ => Err(db.error()),
        }
    }
}

/// The names of the statement's result columns.
pub fn column_names(stmt: RawStmt) -> Vec<String> {
    // SAFETY: a valid statement; SQLite owns the names.
    unsafe {
        let count = ffi::sqlite3_column_count(stmt.0).max(0);
        (0..count)
            .map(|i| {
                let name = ffi::sqlite3_column_name(stmt.0, i);
                if name.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(name).to_string_lossy().into_owned()
                }
            })
            .collect()
    }
}

/// One column of the current row, read as the vendored libsql reads a value (TEXT by its byte
/// length, invalid UTF-8 replaced rather than refused), so that a remote and a local result agree.
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

/// The declared types of the result columns (`None` where a column has none).
pub fn decl_types(stmt: RawStmt, count: usize) -> Vec<Option<String>> {
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

/// Transaction-control statements (BEGIN, COMMIT, SAVEPOINT …) of a local connection, prepared once
/// and kept, as better-sqlite3's statement cache keeps them, instead of being parsed again on
/// every run. Owned by the connection and finalized with it (`clear`).
#[derive(Debug, Default)]
pub struct ControlStatements {
    /// Each SQL text with its statements (a text may hold several, run in order).
    prepared: HashMap<String, Vec<RawStmt>>,
}

/// Control texts kept per connection (savepoint names vary; the table is emptied when full).
const MAX_CONTROL: usize = 32;

impl ControlStatements {
    /// The kept statements of `sql` on `db`, prepared the first time (`None` if they cannot be
    /// kept, which does not happen: a text just inserted is there).
    fn kept(&mut self, db: RawDb, sql: &str) -> Result<Option<&[RawStmt]>> {
        if !self.prepared.contains_key(sql) {
            if self.prepared.len() >= MAX_CONTROL {
                self.clear();
            }
            let statements = prepare_all(db, sql)?;
            self.prepared.insert(sql.to_owned(), statements);
        }
        Ok(self.prepared.get(sql).map(Vec::as_slice))
    }

    /// Runs `sql` (statements without parameters) on `db`, preparing it the first time.
    pub fn exec(&mut self, db: RawDb, sql: &str) -> Result<()> {
        let Some(statements) = self.kept(db, sql)? else {
            return db.exec(sql);
        };
        for stmt in statements {
            // SAFETY: a statement this cache prepared on `db`, stepped to the end and reset.
            let rc = unsafe {
                let mut rc = ffi::sqlite3_step(stmt.0);
                while rc == ffi::SQLITE_ROW {
                    rc = ffi::sqlite3_step(stmt.0);
                }
                rc
            };
            let outcome = if rc == ffi::SQLITE_DONE {
                Ok(())
            } else {
                Err(db.error())
            };
            // SAFETY: as above.
            unsafe { ffi::sqlite3_reset(stmt.0) };
            outcome?;
        }
        Ok(())
    }

    /// The first column of the first row of `sql` (one statement without parameters, such as
    /// a PRAGMA that reads a setting) as text, preparing it the first time.
    pub fn read_first(&mut self, db: RawDb, sql: &str) -> Result<Option<String>> {
        let Some(&[stmt]) = self.kept(db, sql)? else {
            return Err(LibError::invalid_argument("expected one statement"));
        };
        // SAFETY: a statement this cache prepared on `db`; its text is read before the reset,
        // which is what invalidates it.
        let (rc, value) = unsafe {
            let rc = ffi::sqlite3_step(stmt.0);
            let value = if rc == ffi::SQLITE_ROW {
                let text = ffi::sqlite3_column_text(stmt.0, 0);
                (!text.is_null()).then(|| {
                    CStr::from_ptr(text.cast::<c_char>())
                        .to_string_lossy()
                        .into_owned()
                })
            } else {
                None
            };
            (rc, value)
        };
        let outcome = if rc == ffi::SQLITE_ROW || rc == ffi::SQLITE_DONE {
            Ok(value)
        } else {
            Err(db.error())
        };
        // SAFETY: as above.
        unsafe { ffi::sqlite3_reset(stmt.0) };
        outcome
    }

    /// Finalizes every kept statement (before its connection closes).
    pub fn clear(&mut self) {
        for (_, statements) in self.prepared.drain() {
            for stmt in statements {
                // SAFETY: a statement this cache prepared and no one else holds.
                unsafe { ffi::sqlite3_finalize(stmt.0) };
            }
        }
    }
}

/// Prepares every statement of `sql` (persistent: they are kept).
fn prepare_all(db: RawDb, sql: &str) -> Result<Vec<RawStmt>> {
    let text = CString::new(sql)
        .map_err(|_| LibError::invalid_argument("SQL text must not contain NUL characters"))?;
    let mut statements = Vec::new();
    let mut rest: *const c_char = text.as_ptr();
    loop {
        // SAFETY: `rest` points into `text`, NUL-terminated; SQLite sets `tail` within it.
        let (rc, stmt, tail) = unsafe {
            if *rest == 0 {
                break;
            }
            let mut stmt = std::ptr::null_mut();
            let mut tail: *const c_char = std::ptr::null();
            let rc = ffi::sqlite3_prepare_v3(
                db.0,
                rest,
                -1,
                ffi::SQLITE_PREPARE_PERSISTENT as u32,
                &mut stmt,
                &mut tail,
            );
            (rc, stmt, tail)
        };
        if rc != ffi::SQLITE_OK {
            let err = db.error();
            for stmt in statements {
                // SAFETY: statements prepared above.
                unsafe { ffi::sqlite3_finalize(stmt) };
            }
            return Err(err);
        }
        if !stmt.is_null() {
            statements.push(stmt);
        }
        if tail.is_null() || tail == rest {
            break;
        }
        rest = tail;
    }
    Ok(statements.into_iter().map(RawStmt).collect())
}
