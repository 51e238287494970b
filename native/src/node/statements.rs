//! Statement exports: prepared statements, batches and scripts.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::blocks::Block;
use super::call::{inline_or_off, off_thread, Converted};
use super::convert::{JsParams, JsResult};
use super::{js, parse_options, wrap, JsQueryOptions};
use crate::{batch, statement};

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
    #[napi(ts_arg_type = "QueryOptions | number | undefined | null")] options: Option<
        JsQueryOptions,
    >,
) -> napi::Result<PromiseRaw<'_, Vec<JsResult>>> {
    let (exec, shape) = js(parse_options(options))?;
    let statements: Vec<_> = statements
        .into_iter()
        .map(|s| (s.sql, s.params.unwrap_or_default().0))
        .collect();
    off_thread(env, Some(conn_id), move || async move {
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
    off_thread(env, Some(conn_id), move || {
        batch::execute_script(conn_id, sql, transactional.unwrap_or(false))
    })
}

#[napi(catch_unwind)]
pub fn prepare(env: &Env, conn_id: u32, sql: String) -> napi::Result<PromiseRaw<'_, u32>> {
    off_thread(env, Some(conn_id), move || statement::prepare(conn_id, sql))
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

/// Runs a prepared statement (see `run`): the result itself when it ran inline, or a Promise.
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
    inline_or_off(
        env,
        conn_id,
        statement::try_execute(stmt_id, params, exec).map(|r| wrap(r, exec, shape)),
        move |params| async move {
            let result = statement::execute(stmt_id, params, exec).await?;
            Ok(wrap(result, exec, shape))
        },
    )
}

#[napi(catch_unwind)]
pub fn finalize(env: &Env, stmt_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    off_thread(env, None, move || statement::finalize(stmt_id))
}
