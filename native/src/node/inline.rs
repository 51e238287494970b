//! Exports of the inline path: a connection's budget and counters, the longest stretch of native
//! work on the JavaScript thread, and what an inline call leaves to do afterwards (a WAL
//! checkpoint its commit deferred, run off the thread).

use napi_derive::napi;

use super::blocks;
use super::js;
use crate::connection;

/// After a call finished inline: runs the WAL checkpoints inline commits left, on the blocking
/// pool.
pub fn after_inline() {
    for conn_id in connection::take_due_checkpoints() {
        napi::bindgen_prelude::spawn_blocking(move || {
            let handle = tokio::runtime::Handle::current();
            // A checkpoint that fails is left for the next commit, as SQLite does.
            let _ = crate::runtime::catch_panic(|| {
                handle.block_on(connection::run_due_checkpoint(conn_id))
            });
        });
    }
}

/// Sets how long one statement of the connection may run inline on the JavaScript thread, in
/// milliseconds (0 turns inline execution off for the connection).
#[napi(catch_unwind)]
pub fn set_inline_budget(conn_id: u32, ms: u32) -> napi::Result<()> {
    if ms > crate::inline::state::MAX_BUDGET_MS {
        return js(Err(crate::errors::LibError::invalid_argument(format!(
            "inlineBudgetMs must be from 0 to {} milliseconds",
            crate::inline::state::MAX_BUDGET_MS
        ))));
    }
    js(connection::set_inline_budget(conn_id, ms))
}

#[napi(object)]
pub struct InlineStats {
    /// Calls that finished on the JavaScript thread.
    pub inline: f64,
    /// Calls that ran off the thread.
    pub off_thread: f64,
    /// Inline attempts that met `SQLITE_BUSY` and continued off the thread.
    pub busy: f64,
    /// Reads stopped at the budget and run again off the thread.
    pub over_budget: f64,
    /// WAL checkpoints that inline commits left to a background thread.
    pub deferred_checkpoints: f64,
}

/// How a connection's calls ran so far.
#[napi(catch_unwind)]
pub fn inline_stats(conn_id: u32) -> napi::Result<InlineStats> {
    let s = js(connection::inline_stats(conn_id))?;
    Ok(InlineStats {
        inline: s.inline as f64,
        off_thread: s.off_thread as f64,
        busy: s.busy as f64,
        over_budget: s.over_budget as f64,
        deferred_checkpoints: s.deferred_checkpoints as f64,
    })
}

#[napi(object)]
pub struct NativeBlocks {
    /// The longest stretch of native work on the JavaScript thread, in milliseconds.
    pub longest_ms: f64,
    /// All such stretches together, in milliseconds.
    pub total_ms: f64,
    /// How many there were.
    pub count: f64,
}

/// The stretches of native work on the JavaScript thread since the last reset (process-wide);
/// with `reset`, starts counting afresh.
#[napi(catch_unwind)]
pub fn native_blocks(reset: Option<bool>) -> NativeBlocks {
    let (longest, total, count) = blocks::snapshot(reset.unwrap_or(false));
    NativeBlocks {
        longest_ms: longest as f64 / 1e6,
        total_ms: total as f64 / 1e6,
        count: count as f64,
    }
}

/// Registers the function that compiles result shapes (see `convert::shapes`): given column
/// names and declared types it returns `[objectRow, arrayRow, result]`. Called once by the
/// TypeScript binding when it loads the addon.
#[napi(catch_unwind)]
pub fn set_result_shapes(
    env: &napi::Env,
    #[napi(
        ts_arg_type = "(columns: string[], columnTypes: (string | null)[]) => [(rows: unknown[], ...values: unknown[]) => void, (rows: unknown[], ...values: unknown[]) => void, (rows: unknown[], rowsAffected: number, lastInsertRowid: number | bigint | string | null, more: number | undefined) => unknown]"
    )]
    maker: napi::bindgen_prelude::Function<
        '_,
        napi::bindgen_prelude::Unknown<'_>,
        napi::bindgen_prelude::Unknown<'_>,
    >,
) -> napi::Result<()> {
    use napi::bindgen_prelude::JsValue;
    // SAFETY: a function value of this environment, on its thread.
    unsafe { super::convert::shapes::register(env.raw(), maker.raw()) }
}
