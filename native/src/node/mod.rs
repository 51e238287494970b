//! The Node.js surface of the native core: every `#[napi]` export lives here and only converts
//! arguments and results; the work itself is done by the core modules, off the JavaScript thread,
//! through `promise`. Ids are plain numbers; see `src/native/` for the typed TypeScript view.

pub mod convert;
mod open;
mod pages;

use napi::bindgen_prelude::{BigInt, Either, PromiseRaw, ToNapiValue};
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::connection::{self, ExecOptions};
use crate::errors::{LibError, Result};
use crate::pragma::{self, PragmaValue};
use crate::runtime;
use crate::transaction::{Behaviour, SavepointOp};
use crate::values::IntMode;
use crate::{batch, cursor, replication, statement, transaction};
use convert::{JsPage, JsParams, JsResult, RowMode};
use open::JsOpenConfig;

/// Runs `work` on the runtime's blocking pool and settles a JavaScript Promise with its result
/// straight from that thread: two thread hand-offs per call (JS → blocking pool → JS) instead of
/// the four of an `async fn` (JS → async worker → blocking pool → async worker → JS). The
/// Promise is typed with `T`, so the generated declarations say what each call resolves to.
fn promise<'env, T, F, Fut>(env: &'env Env, work: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>>,
{
    let (deferred, promise) = env.create_deferred::<T, _>()?;
    napi::bindgen_prelude::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        match runtime::catch_panic(|| handle.block_on(work())) {
            Ok(value) => deferred.resolve(move |_| Ok(value)),
            Err(err) => deferred.reject(err.into()),
        }
    });
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}

fn js<T>(result: Result<T>) -> napi::Result<T> {
    result.map_err(napi::Error::from)
}

#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct QueryOptions {
    /// "number" (default), "bigint" or "string".
    #[napi(ts_type = "'number' | 'bigint' | 'string'")]
    pub int_mode: Option<String>,
    /// "array" (default) or "object".
    #[napi(ts_type = "'array' | 'object'")]
    pub row_mode: Option<String>,
    /// Rows converted with the result; the rest wait for `takeRows` (0 or absent: all at once).
    pub page_rows: Option<u32>,
}

/// How a result is handed to JavaScript.
#[derive(Clone, Copy)]
struct Shape {
    row_mode: RowMode,
    page_rows: u32,
}

fn parse_options(options: Option<QueryOptions>) -> Result<(ExecOptions, Shape)> {
    let options = options.unwrap_or_default();
    let int_mode = match options.int_mode.as_deref() {
        None => IntMode::Number,
        Some(text) => IntMode::parse(text)?,
    };
    let row_mode = match options.row_mode.as_deref() {
        None => RowMode::Array,
        Some(text) => RowMode::parse(text)?,
    };
    Ok((
        ExecOptions {
            int_mode,
            no_cache: false,
        },
        Shape {
            row_mode,
            page_rows: options.page_rows.unwrap_or(0),
        },
    ))
}

fn wrap(result: crate::values::QueryResult, exec: ExecOptions, shape: Shape) -> JsResult {
    pages::split(result, exec.int_mode, shape.row_mode, shape.page_rows)
}

/// Opens a database and its first connection; resolves to the connection id. `config` comes
/// from `src/options`, which validated it.
#[napi(catch_unwind)]
pub fn open(env: &Env, config: JsOpenConfig) -> napi::Result<PromiseRaw<'_, u32>> {
    let config = config.into();
    promise(env, move || connection::open(config))
}

#[napi(catch_unwind)]
pub fn connect_shared(conn_id: u32) -> napi::Result<u32> {
    js(connection::connect_shared(conn_id))
}

#[napi(catch_unwind)]
pub fn close(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || connection::close(conn_id))
}

#[napi(catch_unwind)]
pub fn execute(
    env: &Env,
    conn_id: u32,
    sql: String,
    #[napi(
        ts_arg_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null"
    )]
    params: Option<JsParams>,
    options: Option<QueryOptions>,
) -> napi::Result<PromiseRaw<'_, JsResult>> {
    let (exec, shape) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    promise(env, move || async move {
        let result = connection::execute(conn_id, sql, params, exec).await?;
        Ok(wrap(result, exec, shape))
    })
}

#[napi(object, object_to_js = false)]
pub struct BatchStatement {
    pub sql: String,
    #[napi(ts_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>>")]
    pub params: Option<JsParams>,
}

#[napi(catch_unwind)]
pub fn batch(
    env: &Env,
    conn_id: u32,
    statements: Vec<BatchStatement>,
    transactional: bool,
    options: Option<QueryOptions>,
) -> napi::Result<PromiseRaw<'_, Vec<JsResult>>> {
    let (exec, shape) = js(parse_options(options))?;
    let statements: Vec<_> = statements
        .into_iter()
        .map(|s| (s.sql, s.params.unwrap_or_default().0))
        .collect();
    promise(env, move || async move {
        let results = batch::batch(conn_id, statements, transactional, exec).await?;
        Ok(results
            .into_iter()
            .map(|r| wrap(r, exec, shape))
            .collect::<Vec<_>>())
    })
}

#[napi(catch_unwind)]
pub fn execute_script(
    env: &Env,
    conn_id: u32,
    sql: String,
    transactional: Option<bool>,
) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || {
        batch::execute_script(conn_id, sql, transactional.unwrap_or(false))
    })
}

#[napi(catch_unwind)]
pub fn prepare(env: &Env, conn_id: u32, sql: String) -> napi::Result<PromiseRaw<'_, u32>> {
    promise(env, move || statement::prepare(conn_id, sql))
}

#[napi(object)]
pub struct StatementInfo {
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    pub parameter_count: u32,
    pub parameter_names: Vec<Option<String>>,
}

#[napi(catch_unwind)]
pub fn statement_info(stmt_id: u32) -> napi::Result<StatementInfo> {
    let info = js(statement::info(stmt_id))?;
    Ok(StatementInfo {
        columns: info.columns,
        column_types: info.column_types,
        parameter_count: info.parameter_count,
        parameter_names: info.parameter_names,
    })
}

#[napi(catch_unwind)]
pub fn execute_statement(
    env: &Env,
    stmt_id: u32,
    #[napi(
        ts_arg_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null"
    )]
    params: Option<JsParams>,
    options: Option<QueryOptions>,
) -> napi::Result<PromiseRaw<'_, JsResult>> {
    let (exec, shape) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    promise(env, move || async move {
        let result = statement::execute(stmt_id, params, exec).await?;
        Ok(wrap(result, exec, shape))
    })
}

#[napi(catch_unwind)]
pub fn finalize(env: &Env, stmt_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || statement::finalize(stmt_id))
}

#[napi(catch_unwind)]
pub fn begin(
    env: &Env,
    conn_id: u32,
    #[napi(
        ts_arg_type = "'deferred' | 'immediate' | 'exclusive' | 'read-only' | undefined | null"
    )]
    behaviour: Option<String>,
) -> napi::Result<PromiseRaw<'_, u32>> {
    let behaviour = js(Behaviour::parse(behaviour.as_deref().unwrap_or("deferred")))?;
    promise(env, move || transaction::begin(conn_id, behaviour))
}

/// Registers a transaction whose BEGIN runs with the connection's next statement; `null` when the
/// connection is busy with another call (then use `begin`). Runs on the calling thread.
#[napi(catch_unwind)]
pub fn begin_lazy(
    conn_id: u32,
    #[napi(
        ts_arg_type = "'deferred' | 'immediate' | 'exclusive' | 'read-only' | undefined | null"
    )]
    behaviour: Option<String>,
) -> napi::Result<Option<u32>> {
    let behaviour = js(Behaviour::parse(behaviour.as_deref().unwrap_or("deferred")))?;
    js(transaction::begin_lazy(conn_id, behaviour))
}

/// Registers a savepoint whose SAVEPOINT runs with the next statement; `false` when the connection
/// is busy with another call (then use `savepoint`).
#[napi(catch_unwind)]
pub fn savepoint_lazy(conn_id: u32, tx_id: u32, name: String) -> napi::Result<bool> {
    js(transaction::savepoint_lazy(conn_id, tx_id, name))
}

#[napi(catch_unwind)]
pub fn commit(env: &Env, conn_id: u32, tx_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || transaction::commit(conn_id, tx_id))
}

#[napi(catch_unwind)]
pub fn rollback(env: &Env, conn_id: u32, tx_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || transaction::rollback(conn_id, tx_id))
}

#[napi(catch_unwind)]
pub fn savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || {
        transaction::savepoint(conn_id, tx_id, name, SavepointOp::Create)
    })
}

#[napi(catch_unwind)]
pub fn release_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || {
        transaction::savepoint(conn_id, tx_id, name, SavepointOp::Release)
    })
}

/// `ROLLBACK TO SAVEPOINT name`; with `release`, then `RELEASE SAVEPOINT name` in the same call.
#[napi(catch_unwind)]
pub fn rollback_to_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
    release: Option<bool>,
) -> napi::Result<PromiseRaw<'_, ()>> {
    let op = if release.unwrap_or(false) {
        SavepointOp::RollbackAndRelease
    } else {
        SavepointOp::RollbackTo
    };
    promise(env, move || {
        transaction::savepoint(conn_id, tx_id, name, op)
    })
}

/// The next rows of a result that came back with `more` (converted here, on the JavaScript thread).
#[napi(catch_unwind)]
pub fn take_rows(page_id: u32, max_rows: u32) -> napi::Result<JsPage> {
    js(pages::take(page_id, max_rows))
}

/// Frees the remaining rows of a result that will not be read.
#[napi(catch_unwind)]
pub fn drop_rows(page_id: u32) -> napi::Result<()> {
    js(pages::drop_rows(page_id))
}

#[napi(catch_unwind)]
pub fn current_transaction(conn_id: u32) -> napi::Result<Option<u32>> {
    js(transaction::current(conn_id))
}

#[napi(catch_unwind)]
pub fn savepoints(conn_id: u32, tx_id: u32) -> napi::Result<Vec<String>> {
    js(transaction::savepoints(conn_id, tx_id))
}

#[napi(catch_unwind)]
pub fn open_cursor(
    env: &Env,
    conn_id: u32,
    sql: String,
    #[napi(
        ts_arg_type = "ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null"
    )]
    params: Option<JsParams>,
) -> napi::Result<PromiseRaw<'_, u32>> {
    let params = params.unwrap_or_default().0;
    promise(env, move || cursor::open(conn_id, sql, params))
}

#[napi(catch_unwind)]
pub fn cursor_columns(cursor_id: u32) -> napi::Result<Vec<String>> {
    Ok(js(cursor::CURSORS.get(cursor_id))?.columns.clone())
}

#[napi(catch_unwind)]
pub fn fetch(
    env: &Env,
    cursor_id: u32,
    max_rows: u32,
    options: Option<QueryOptions>,
) -> napi::Result<PromiseRaw<'_, JsPage>> {
    let (exec, shape) = js(parse_options(options))?;
    let columns = js(cursor::CURSORS.get(cursor_id))?.columns.clone();
    promise(env, move || async move {
        let page = cursor::fetch(cursor_id, max_rows, exec).await?;
        Ok(JsPage::new(page, columns, exec.int_mode, shape.row_mode))
    })
}

#[napi(catch_unwind)]
pub fn close_cursor(env: &Env, cursor_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || cursor::close(cursor_id))
}

#[napi(object)]
pub struct ConnectionInfo {
    #[napi(ts_type = "'memory' | 'local' | 'remote' | 'replica'")]
    pub mode: String,
    pub last_insert_rowid: Either<i64, BigInt>,
    pub changes: f64,
    pub total_changes: f64,
    pub autocommit: bool,
    pub transaction_id: Option<u32>,
}

fn rowid(id: i64) -> Either<i64, BigInt> {
    if crate::values::is_safe_integer(id) {
        Either::A(id)
    } else {
        Either::B(BigInt::from(id))
    }
}

#[napi(catch_unwind)]
pub fn connection_info(conn_id: u32) -> napi::Result<ConnectionInfo> {
    let info = js(connection::info(conn_id))?;
    Ok(ConnectionInfo {
        mode: js(connection::mode(conn_id))?.name().to_owned(),
        last_insert_rowid: rowid(info.last_insert_rowid),
        changes: info.changes as f64,
        total_changes: info.total_changes as f64,
        autocommit: info.autocommit,
        transaction_id: js(transaction::current(conn_id))?,
    })
}

#[napi(catch_unwind)]
pub fn busy_timeout(env: &Env, conn_id: u32, ms: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || connection::set_busy_timeout(conn_id, ms))
}

#[napi(catch_unwind)]
pub fn reset(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || connection::reset(conn_id))
}

#[napi(catch_unwind)]
pub fn interrupt(conn_id: u32) -> napi::Result<()> {
    js(connection::interrupt(conn_id))
}

#[napi(catch_unwind)]
pub fn pragma(
    env: &Env,
    conn_id: u32,
    name: String,
    value: Option<Either<String, f64>>,
    options: Option<QueryOptions>,
) -> napi::Result<PromiseRaw<'_, JsResult>> {
    let (exec, shape) = js(parse_options(options))?;
    let value = value.map(|v| match v {
        Either::A(text) => PragmaValue::Text(text),
        Either::B(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => PragmaValue::Integer(n as i64),
        Either::B(n) => PragmaValue::Real(n),
    });
    promise(env, move || async move {
        let result = pragma::pragma(conn_id, name, value, exec).await?;
        Ok(wrap(result, exec, shape))
    })
}

#[napi(catch_unwind)]
pub fn load_extension(
    env: &Env,
    conn_id: u32,
    path: String,
    entry_point: Option<String>,
) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, move || {
        pragma::load_extension(conn_id, path, entry_point)
    })
}

#[napi(object)]
pub struct SyncResult {
    pub frame_no: Option<f64>,
    pub frames_synced: f64,
}

fn synced(s: replication::Synced) -> SyncResult {
    SyncResult {
        frame_no: s.frame_no.map(|n| n as f64),
        frames_synced: s.frames_synced as f64,
    }
}

#[napi(catch_unwind)]
pub fn sync(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, SyncResult>> {
    promise(env, move || async move {
        replication::sync(conn_id).await.map(synced)
    })
}

#[napi(catch_unwind)]
pub fn sync_until(
    env: &Env,
    conn_id: u32,
    frame_no: f64,
) -> napi::Result<PromiseRaw<'_, SyncResult>> {
    if !(frame_no >= 0.0 && frame_no.fract() == 0.0) {
        return js(Err(LibError::invalid_argument(
            "frameNo must be a non-negative integer",
        )));
    }
    promise(env, move || async move {
        replication::sync_until(conn_id, frame_no as u64)
            .await
            .map(synced)
    })
}

#[napi(catch_unwind)]
pub fn flush_replicator(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, Option<f64>>> {
    promise(env, move || async move {
        replication::flush_replicator(conn_id)
            .await
            .map(|n| n.map(|n| n as f64))
    })
}

#[napi(catch_unwind)]
pub fn replication_index(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, Option<f64>>> {
    promise(env, move || async move {
        replication::replication_index(conn_id)
            .await
            .map(|n| n.map(|n| n as f64))
    })
}

#[napi(catch_unwind)]
pub fn max_write_replication_index(conn_id: u32) -> napi::Result<Option<f64>> {
    js(replication::max_write_replication_index(conn_id)).map(|n| n.map(|n| n as f64))
}

#[napi(object)]
pub struct Stats {
    pub connections: u32,
    pub statements: u32,
    pub transactions: u32,
    pub cursors: u32,
}

/// How many handles of each kind are open (for leak checks).
#[napi(catch_unwind)]
pub fn stats() -> Stats {
    Stats {
        connections: crate::connection::CONNECTIONS.len() as u32,
        statements: statement::STATEMENTS.len() as u32,
        transactions: transaction::TRANSACTIONS.len() as u32,
        cursors: cursor::CURSORS.len() as u32,
    }
}

/// The SQLite version libsql is built on, and this addon's version.
#[napi(catch_unwind)]
pub fn versions() -> Vec<String> {
    vec![
        env!("CARGO_PKG_VERSION").to_owned(),
        libsql::version().to_owned(),
    ]
}
