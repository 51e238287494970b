//! Connection exports: open, connect, close, one statement (`run`), connection info and settings,
//! pragmas, extensions, and process-wide handle counts and versions.

use napi::bindgen_prelude::{BigInt, Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use super::blocks::Block;
use super::call::{inline_or_off, off_thread, Converted};
use super::convert::{JsParams, JsResult};
use super::open::JsOpenConfig;
use super::{js, parse_options, wrap, JsQueryOptions};
use crate::pragma::{self, PragmaValue};
use crate::{close, connection, cursor, pinning, query, statement, transaction, transaction_state};

/// Opens a database and its first connection; resolves to the connection id. `config` comes
/// from `src/options`, which validated it.
#[napi(catch_unwind)]
pub fn open(env: &Env, config: JsOpenConfig) -> napi::Result<PromiseRaw<'_, u32>> {
    let config = config.into();
    off_thread(env, None, move || connection::open(config))
}

#[napi(catch_unwind)]
pub fn connect_shared(conn_id: u32) -> napi::Result<u32> {
    js(connection::connect_shared(conn_id))
}

#[napi(catch_unwind)]
pub fn close(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    off_thread(env, Some(conn_id), move || close::close(conn_id))
}

/// Runs one statement of SQL text (through the connection's statement cache): the result itself
/// when it ran inline (an inline failure is thrown), or a Promise when it ran off the thread.
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
    inline_or_off(
        env,
        Some(conn_id),
        query::try_execute(conn_id, &sql, params, exec).map(|r| wrap(r, exec, shape)),
        move |params| async move {
            let result = query::execute(conn_id, sql, params, exec).await?;
            Ok(wrap(result, exec, shape))
        },
    )
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
    off_thread(env, Some(conn_id), move || {
        connection::set_busy_timeout(conn_id, ms)
    })
}

#[napi(catch_unwind)]
pub fn reset(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    off_thread(env, Some(conn_id), move || connection::reset(conn_id))
}

/// Keeps a remote connection's statements on one server stream until `unpin_stream` (see
/// `pinning`); nothing on other connections.
#[napi(catch_unwind)]
pub fn pin_stream(conn_id: u32) -> napi::Result<()> {
    js(pinning::pin(conn_id))
}

/// Ends what `pin_stream` began: the stream is closed on the server.
#[napi(catch_unwind)]
pub fn unpin_stream(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    off_thread(env, Some(conn_id), move || pinning::unpin(conn_id))
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
    #[napi(ts_arg_type = "QueryOptions | number | undefined | null")] options: Option<
        JsQueryOptions,
    >,
) -> napi::Result<PromiseRaw<'_, JsResult>> {
    let (exec, shape) = js(parse_options(options))?;
    let value = value.map(|v| match v {
        Either::A(text) => PragmaValue::Text(text),
        Either::B(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => PragmaValue::Integer(n as i64),
        Either::B(n) => PragmaValue::Real(n),
    });
    off_thread(env, Some(conn_id), move || async move {
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
    off_thread(env, Some(conn_id), move || {
        pragma::load_extension(conn_id, path, entry_point)
    })
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
        connections: connection::CONNECTIONS.len() as u32,
        statements: statement::STATEMENTS.len() as u32,
        transactions: transaction_state::TRANSACTIONS.len() as u32,
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
