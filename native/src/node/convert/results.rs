//! Results to JavaScript: values by the integer mode, rows as arrays or objects, and the result
//! and page objects (napi objects, so the generated TypeScript declarations describe them).

use std::ptr;

use libsql::Value;
use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::sys;
use napi_derive::napi;

use super::shapes::{self, Shape};
use super::{array, check, null, push, string};
use crate::cursor::Page;
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

unsafe fn object(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(sys::napi_create_object(env, &mut out), "create object")?;
    Ok(out)
}

/// Values passed to one call of a shape's append function (many rows per call).
const VALUES_PER_CALL: usize = 4096;

/// Rows made by a shape's functions, which append many rows per call (their values one after
/// another as arguments) to the array this returns.
unsafe fn shaped_rows(
    env: sys::napi_env,
    shape: Shape,
    rows: &[Vec<Value>],
    int_mode: IntMode,
    row_mode: RowMode,
) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(sys::napi_create_array(env, &mut out), "create array")?;
    let append = match row_mode {
        RowMode::Object => shape.object_row,
        RowMode::Array => shape.array_row,
    };
    let width = rows.first().map_or(0, Vec::len);
    if width == 0 {
        // Rows without columns: one empty row each.
        for _ in rows {
            shapes::call(env, append, &[out])?;
        }
        return Ok(out);
    }
    let per_call = (VALUES_PER_CALL / width).max(1);
    let mut args = Vec::with_capacity(per_call.min(rows.len()) * width + 1);
    for chunk in rows.chunks(per_call) {
        args.clear();
        args.push(out);
        for row in chunk {
            for v in row {
                args.push(value(env, v, int_mode)?);
            }
        }
        shapes::call(env, append, &args)?;
    }
    Ok(out)
}

/// The column names as JavaScript strings (created once per result: V8 internalizes a key the
/// first time it sets it, so the rows after the first find them at once).
unsafe fn column_keys(
    env: sys::napi_env,
    columns: &[String],
) -> napi::Result<Vec<sys::napi_value>> {
    columns.iter().map(|c| string(env, c)).collect()
}

/// Rows as arrays of values, or as objects keyed by column name (`keys`, when given, are the
/// column names already made into strings).
unsafe fn rows(
    env: sys::napi_env,
    columns: &[String],
    keys: Option<&[sys::napi_value]>,
    rows: &[Vec<Value>],
    int_mode: IntMode,
    row_mode: RowMode,
) -> napi::Result<sys::napi_value> {
    let out = array(env, rows.len())?;
    let made;
    let keys = match (row_mode, keys) {
        (RowMode::Array, _) => &[][..],
        (RowMode::Object, Some(keys)) => keys,
        (RowMode::Object, None) => {
            made = column_keys(env, columns)?;
            &made[..]
        }
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

/// Rows for JavaScript: arrays of values in column order, or objects keyed by column name.
pub struct JsRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub int_mode: IntMode,
    pub row_mode: RowMode,
}

impl TypeName for JsRows {
    fn type_name() -> &'static str {
        "Rows"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl ToNapiValue for JsRows {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let _block = crate::node::blocks::Block::start();
        let _page = crate::node::blocks::Page::start();
        if let Some(shape) = shapes::shape(env, &val.columns, &[])? {
            return shaped_rows(env, shape, &val.rows, val.int_mode, val.row_mode);
        }
        rows(
            env,
            &val.columns,
            None,
            &val.rows,
            val.int_mode,
            val.row_mode,
        )
    }
}

/// The last insert rowid as the integer mode asks; in number mode, a BigInt beyond ±(2^53 - 1).
pub struct JsRowid {
    pub id: Option<i64>,
    pub int_mode: IntMode,
}

impl TypeName for JsRowid {
    fn type_name() -> &'static str {
        "Rowid"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl ToNapiValue for JsRowid {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        match val.id {
            Some(id) if val.int_mode == IntMode::Number && !crate::values::is_safe_integer(id) => {
                integer(env, id, IntMode::BigInt)
            }
            Some(id) => integer(env, id, val.int_mode),
            None => null(env),
        }
    }
}

/// A statement's result, shaped for JavaScript (converted by hand, with interned keys).
#[napi(
    object,
    object_from_js = false,
    object_to_js = false,
    js_name = "QueryResult"
)]
pub struct JsResult {
    pub columns: Vec<String>,
    pub column_types: Vec<Option<String>>,
    #[napi(ts_type = "unknown[]")]
    pub rows: JsRows,
    pub rows_affected: f64,
    #[napi(ts_type = "number | bigint | string | null")]
    pub last_insert_rowid: JsRowid,
    /// Present when rows beyond the first page wait natively for `takeRows` under this id.
    pub more: Option<u32>,
}

impl JsResult {
    pub fn new(
        result: QueryResult,
        int_mode: IntMode,
        row_mode: RowMode,
        more: Option<u32>,
    ) -> Self {
        let QueryResult {
            columns,
            column_types,
            rows,
            rows_affected,
            last_insert_rowid,
        } = result;
        JsResult {
            columns: columns.clone(),
            column_types,
            rows: JsRows {
                columns,
                rows,
                int_mode,
                row_mode,
            },
            rows_affected: rows_affected as f64,
            last_insert_rowid: JsRowid {
                id: last_insert_rowid,
                int_mode,
            },
            more,
        }
    }
}

/// Sets a property named by a static NUL-terminated name (V8 finds the internalized name
/// without creating a string).
unsafe fn set(
    env: sys::napi_env,
    obj: sys::napi_value,
    name: &std::ffi::CStr,
    value: sys::napi_value,
) -> napi::Result<()> {
    check(
        sys::napi_set_named_property(env, obj, name.as_ptr(), value),
        "set property",
    )
}

impl ToNapiValue for JsResult {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let _block = crate::node::blocks::Block::start();
        if let Some(shape) = shapes::shape(env, &val.columns, &val.column_types)? {
            let r = &val.rows;
            let page = crate::node::blocks::Page::start();
            let rows = shaped_rows(env, shape, &r.rows, r.int_mode, r.row_mode)?;
            drop(page);
            let more = match val.more {
                Some(more) => double(env, f64::from(more))?,
                None => {
                    let mut undefined = ptr::null_mut();
                    check(sys::napi_get_undefined(env, &mut undefined), "undefined")?;
                    undefined
                }
            };
            let args = [
                rows,
                double(env, val.rows_affected)?,
                JsRowid::to_napi_value(env, val.last_insert_rowid)?,
                more,
            ];
            return shapes::call(env, shape.result, &args);
        }
        let obj = object(env)?;
        let keys = column_keys(env, &val.columns)?;
        let columns = array(env, keys.len())?;
        for (i, name) in keys.iter().enumerate() {
            push(env, columns, i, *name)?;
        }
        set(env, obj, c"columns", columns)?;
        let types = array(env, val.column_types.len())?;
        for (i, name) in val.column_types.iter().enumerate() {
            let v = match name {
                Some(name) => string(env, name)?,
                None => null(env)?,
            };
            push(env, types, i, v)?;
        }
        set(env, obj, c"columnTypes", types)?;
        let r = &val.rows;
        let rows = rows(
            env,
            &r.columns,
            Some(&keys),
            &r.rows,
            r.int_mode,
            r.row_mode,
        )?;
        set(env, obj, c"rows", rows)?;
        set(env, obj, c"rowsAffected", double(env, val.rows_affected)?)?;
        set(
            env,
            obj,
            c"lastInsertRowid",
            JsRowid::to_napi_value(env, val.last_insert_rowid)?,
        )?;
        if let Some(more) = val.more {
            set(env, obj, c"more", double(env, f64::from(more))?)?;
        }
        Ok(obj)
    }
}

/// A page of rows: of a cursor, or of a result that came back with `more`.
#[napi(object, object_from_js = false, js_name = "RowsPage")]
pub struct JsPage {
    #[napi(ts_type = "unknown[]")]
    pub rows: JsRows,
    /// Whether no rows are left.
    pub done: bool,
}

impl JsPage {
    pub fn new(page: Page, columns: Vec<String>, int_mode: IntMode, row_mode: RowMode) -> Self {
        JsPage {
            rows: JsRows {
                columns,
                rows: page.rows,
                int_mode,
                row_mode,
            },
            done: page.done,
        }
    }
}
