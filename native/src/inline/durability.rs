//! Whether a commit waits for the disk. A commit that syncs (an `fsync` of the WAL or of the
//! database file and its journal) takes as long as the disk does: usually a fraction of a
//! millisecond, now and then tens of milliseconds, and no measured history predicts the tail. So
//! a commit that syncs never runs inline, on the JavaScript thread, whatever its history says;
//! the blocking pool waits for the disk instead, and the event loop goes on turning.
//!
//! SQLite syncs at commit when the database is a file and
//! - in WAL mode, `synchronous` is FULL or EXTRA (NORMAL syncs only at checkpoints, which the
//!   inline path defers to the blocking pool: see `Quiet` in `session`);
//! - in any other journal mode, `synchronous` is not OFF (a rollback there, which writes the
//!   journal's pages back, syncs too; in WAL mode a rollback never does).
//!
//! Both settings are read from the connection (kept PRAGMA statements, well under a microsecond
//! each), so a `PRAGMA synchronous` or `journal_mode` that an application runs later is seen at
//! once. A connection with another database attached counts as syncing: that file's settings
//! may differ. Anything unreadable counts as syncing too.

use std::ffi::CStr;

use libsql::ffi;

use crate::local::ControlStatements;
use crate::raw::RawDb;

/// How a transaction (or an autocommit statement, which commits) ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Commit,
    Rollback,
}

/// Whether ending a transaction on `db` this way waits for the disk (see the module's note).
pub fn syncs(control: &mut ControlStatements, db: RawDb, ending: Ending) -> bool {
    if !db.main_is_file() {
        return false;
    }
    if db.has_attached() {
        return true;
    }
    let wal = control
        .read_first(db, "PRAGMA main.journal_mode")
        .map(|mode| mode.is_some_and(|m| m.eq_ignore_ascii_case("wal")));
    let level = control
        .read_first(db, "PRAGMA main.synchronous")
        .map(|level| level.and_then(|l| l.parse::<u8>().ok()));
    match (ending, wal, level) {
        (_, Ok(false), Ok(Some(level))) => level >= 1,
        (Ending::Commit, Ok(true), Ok(Some(level))) => level >= 2,
        (Ending::Rollback, Ok(true), Ok(Some(_))) => false,
        _ => true,
    }
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
