//! Off-loop execution: every call that touches a database runs here, never on the JavaScript
//! thread.
//!
//! SQLite calls block the thread that makes them (a busy timeout can wait for seconds), so they must
//! not run on the async worker threads either. `run` moves the work to the tokio runtime's blocking
//! pool (of the runtime napi-rs owns inside the addon) and drives the libsql future there; the JavaScript
//! side only sees a pending Promise. A panic inside the work is caught and becomes a
//! `LIBSQL_PANIC` error instead of taking the Node process down.

use std::future::Future;

use crate::errors::{codes, LibError, Result};

/// Runs `work` on the blocking pool and returns its result.
pub async fn run<F, Fut, T>(work: F) -> Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T>>,
    T: Send + 'static,
{
    let joined = tokio::task::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        handle.block_on(work())
    })
    .await;
    match joined {
        Ok(result) => result,
        Err(join_error) if join_error.is_panic() => {
            let payload = join_error.into_panic();
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(LibError::new(
                codes::PANIC,
                format!(
                    "internal panic in the native core (the connection is still usable): {detail}"
                ),
            ))
        }
        Err(_) => Err(LibError::new(
            codes::INTERNAL,
            "the native task was cancelled before it finished",
        )),
    }
}

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
