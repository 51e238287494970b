//! The Node.js surface of the native core: every `#[napi]` export lives here and only converts
//! arguments and results; the work itself is done by the core modules, off the JavaScript thread,
//! through `runtime::run`. Ids are plain numbers; see `src/native/` for the typed TypeScript view.

pub mod convert;

use napi::bindgen_prelude::{BigInt, Either};
use napi_derive::napi;

use crate::connection::{self, ExecOptions, OpenConfig, PragmaValue};
use crate::errors::{LibError, Result};
use crate::runtime;
use crate::transaction::{Behaviour, SavepointOp};
use crate::values::IntMode;
use crate::{batch, cursor, replication, statement, transaction};
use convert::{JsPage, JsParams, JsResult, JsResults, RowMode};

async fn off_loop<F, Fut, T>(work: F) -> napi::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>>,
    T: Send + 'static,
{
    runtime::run(work).await.map_err(napi::Error::from)
}

fn js<T>(result: Result<T>) -> napi::Result<T> {
    result.map_err(napi::Error::from)
}

#[napi(object, object_to_js = false)]
pub struct OpenOptions {
    /// A path, `file:` URL, `:memory:`, or `libsql://` / `https://` / `http://` URL.
    pub url: String,
    pub auth_token: Option<String>,
    pub sync_url: Option<String>,
    pub sync_interval: Option<u32>,
    pub read_your_writes: Option<bool>,
    pub encryption_key: Option<String>,
    pub busy_timeout: Option<u32>,
    pub statement_cache_size: Option<u32>,
}

#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct QueryOptions {
    /// "number" (default), "bigint" or "string".
    pub int_mode: Option<String>,
    /// "array" (default) or "object".
    pub row_mode: Option<String>,
}

fn parse_options(options: Option<QueryOptions>) -> Result<(ExecOptions, RowMode)> {
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
        row_mode,
    ))
}

fn wrap(result: crate::values::QueryResult, exec: ExecOptions, row_mode: RowMode) -> JsResult {
    JsResult {
        result,
        int_mode: exec.int_mode,
        row_mode,
    }
}

#[napi]
pub async fn open(options: OpenOptions) -> napi::Result<u32> {
    let config = OpenConfig {
        url: options.url,
        auth_token: options.auth_token,
        sync_url: options.sync_url,
        sync_interval_ms: options.sync_interval,
        read_your_writes: options.read_your_writes,
        encryption_key: options.encryption_key,
        busy_timeout_ms: options.busy_timeout,
        statement_cache_size: options.statement_cache_size,
    };
    off_loop(move || connection::open(config)).await
}

#[napi(catch_unwind)]
pub fn connect_shared(conn_id: u32) -> napi::Result<u32> {
    js(connection::connect_shared(conn_id))
}

#[napi]
pub async fn close(conn_id: u32) -> napi::Result<()> {
    off_loop(move || connection::close(conn_id)).await
}

#[napi]
pub async fn execute(
    conn_id: u32,
    sql: String,
    params: Option<JsParams>,
    options: Option<QueryOptions>,
) -> napi::Result<JsResult> {
    let (exec, row_mode) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    let result = off_loop(move || connection::execute(conn_id, sql, params, exec)).await?;
    Ok(wrap(result, exec, row_mode))
}

#[napi(object, object_to_js = false)]
pub struct BatchStatement {
    pub sql: String,
    pub params: Option<JsParams>,
}

#[napi]
pub async fn batch(
    conn_id: u32,
    statements: Vec<BatchStatement>,
    transactional: bool,
    options: Option<QueryOptions>,
) -> napi::Result<JsResults> {
    let (exec, row_mode) = js(parse_options(options))?;
    let statements: Vec<_> = statements
        .into_iter()
        .map(|s| (s.sql, s.params.unwrap_or_default().0))
        .collect();
    let results = off_loop(move || batch::batch(conn_id, statements, transactional, exec)).await?;
    Ok(JsResults(
        results
            .into_iter()
            .map(|r| wrap(r, exec, row_mode))
            .collect(),
    ))
}

#[napi]
pub async fn execute_script(
    conn_id: u32,
    sql: String,
    transactional: Option<bool>,
) -> napi::Result<()> {
    off_loop(move || batch::execute_script(conn_id, sql, transactional.unwrap_or(false))).await
}

#[napi]
pub async fn prepare(conn_id: u32, sql: String) -> napi::Result<u32> {
    off_loop(move || statement::prepare(conn_id, sql)).await
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

#[napi]
pub async fn execute_statement(
    stmt_id: u32,
    params: Option<JsParams>,
    options: Option<QueryOptions>,
) -> napi::Result<JsResult> {
    let (exec, row_mode) = js(parse_options(options))?;
    let params = params.unwrap_or_default().0;
    let result = off_loop(move || statement::execute(stmt_id, params, exec)).await?;
    Ok(wrap(result, exec, row_mode))
}

#[napi]
pub async fn finalize(stmt_id: u32) -> napi::Result<()> {
    off_loop(move || statement::finalize(stmt_id)).await
}

#[napi]
pub async fn begin(conn_id: u32, behaviour: Option<String>) -> napi::Result<u32> {
    let behaviour = js(Behaviour::parse(behaviour.as_deref().unwrap_or("deferred")))?;
    off_loop(move || transaction::begin(conn_id, behaviour)).await
}

#[napi]
pub async fn commit(conn_id: u32, tx_id: u32) -> napi::Result<()> {
    off_loop(move || transaction::commit(conn_id, tx_id)).await
}

#[napi]
pub async fn rollback(conn_id: u32, tx_id: u32) -> napi::Result<()> {
    off_loop(move || transaction::rollback(conn_id, tx_id)).await
}

#[napi]
pub async fn savepoint(conn_id: u32, tx_id: u32, name: String) -> napi::Result<()> {
    off_loop(move || transaction::savepoint(conn_id, tx_id, name, SavepointOp::Create)).await
}

#[napi]
pub async fn release_savepoint(conn_id: u32, tx_id: u32, name: String) -> napi::Result<()> {
    off_loop(move || transaction::savepoint(conn_id, tx_id, name, SavepointOp::Release)).await
}

#[napi]
pub async fn rollback_to_savepoint(conn_id: u32, tx_id: u32, name: String) -> napi::Result<()> {
    off_loop(move || transaction::savepoint(conn_id, tx_id, name, SavepointOp::RollbackTo)).await
}

#[napi(catch_unwind)]
pub fn current_transaction(conn_id: u32) -> napi::Result<Option<u32>> {
    js(transaction::current(conn_id))
}

#[napi(catch_unwind)]
pub fn savepoints(conn_id: u32, tx_id: u32) -> napi::Result<Vec<String>> {
    js(transaction::savepoints(conn_id, tx_id))
}

#[napi]
pub async fn open_cursor(conn_id: u32, sql: String, params: Option<JsParams>) -> napi::Result<u32> {
    let params = params.unwrap_or_default().0;
    off_loop(move || cursor::open(conn_id, sql, params)).await
}

#[napi(catch_unwind)]
pub fn cursor_columns(cursor_id: u32) -> napi::Result<Vec<String>> {
    Ok(js(cursor::CURSORS.get(cursor_id))?.columns.clone())
}

#[napi]
pub async fn fetch(
    cursor_id: u32,
    max_rows: u32,
    options: Option<QueryOptions>,
) -> napi::Result<JsPage> {
    let (exec, row_mode) = js(parse_options(options))?;
    let columns = js(cursor::CURSORS.get(cursor_id))?.columns.clone();
    let page = off_loop(move || cursor::fetch(cursor_id, max_rows, exec)).await?;
    Ok(JsPage {
        page,
        columns,
        int_mode: exec.int_mode,
        row_mode,
    })
}

#[napi]
pub async fn close_cursor(cursor_id: u32) -> napi::Result<()> {
    off_loop(move || cursor::close(cursor_id)).await
}

#[napi(object)]
pub struct ConnectionInfo {
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

#[napi]
pub async fn busy_timeout(conn_id: u32, ms: u32) -> napi::Result<()> {
    off_loop(move || connection::set_busy_timeout(conn_id, ms)).await
}

#[napi]
pub async fn reset(conn_id: u32) -> napi::Result<()> {
    off_loop(move || connection::reset(conn_id)).await
}

#[napi(catch_unwind)]
pub fn interrupt(conn_id: u32) -> napi::Result<()> {
    js(connection::interrupt(conn_id))
}

#[napi]
pub async fn pragma(
    conn_id: u32,
    name: String,
    value: Option<Either<String, f64>>,
    options: Option<QueryOptions>,
) -> napi::Result<JsResult> {
    let (exec, row_mode) = js(parse_options(options))?;
    let value = value.map(|v| match v {
        Either::A(text) => PragmaValue::Text(text),
        Either::B(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => PragmaValue::Integer(n as i64),
        Either::B(n) => PragmaValue::Real(n),
    });
    let result = off_loop(move || connection::pragma(conn_id, name, value, exec)).await?;
    Ok(wrap(result, exec, row_mode))
}

#[napi]
pub async fn load_extension(
    conn_id: u32,
    path: String,
    entry_point: Option<String>,
) -> napi::Result<()> {
    off_loop(move || connection::load_extension(conn_id, path, entry_point)).await
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

#[napi]
pub async fn sync(conn_id: u32) -> napi::Result<SyncResult> {
    off_loop(move || replication::sync(conn_id))
        .await
        .map(synced)
}

#[napi]
pub async fn sync_until(conn_id: u32, frame_no: f64) -> napi::Result<SyncResult> {
    if !(frame_no >= 0.0 && frame_no.fract() == 0.0) {
        return js(Err(LibError::invalid_argument(
            "frameNo must be a non-negative integer",
        )));
    }
    off_loop(move || replication::sync_until(conn_id, frame_no as u64))
        .await
        .map(synced)
}

#[napi]
pub async fn flush_replicator(conn_id: u32) -> napi::Result<Option<f64>> {
    off_loop(move || replication::flush_replicator(conn_id))
        .await
        .map(|n| n.map(|n| n as f64))
}

#[napi]
pub async fn replication_index(conn_id: u32) -> napi::Result<Option<f64>> {
    off_loop(move || replication::replication_index(conn_id))
        .await
        .map(|n| n.map(|n| n as f64))
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
