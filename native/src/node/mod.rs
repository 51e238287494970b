//! The Node.js surface of the native core: every `#[napi]` export lives in this module's children
//! (by concern: `connection`, `statements`, `transactions`, `cursors`, `replication`, `inline`)
//! and only converts arguments and results; the work itself is done by the core modules. A
//! statement, a COMMIT or ROLLBACK, or a savepoint's end may run inline on the JavaScript thread
//! when it is short (`run`, `runStatement`, `endTransaction`, `endSavepoint`, which then give their
//! value itself); everything else runs on the blocking pool and gives a Promise (see `call`). Ids
//! are plain numbers; see `src/native/` for the typed TypeScript view. This file holds what the
//! exports share: the query options and how a result is shaped.

// First the types the exports name: napi-rs's declaration generator learns a type's JavaScript
// name (`JsResult` is `QueryResult`) when it expands the type, so it must see them before the
// exports (a wrong order shows as an undeclared name in src/native/generated.ts).
pub mod convert;
mod open;

pub(crate) mod blocks;
mod call;
pub mod connection;
pub mod cursors;
pub mod inline;
mod pages;
pub mod replication;
pub mod statements;
pub mod transactions;

use napi_derive::napi;

use crate::errors::Result;
use crate::exec::ExecOptions;
use crate::values::IntMode;
use convert::{JsResult, RowMode};

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

/// Query options as the exports take them: a `QueryOptions` object, or the same packed into a
/// number by the TypeScript binding, which is cheaper to read: bits 0–1 the integer mode (0
/// number, 1 bigint, 2 string), bit 2 rows as objects, bits 8 and up the page size.
pub enum JsQueryOptions {
    Object(QueryOptions),
    Packed(u32),
}

impl napi::bindgen_prelude::TypeName for JsQueryOptions {
    fn type_name() -> &'static str {
        "QueryOptions"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl napi::bindgen_prelude::ValidateNapiValue for JsQueryOptions {}

impl napi::bindgen_prelude::FromNapiValue for JsQueryOptions {
    unsafe fn from_napi_value(
        env: napi::sys::napi_env,
        value: napi::sys::napi_value,
    ) -> napi::Result<Self> {
        let mut kind = 0;
        // SAFETY: plain Node-API calls on the JavaScript thread.
        unsafe {
            napi::sys::napi_typeof(env, value, &mut kind);
            if kind == napi::sys::ValueType::napi_number {
                let mut n = 0u32;
                napi::sys::napi_get_value_uint32(env, value, &mut n);
                return Ok(JsQueryOptions::Packed(n));
            }
            QueryOptions::from_napi_value(env, value).map(JsQueryOptions::Object)
        }
    }
}

fn parse_options(options: Option<JsQueryOptions>) -> Result<(ExecOptions, Shape)> {
    let options = match options {
        Some(JsQueryOptions::Packed(bits)) => {
            let int_mode = match bits & 3 {
                0 => IntMode::Number,
                1 => IntMode::BigInt,
                2 => IntMode::String,
                _ => {
                    return Err(crate::errors::LibError::invalid_argument(
                        "packed query options hold an unknown integer mode",
                    ))
                }
            };
            let row_mode = if bits & 4 != 0 {
                RowMode::Object
            } else {
                RowMode::Array
            };
            return Ok((
                ExecOptions {
                    int_mode,
                    no_cache: false,
                },
                Shape {
                    row_mode,
                    page_rows: bits >> 8,
                },
            ));
        }
        Some(JsQueryOptions::Object(options)) => options,
        None => QueryOptions::default(),
    };
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
