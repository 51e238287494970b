//! Exports of the inline path and of time on the JavaScript thread: a connection's inline budget
//! and counters, the longest stretches of native work on the JavaScript thread, and the result
//! shapes' compiler. (The calls that may run inline are with their concern: `run` in
//! `connection`, `runStatement` in `statements`, `endTransaction` / `endSavepoint` in
//! `transactions`; see `call::inline_or_off`.)

use napi_derive::napi;

use super::blocks;
use super::js;
use crate::connection;

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
    /// The longest conversion of one page of rows into JavaScript values (within those stretches),
    /// in milliseconds.
    pub longest_page_ms: f64,
    /// The longest stretches on this thread (up to 16, longest first), each with its start on the
    /// addon's clock, so that a caller can set them against other events such as GC pauses.
    pub longest: Vec<NativeBlock>,
    /// The addon's clock now, in milliseconds (to relate `longest` to another clock).
    pub now_ms: f64,
}

#[napi(object)]
pub struct NativeBlock {
    pub start_ms: f64,
    pub duration_ms: f64,
}

/// The stretches of native work on the JavaScript thread since the last reset (process-wide);
/// with `reset`, starts counting afresh.
#[napi(catch_unwind)]
pub fn native_blocks(reset: Option<bool>) -> NativeBlocks {
    let s = blocks::snapshot(reset.unwrap_or(false));
    NativeBlocks {
        longest_ms: s.longest as f64 / 1e6,
        total_ms: s.total as f64 / 1e6,
        count: s.count as f64,
        longest_page_ms: s.longest_page as f64 / 1e6,
        longest: s
            .kept
            .iter()
            .map(|(start, duration)| NativeBlock {
                start_ms: *start as f64 / 1e6,
                duration_ms: *duration as f64 / 1e6,
            })
            .collect(),
        now_ms: s.now as f64 / 1e6,
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
