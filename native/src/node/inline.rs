//! Exports of the inline path: a connection's budget and counters, the longest stretch of native
//! work on the JavaScript thread, and what an inline call leaves to do afterwards (a WAL
//! checkpoint its commit deferred, run off the thread).

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{sys, Env};
use napi_derive::napi;

use super::blocks::{self, Block};
use super::convert::JsParams;
use super::{js, parse_options, promise_on, wrap, JsQueryOptions};
use crate::connection;
use crate::inline::Inline;
use crate::transaction::{self, End, SavepointOp};
use crate::{query, statement};

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

/// A value already converted to JavaScript (so that its conversion is timed with the call).
pub struct Converted(sys::napi_value);

impl TypeName for Converted {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl ToNapiValue for Converted {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

/// The value of a call that ran inline, converted here; its failure is thrown.
fn now<T: ToNapiValue>(env: &Env, result: crate::errors::Result<T>) -> napi::Result<Converted> {
    after_inline();
    let value = js(result)?;
    // SAFETY: converting on the JavaScript thread with its live environment.
    unsafe { T::to_napi_value(env.raw(), value) }.map(Converted)
}

/// A Promise of a call sent off the thread, as a value.
fn later<T: ToNapiValue>(
    promise: napi::Result<napi::bindgen_prelude::PromiseRaw<'_, T>>,
) -> napi::Result<Converted> {
    use napi::bindgen_prelude::JsValue;
    promise.map(|p| Converted(p.raw()))
}

/// `execute` for the TypeScript binding: the result itself when the statement ran inline (an
/// inline failure is thrown), or a Promise when it ran off the thread. This saves a Promise and
/// a turn of the microtask queue per inline statement.
#[napi(catch_unwind, ts_return_type = "QueryResult | Promise<QueryResult>")]
pub fn run(
    env: &Env,
    conn_id: u32,
    sql: String,
    #[napi(
        ts_arg_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null"
    )]
    params: Option<JsParams>,
    #[napi(ts_arg_type = "QueryOptions | number | undefined | null")] options: Option<
        JsQueryOptions,
    >,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let (exec, shape) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    match query::try_execute(conn_id, &sql, params, exec) {
        Inline::Done(result) => now(env, result.map(|r| wrap(r, exec, shape))),
        Inline::Offload(params) => later(promise_on(env, conn_id, move || async move {
            let result = query::execute(conn_id, sql, params, exec).await?;
            Ok(wrap(result, exec, shape))
        })),
    }
}

/// `executeStatement` for the TypeScript binding (see `run`).
#[napi(catch_unwind, ts_return_type = "QueryResult | Promise<QueryResult>")]
pub fn run_statement(
    env: &Env,
    stmt_id: u32,
    #[napi(
        ts_arg_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null"
    )]
    params: Option<JsParams>,
    #[napi(ts_arg_type = "QueryOptions | number | undefined | null")] options: Option<
        JsQueryOptions,
    >,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let (exec, shape) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    let conn_id = statement::STATEMENTS.get(stmt_id).map(|s| s.conn_id).ok();
    match statement::try_execute(stmt_id, params, exec) {
        Inline::Done(result) => now(env, result.map(|r| wrap(r, exec, shape))),
        Inline::Offload(params) => {
            later(super::call::off_thread(env, conn_id, move || async move {
                let result = statement::execute(stmt_id, params, exec).await?;
                Ok(wrap(result, exec, shape))
            }))
        }
    }
}

/// `commit` (or, with `commit` false, `rollback`) for the TypeScript binding: `undefined` when it
/// ran inline (a failure is thrown), or a Promise when it ran off the thread.
#[napi(catch_unwind, ts_return_type = "undefined | Promise<undefined>")]
pub fn end_transaction(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    commit: bool,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let end = if commit { End::Commit } else { End::Rollback };
    match transaction::try_finish(conn_id, tx_id, end) {
        Inline::Done(result) => now(env, result),
        Inline::Offload(()) => later(promise_on(env, conn_id, move || async move {
            match end {
                End::Commit => transaction::commit(conn_id, tx_id).await,
                End::Rollback => transaction::rollback(conn_id, tx_id).await,
            }
        })),
    }
}

/// `releaseSavepoint` (`rollback` false) or `rollbackToSavepoint` with release (`rollback` true)
/// for the TypeScript binding (see `end_transaction`).
#[napi(catch_unwind, ts_return_type = "undefined | Promise<undefined>")]
pub fn end_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
    rollback: bool,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let op = if rollback {
        SavepointOp::RollbackAndRelease
    } else {
        SavepointOp::Release
    };
    match transaction::try_savepoint(conn_id, tx_id, &name, op) {
        Inline::Done(result) => now(env, result),
        Inline::Offload(()) => later(promise_on(env, conn_id, move || {
            transaction::savepoint(conn_id, tx_id, name, op)
        })),
    }
}
