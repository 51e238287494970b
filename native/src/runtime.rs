//! Panic capture for work running off the JavaScript thread, and `poll_once` for libsql calls
//! that never wait on local connections. The Node layer (`node::promise`)
//! runs each call on the blocking pool of the tokio runtime napi-rs owns inside the addon (SQLite
//! calls block, so they run neither on the JavaScript thread nor on async workers) and wraps it in
//! `catch_panic`, so a panic becomes a `LIBSQL_PANIC` error instead of taking Node down.

use crate::errors::{codes, LibError, Result};

/// Runs `work`, turning a panic into a `LIBSQL_PANIC` error.
pub fn catch_panic<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|payload| Err(panic_error(payload)))
}

fn panic_error(payload: Box<dyn std::any::Any + Send>) -> LibError {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    LibError::new(
        codes::PANIC,
        format!("internal panic in the native core (the connection is still usable): {detail}"),
    )
}

/// Polls a future once, for libsql calls that are synchronous underneath on local connections
/// (preparing a statement, building a local database): `None` if it would have to wait, which
/// the inline path treats as "run it off the thread".
pub fn poll_once<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => Some(value),
        std::task::Poll::Pending => None,
    }
}
