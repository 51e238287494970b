//! The Node.js surface of the native core: every `#[napi]` export lives in this module's children
//! (by concern: `connection`, `statements`, `transactions`, `cursors`, `replication`) and only
//! converts arguments and results; the work itself is done by the core modules, off the
//! JavaScript thread, through `promise`. Ids are plain numbers; see `src/native/` for the typed
//! TypeScript view. This file holds what the exports share: `promise`, and the query options.

// First the types the exports name: napi-rs's declaration generator learns a type's JavaScript
// name (`JsResult` is `QueryResult`) when it expands the type, so it must see them before the
// exports (a wrong order shows as an undeclared name in src/native/generated.ts).
pub mod convert;
mod open;

pub mod connection;
pub mod cursors;
mod pages;
pub mod replication;
pub mod statements;
pub mod transactions;

use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::errors::Result;
use crate::exec::ExecOptions;
use crate::runtime;
use crate::values::IntMode;
use convert::{JsResult, RowMode};

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
