//! Whether a commit waits for the disk. A commit that syncs (an `fsync` of the WAL or of the
//! database file and its journal) takes as long as the disk does: usually a fraction of a
//! millisecond, now and then tens of milliseconds, and no measured history predicts the tail. So
//! a commit that syncs never runs inline, on the JavaScript thread, whatever its history says;
//! the blocking pool waits for the disk instead, and the event loop goes on turning.
//!
//! SQLite syncs at commit when the database is a file and
//! - `synchronous` is FULL or EXTRA, in any journal mode;
//! - `synchronous` is NORMAL and the journal is not a WAL (in WAL mode NORMAL syncs only at
//!   checkpoints, which the inline path defers to the blocking pool: see `Quiet` in `session`).
//!
//! A rollback syncs only outside WAL mode (it writes the journal's pages back), with
//! `synchronous` above OFF.
//!
//! What the connection knows, without a statement per decision (reading a PRAGMA costs about
//! 1.5 µs, a fifth of a WAL commit):
//! - the `synchronous` level is read once and kept; SQLite applies `PRAGMA synchronous = …` while
//!   preparing it, and the connection's authorizer (installed here) forgets the kept level as
//!   that happens, so the next decision reads the new one;
//! - WAL mode is known from the WAL hook, which every commit in WAL mode calls; the authorizer
//!   forgets it when a `journal_mode` pragma is prepared, and until the next commit shows WAL mode
//!   again, commits count as syncing (they run off the thread; the first one there teaches it).
//!   A connection with another database attached counts as syncing (that file's settings may
//!   differ), and so does anything unreadable.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::Ordering;

use libsql::ffi;
use parking_lot::Mutex;

use super::state::InlineState;
use crate::local::ControlStatements;
use crate::raw::RawDb;
use crate::transaction::End;

/// Whether ending a transaction on `db` this way (an autocommit statement ends as a commit)
/// waits for the disk (see the module's note). `control` is locked only to read a level not kept.
pub fn syncs(state: &InlineState, control: &Mutex<ControlStatements>, db: RawDb, end: End) -> bool {
    if !db.main_is_file() {
        return false;
    }
    if db.has_attached() {
        return true;
    }
    let Some(level) = sync_level(state, control, db) else {
        return true;
    };
    let wal = state.wal.committed.load(Ordering::Relaxed);
    match (level, end) {
        (0, _) => false,
        (1, _) => !wal,
        (_, End::Commit) => true,
        (_, End::Rollback) => !wal,
    }
}

/// The main database's `synchronous` level (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA), kept once read.
fn sync_level(state: &InlineState, control: &Mutex<ControlStatements>, db: RawDb) -> Option<u8> {
    let kept = state.sync_level.load(Ordering::Relaxed);
    if kept > 0 {
        return Some(kept - 1);
    }
    let level = control
        .lock()
        .read_first(db, "PRAGMA main.synchronous")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<u8>().ok())
        .filter(|&l| l <= 3)?;
    state.sync_level.store(level + 1, Ordering::Relaxed);
    Some(level)
}

/// Installs the authorizer that keeps `state` up to date; `state` must stay alive until
/// `remove_authorizer` is called.
pub fn install_authorizer(db: RawDb, state: &InlineState) {
    // SAFETY: a valid handle; the caller keeps `state` alive while it is registered.
    unsafe {
        ffi::sqlite3_set_authorizer(
            db.handle(),
            Some(on_authorize),
            (state as *const InlineState).cast_mut().cast(),
        )
    };
}

pub fn remove_authorizer(db: RawDb) {
    // SAFETY: a valid handle; clears the authorizer.
    unsafe { ffi::sqlite3_set_authorizer(db.handle(), None, std::ptr::null_mut()) };
}

/// Allows everything; notes a `synchronous` or `journal_mode` pragma as it is prepared.
unsafe extern "C" fn on_authorize(
    ctx: *mut c_void,
    action: c_int,
    name: *const c_char,
    _value: *const c_char,
    _schema: *const c_char,
    _trigger: *const c_char,
) -> c_int {
    if action == ffi::SQLITE_PRAGMA && !name.is_null() {
        // SAFETY: `ctx` is the `InlineState` registered with this handle, alive while registered;
        // `name` is a NUL-terminated string SQLite owns for the call.
        let (state, name) =
            unsafe { (&*ctx.cast::<InlineState>(), CStr::from_ptr(name).to_bytes()) };
        if name.eq_ignore_ascii_case(b"synchronous") {
            state.sync_level.store(0, Ordering::Relaxed);
        } else if name.eq_ignore_ascii_case(b"journal_mode") {
            state.wal.committed.store(false, Ordering::Relaxed);
        }
    }
    ffi::SQLITE_OK
}

impl RawDb {
    /// Whether the main database is a file (not `:memory:` or a temporary database).
    pub fn main_is_file(self) -> bool {
        // SAFETY: a valid handle and a NUL-terminated schema name; SQLite owns the returned text.
        unsafe {
            let name = ffi::sqlite3_db_filename(self.handle(), c"main".as_ptr());
            !name.is_null() && !CStr::from_ptr(name).to_bytes().is_empty()
        }
    }

    /// Whether a database other than `main` and `temp` is attached.
    pub fn has_attached(self) -> bool {
        // SAFETY: a valid handle; index 2 is the first attached database, null when there is none.
        unsafe { !ffi::sqlite3_db_name(self.handle(), 2).is_null() }
    }
}
