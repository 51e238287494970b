//! The raw SQLite handle of a local connection, for what the libsql crate does not expose and the
//! inline path needs: a progress handler (the inline budget), switching the busy timeout, finding
//! and stepping a prepared statement on the calling thread, and a WAL hook that lets an inline
//! commit leave its checkpoint to a background thread.
//!
//! The handle is caught as SQLite opens it: an auto-extension (SQLite calls it for every
//! connection it opens) records the handles opened on the current thread while `capture` runs.
//! A captured handle is then checked against libsql's own connection with a probe statement, so
//! a connection whose handle cannot be told for certain simply never runs inline.
//!
//! Safety: a `RawDb` is valid for as long as the libsql connection it was captured for (the
//! `Conn` owns both), and it is used only by the holder of that connection's operation lock,
//! which serialises every use of the handle (SQLite's own interrupt excepted, which is safe from
//! any thread).

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Once;

use libsql::ffi;

use crate::errors::{LibError, Result};

thread_local! {
    /// While `capture` runs on this thread: how many connections SQLite opened, and the last one.
    static OPENED: Cell<Option<(u32, usize)>> = const { Cell::new(None) };
}

/// SQLite's auto-extension entry point: records the handle if this thread is capturing.
unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _error: *mut *const c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    OPENED.with(|slot| {
        if let Some((count, _)) = slot.get() {
            slot.set(Some((count + 1, db as usize)));
        }
    });
    ffi::SQLITE_OK
}

static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Runs `open` (which opens exactly one SQLite connection on this thread) and returns its result
/// with the handle SQLite opened, if exactly one was.
pub fn capture<T>(open: impl FnOnce() -> T) -> (T, Option<RawDb>) {
    INSTALL.call_once(|| {
        // Memory statistics (on by default in this build) put a process-wide mutex around every
        // allocation SQLite makes; nothing here reads them. Like every configuration, this must
        // come before SQLite initialises, so it may already be too late (then nothing changes).
        // SAFETY: a configuration call with its documented integer argument.
        unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
        // libsql configures SQLite's threading mode the first time it builds a local database,
        // which must come before SQLite initialises, and registering an auto-extension
        // initialises SQLite: so libsql goes first (building `:memory:` opens no connection).
        let built = crate::runtime::poll_once(libsql::Builder::new_local(":memory:").build());
        if matches!(built, Some(Ok(_))) {
            // SAFETY: registers a function with the signature SQLite calls auto-extensions with.
            let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
            INSTALLED.store(rc == ffi::SQLITE_OK, Ordering::Release);
        }
    });
    if !INSTALLED.load(Ordering::Acquire) {
        return (open(), None);
    }
    OPENED.with(|slot| slot.set(Some((0, 0))));
    let value = open();
    let opened = OPENED.with(|slot| slot.replace(None));
    let db = match opened {
        Some((1, handle)) if handle != 0 => Some(RawDb(handle as *mut ffi::sqlite3)),
        _ => None,
    };
    (value, db)
}

/// A raw SQLite connection handle (see the module note for when it may be used).
#[derive(Debug, Clone, Copy)]
pub struct RawDb(pub(crate) *mut ffi::sqlite3);

// SAFETY: SQLite handles may move between threads; every use is serialised by the connection's
// operation lock (see the module note).
unsafe impl Send for RawDb {}
unsafe impl Sync for RawDb {}

/// A raw prepared statement, owned by the libsql `Statement` it was found for.
#[derive(Debug, Clone, Copy)]
pub struct RawStmt(pub(crate) *mut ffi::sqlite3_stmt);

// SAFETY: as for `RawDb`; a statement is only stepped by the holder of its connection's lock.
unsafe impl Send for RawStmt {}
unsafe impl Sync for RawStmt {}

impl RawDb {
    /// The SQLite handle itself, for a module that prepares statements of its own on it.
    pub(crate) fn handle(self) -> *mut ffi::sqlite3 {
        self.0
    }

    /// The most recently prepared statement of the connection (SQLite keeps its statements
    /// newest first).
    pub fn newest_statement(self) -> Option<RawStmt> {
        // SAFETY: a valid handle; a null `pStmt` asks for the first statement.
        let stmt = unsafe { ffi::sqlite3_next_stmt(self.0, std::ptr::null_mut()) };
        (!stmt.is_null()).then_some(RawStmt(stmt))
    }

    /// The error SQLite reports for the last failed call on this connection.
    pub fn error(self) -> LibError {
        // SAFETY: a valid handle; `sqlite3_errmsg` returns a NUL-terminated string it owns.
        let (code, message) = unsafe {
            let code = ffi::sqlite3_extended_errcode(self.0);
            let text = ffi::sqlite3_errmsg(self.0);
            let message = if text.is_null() {
                String::new()
            } else {
                CStr::from_ptr(text).to_string_lossy().into_owned()
            };
            (code, message)
        };
        LibError::sqlite(code, message)
    }

    pub fn busy_timeout(self, ms: u32) {
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_busy_timeout(self.0, i32::try_from(ms).unwrap_or(i32::MAX)) };
    }

    pub fn is_autocommit(self) -> bool {
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_get_autocommit(self.0) != 0 }
    }

    pub fn changes(self) -> u64 {
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_changes64(self.0) as u64 }
    }

    pub fn total_changes(self) -> u64 {
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_total_changes64(self.0) as u64 }
    }

    pub fn last_insert_rowid(self) -> i64 {
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_last_insert_rowid(self.0) }
    }

    /// Runs SQL without parameters or a result (transaction control); the raw SQLite result code
    /// comes with the error.
    pub fn exec(self, sql: &str) -> Result<()> {
        let text = CString::new(sql)
            .map_err(|_| LibError::invalid_argument("SQL text must not contain NUL characters"))?;
        // SAFETY: a valid handle and a NUL-terminated statement; no callback, no error string
        // (the error is read from the handle).
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.0,
                text.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// Runs a passive checkpoint of the main database's WAL (what SQLite's own auto-checkpoint
    /// does); a busy or failed checkpoint is left for the next one, as SQLite does.
    pub fn checkpoint(self) {
        // SAFETY: a valid handle; a null schema name checkpoints every attached database.
        unsafe {
            ffi::sqlite3_wal_checkpoint_v2(
                self.0,
                std::ptr::null(),
                ffi::SQLITE_CHECKPOINT_PASSIVE,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
    }

    /// Calls `check` every `ops` virtual-machine instructions while a statement runs, until the
    /// guard is dropped; the statement stops with `SQLITE_INTERRUPT` once `check` says so.
    pub fn progress<'a, F: FnMut() -> bool>(self, ops: u32, check: &'a mut F) -> Progress<'a, F> {
        unsafe extern "C" fn call<F: FnMut() -> bool>(ctx: *mut c_void) -> c_int {
            // SAFETY: `ctx` is the `&mut F` the guard borrows for its whole life.
            let check = unsafe { &mut *ctx.cast::<F>() };
            c_int::from(check())
        }
        // SAFETY: a valid handle; the context outlives the registration (the guard borrows it
        // and removes the handler when dropped).
        unsafe {
            ffi::sqlite3_progress_handler(
                self.0,
                i32::try_from(ops).unwrap_or(i32::MAX),
                Some(call::<F>),
                (check as *mut F).cast(),
            )
        };
        Progress {
            db: self,
            _check: std::marker::PhantomData,
        }
    }

    /// Installs the WAL hook (see `WalHook`) with `hook` as its state; `hook` must stay alive
    /// until `remove_wal_hook` is called.
    pub fn install_wal_hook(self, hook: &WalHook) {
        // SAFETY: a valid handle; the caller keeps `hook` alive while it is registered.
        unsafe {
            ffi::sqlite3_wal_hook(
                self.0,
                Some(on_wal_commit),
                (hook as *const WalHook).cast_mut().cast(),
            )
        };
    }

    pub fn remove_wal_hook(self) {
        // SAFETY: a valid handle; clears the hook.
        unsafe { ffi::sqlite3_wal_hook(self.0, None, std::ptr::null_mut()) };
    }
}

/// A registered progress handler, removed when dropped.
pub struct Progress<'a, F> {
    db: RawDb,
    _check: std::marker::PhantomData<&'a mut F>,
}

impl<F> Drop for Progress<'_, F> {
    fn drop(&mut self) {
        // SAFETY: a valid handle; removes the handler.
        unsafe { ffi::sqlite3_progress_handler(self.db.0, 0, None, std::ptr::null_mut()) };
    }
}

/// SQLite's default number of WAL pages after which a commit checkpoints.
pub const DEFAULT_AUTOCHECKPOINT: u32 = 1000;

/// The WAL hook of a local connection: SQLite's automatic checkpoint (a passive checkpoint once
/// the WAL holds `pages` pages after a commit), except while the connection runs inline on the
/// JavaScript thread, when the checkpoint is only marked as due, to be run off the thread.
#[derive(Debug)]
pub struct WalHook {
    pub pages: AtomicU32,
    pub inline: AtomicBool,
    pub due: AtomicBool,
    /// Set by every commit in WAL mode; cleared when a `journal_mode` pragma is prepared (see
    /// `inline::durability`): while set, the connection is in WAL mode.
    pub committed: AtomicBool,
}

impl Default for WalHook {
    fn default() -> Self {
        Self {
            pages: AtomicU32::new(DEFAULT_AUTOCHECKPOINT),
            inline: AtomicBool::new(false),
            due: AtomicBool::new(false),
            committed: AtomicBool::new(false),
        }
    }
}

unsafe extern "C" fn on_wal_commit(
    ctx: *mut c_void,
    db: *mut ffi::sqlite3,
    schema: *const c_char,
    pages: c_int,
) -> c_int {
    // SAFETY: `ctx` is the `WalHook` registered with this handle, alive while registered.
    let hook = unsafe { &*ctx.cast::<WalHook>() };
    hook.committed.store(true, Ordering::Relaxed);
    let threshold = hook.pages.load(Ordering::Relaxed);
    if threshold == 0 || u32::try_from(pages).unwrap_or(0) < threshold {
        return ffi::SQLITE_OK;
    }
    if hook.inline.load(Ordering::Relaxed) {
        hook.due.store(true, Ordering::Relaxed);
    } else {
        // SAFETY: what SQLite's own auto-checkpoint hook does, with the arguments it was given.
        unsafe { ffi::sqlite3_wal_checkpoint(db, schema) };
    }
    ffi::SQLITE_OK
}

impl RawStmt {
    /// The statement's SQL text as bytes (no copy), `None` if SQLite has none.
    pub fn sql_bytes<'a>(self) -> Option<&'a [u8]> {
        // SAFETY: a valid statement; SQLite owns the text for the statement's life, which the
        // caller does not outlive (it holds the statement's owner).
        let text = unsafe { ffi::sqlite3_sql(self.0) };
        (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_bytes())
    }

    /// Whether the statement leaves the database unchanged (SQLite's own judgement).
    pub fn is_readonly(self) -> bool {
        // SAFETY: a valid statement.
        unsafe { ffi::sqlite3_stmt_readonly(self.0) != 0 }
    }
}
