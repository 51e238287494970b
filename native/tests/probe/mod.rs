//! Probes the integration tests install into every SQLite connection opened after `install()`
//! (an auto-extension): a progress counter that a slow query advances row by row, so a test knows
//! the query is running instead of waiting a fixed time, and a count of the statements SQLite
//! compiled that touch the table `reuse_probe` (an authorizer, which SQLite calls only while it
//! prepares), so a test can show a statement ran again without being prepared again.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use libsql::ffi;

/// Rows a query has passed through `probe_tick()`, in every connection.
pub static TICKS: AtomicU64 = AtomicU64::new(0);
/// Statements compiled that touch `reuse_probe`, in every connection.
pub static COMPILES: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn tick(
    context: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    let n = TICKS.fetch_add(1, Ordering::SeqCst) + 1;
    // SAFETY: SQLite hands the function its own live context.
    unsafe { ffi::sqlite3_result_int64(context, n as i64) };
}

unsafe extern "C" fn authorize(
    _data: *mut c_void,
    action: c_int,
    table: *const c_char,
    _column: *const c_char,
    _database: *const c_char,
    _trigger: *const c_char,
) -> c_int {
    let touches = matches!(
        action,
        ffi::SQLITE_READ | ffi::SQLITE_INSERT | ffi::SQLITE_UPDATE | ffi::SQLITE_DELETE
    );
    // SAFETY: for these actions SQLite passes the table name as a NUL-terminated string (or NULL).
    if touches && !table.is_null() && unsafe { CStr::from_ptr(table) }.to_bytes() == b"reuse_probe"
    {
        COMPILES.fetch_add(1, Ordering::SeqCst);
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _error: *mut *const c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection SQLite is opening; the callbacks match SQLite's signatures.
    unsafe {
        let rc = ffi::sqlite3_create_function_v2(
            db,
            c"probe_tick".as_ptr(),
            0,
            ffi::SQLITE_UTF8,
            std::ptr::null_mut(),
            Some(tick),
            None,
            None,
            None,
        );
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        ffi::sqlite3_set_authorizer(db, Some(authorize), std::ptr::null_mut())
    }
}

static INSTALL: Once = Once::new();

/// Installs the probes for connections opened from now on. Call it after the test has opened a
/// connection through the core, so libsql has configured SQLite before the auto-extension
/// initialises it.
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: registers a function with the signature SQLite calls auto-extensions with.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        assert_eq!(rc, ffi::SQLITE_OK);
    });
}

/// Waits until `TICKS` passes `from`: the slow query is running inside SQLite.
pub async fn until_ticks_pass(from: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TICKS.load(Ordering::SeqCst) <= from {
        assert!(Instant::now() < deadline, "the query never started running");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
