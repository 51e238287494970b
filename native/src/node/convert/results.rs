//! Results to JavaScript: values by the integer mode, rows as arrays or objects, and the result,
//! batch and cursor-page objects.

use std::ptr;

use libsql::Value;
use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::sys;

use super::check;
use crate::errors::LibError;
use crate::values::{IntMode, QueryResult};

/// How rows are shaped in JavaScript.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowMode {
    #[default]
    Array,
    Object,
}

impl RowMode {
    pub fn parse(text: &str) -> crate::errors::Result<Self> {
        match text {
            "array" => Ok(RowMode::Array),
            "object" => Ok(RowMode::Object),
            other => Err(LibError::invalid_argument(format!(
                "rowMode must be \"array\" or \"object\", not {other:?}"
            ))),
        }
    }
}

unsafe fn null(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(sys::napi_get_null(env, &mut out), "null")?;
    Ok(out)
}

unsafe fn string(env: sys::napi_env, text: &str) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut out),
        "create string",
    )?;
    Ok(out)
}

unsafe fn double(env: sys::napi_env, n: f64) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(sys::napi_create_double(env, n, &mut out), "create number")?;
    Ok(out)
}

/// An integer as the mode asks (number mode values were range-checked by the core).
unsafe fn integer(env: sys::napi_env, n: i64, mode: IntMode) -> napi::Result<sys::napi_value> {
    match mode {
        IntMode::Number => double(env, n as f64),
        IntMode::BigInt => {
            let mut out = ptr::null_mut();
            check(
                sys::napi_create_bigint_int64(env, n, &mut out),
                "create bigint",
            )?;
            Ok(out)
        }
        IntMode::String => string(env, &n.to_string()),
    }
}

unsafe fn value(env: sys::napi_env, v: &Value, mode: IntMode) -> napi::Result<sys::napi_value> {
    match v {
        Value::Null => null(env),
        Value::Integer(n) => integer(env, *n, mode),
        Value::Real(f) => double(env, *f),
        Value::Text(t) => string(env, t),
        Value::Blob(b) => {
            let mut out = ptr::null_mut();
            let mut data = ptr::null_mut();
            check(
                sys::napi_create_buffer_copy(env, b.len(), b.as_ptr().cast(), &mut data, &mut out),
                "create buffer",
            )?;
            Ok(out)
        }
    }
}

unsafe fn array(env: sys::napi_env, len: usize) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        sys::napi_create_array_with_length(env, len, &mut out),
        "create array",
    )?;
    Ok(out)
}

unsafe fn object(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(sys::napi_create_object(env, &mut out), "create object")?;
    Ok(out)
}

unsafe fn set(
    env: sys::napi_env,
    obj: sys::napi_value,
    key: &str,
    v: sys::napi_value,
) -> napi::Result<()> {
    let key = string(env, key)?;
    check(sys::napi_set_property(env, obj, key, v), "set property")
}

unsafe fn push(
    env: sys::napi_env,
    arr: sys::napi_value,
    i: usize,
    v: sys::napi_value,
) -> napi::Result<()> {
    check(sys::napi_set_element(env, arr, i as u32, v), "set element")
}

unsafe fn strings(env: sys::napi_env, items: &[String]) -> napi::Result<sys::napi_value> {
    let arr = array(env, items.len())?;
    for (i, item) in items.iter().enumerate() {
        push(env, arr, i, string(env, item)?)?;
    }
    Ok(arr)
}

unsafe fn optional_strings(
    env: sys::napi_env,
    items: &[Option<String>],
) -> napi::Result<sys::napi_value> {
    let arr = array(env, items.len())?;
    for (i, item) in items.iter().enumerate() {
        let v = match item {
            Some(s) => string(env, s)?,
            None => null(env)?,
        };
        push(env, arr, i, v)?;
    }
    Ok(arr)
}

/// Rows as arrays of values, or as objects keyed by column name.
unsafe fn rows(
    env: sys::napi_env,
    columns: &[String],
    rows: &[Vec<Value>],
    int_mode: IntMode,
    row_mode: RowMode,
) -> napi::Result<sys::napi_value> {
    let out = array(env, rows.len())?;
    let keys = if row_mode == RowMode::Object {
        columns
            .iter()
            .map(|c| string(env, c))
            .collect::<napi::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    for (r, row) in rows.iter().enumerate() {
        let js_row = match row_mode {
            RowMode::Array => {
                let arr = array(env, row.len())?;
                for (i, v) in row.iter().enumerate() {
                    push(env, arr, i, value(env, v, int_mode)?)?;
                }
                arr
            }
            RowMode::Object => {
                let obj = object(env)?;
                for (i, v) in row.iter().enumerate() {
                    if let Some(key) = keys.get(i) {
                        check(
                            sys::napi_set_property(env, obj, *key, value(env, v, int_mode)?),
                            "set column",
                        )?;
                    }
                }
                obj
            }
        };
        push(env, out, r, js_row)?;
    }
    Ok(out)
}

/// A statement's result, shaped for JavaScript.
pub struct JsResult {
    pub result: QueryResult,
    pub int_mode: IntMode,
    pub row_mode: RowMode,
    /// Rows beyond the first page wait in `pages` under this id.
    pub more: Option<u32>,
}

impl TypeName for JsResult {
    fn type_name() -> &'static str {
        "QueryResult"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

unsafe fn result_object(env: sys::napi_env, val: &JsResult) -> napi::Result<sys::napi_value> {
    let r = &val.result;
    let obj = object(env)?;
    set(env, obj, "columns", strings(env, &r.columns)?)?;
    set(
        env,
        obj,
        "columnTypes",
        optional_strings(env, &r.column_types)?,
    )?;
    set(
        env,
        obj,
        "rows",
        rows(env, &r.columns, &r.rows, val.int_mode, val.row_mode)?,
    )?;
    set(
        env,
        obj,
        "rowsAffected",
        double(env, r.rows_affected as f64)?,
    )?;
    let rowid = match r.last_insert_rowid {
        Some(id) if val.int_mode == IntMode::Number && !crate::values::is_safe_integer(id) => {
            integer(env, id, IntMode::BigInt)?
        }
        Some(id) => integer(env, id, val.int_mode)?,
        None => null(env)?,
    };
    set(env, obj, "lastInsertRowid", rowid)?;
    if let Some(id) = val.more {
        set(env, obj, "more", double(env, f64::from(id))?)?;
    }
    Ok(obj)
}

impl ToNapiValue for JsResult {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        result_object(env, &val)
    }
}

/// Several results (from a batch).
pub struct JsResults(pub Vec<JsResult>);

impl TypeName for JsResults {
    fn type_name() -> &'static str {
        "QueryResult[]"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl ToNapiValue for JsResults {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let arr = array(env, val.0.len())?;
        for (i, r) in val.0.iter().enumerate() {
            push(env, arr, i, result_object(env, r)?)?;
        }
        Ok(arr)
    }
}

/// A page of cursor rows.
pub struct JsPage {
    pub page: crate::cursor::Page,
    pub columns: Vec<String>,
    pub int_mode: IntMode,
    pub row_mode: RowMode,
}

impl TypeName for JsPage {
    fn type_name() -> &'static str {
        "CursorPage"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl ToNapiValue for JsPage {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let obj = object(env)?;
        set(
            env,
            obj,
            "rows",
            rows(
                env,
                &val.columns,
                &val.page.rows,
                val.int_mode,
                val.row_mode,
            )?,
        )?;
        let mut done = ptr::null_mut();
        check(
            sys::napi_get_boolean(env, val.page.done, &mut done),
            "boolean",
        )?;
        set(env, obj, "done", done)?;
        Ok(obj)
    }
}
