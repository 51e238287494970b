//! Cursor exports, and the pages of a large result that came back in parts (`takeRows`).

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::call::off_thread;

use super::convert::{JsPage, JsParams};
use super::{js, pages, parse_options, JsQueryOptions};
use crate::cursor;

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
    off_thread(env, Some(conn_id), move || {
        cursor::open(conn_id, sql, params)
    })
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
    #[napi(ts_arg_type = "QueryOptions | number | undefined | null")] options: Option<
        JsQueryOptions,
    >,
) -> napi::Result<PromiseRaw<'_, JsPage>> {
    let (exec, shape) = js(parse_options(options))?;
    let cursor = js(cursor::CURSORS.get(cursor_id))?;
    let columns = cursor.columns.clone();
    off_thread(env, Some(cursor.conn_id), move || async move {
        let page = cursor::fetch(cursor_id, max_rows, exec).await?;
        Ok(JsPage::new(page, columns, exec.int_mode, shape.row_mode))
    })
}

#[napi(catch_unwind)]
pub fn close_cursor(env: &Env, cursor_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    match cursor::CURSORS.get(cursor_id) {
        Ok(cursor) => off_thread(env, Some(cursor.conn_id), move || cursor::close(cursor_id)),
        Err(_) => off_thread(env, None, move || cursor::close(cursor_id)),
    }
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
