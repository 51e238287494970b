//! Conversion between JavaScript values and the core's Rust values. Runs on the JavaScript thread,
//! and only here: arguments are converted before the work leaves the thread, results after it
//! comes back.
//!
//! Binding rules: null and undefined → NULL; booleans → 1/0; a number that is an integer within
//! ±(2^53 - 1) → INTEGER, any other finite number or ±Infinity → REAL, NaN → error; a BigInt →
//! INTEGER (error outside the signed 64-bit range); a string → TEXT; a Buffer, Uint8Array or
//! ArrayBuffer → BLOB; anything else → error.

use std::ffi::c_void;
use std::ptr;

use libsql::Value;
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::sys::{self, ValueType};

use crate::errors::{codes, LibError};
use crate::values::{IntMode, Params, QueryResult};

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            napi::Status::GenericFailure,
            LibError::new(codes::INTERNAL, format!("N-API call failed: {what}")).encode(),
        ))
    }
}

fn invalid_param(message: String) -> napi::Error {
    LibError::new(codes::INVALID_PARAM, message).into()
}

unsafe fn type_of(env: sys::napi_env, value: sys::napi_value) -> napi::Result<i32> {
    let mut kind = 0;
    check(sys::napi_typeof(env, value, &mut kind), "typeof")?;
    Ok(kind)
}

/// `f` is a Node-API type check. With napi's `dyn-symbols` feature (on for every target, and
/// always in effect on Windows) those are Rust functions calling symbols loaded at run time.
unsafe fn is(
    env: sys::napi_env,
    value: sys::napi_value,
    f: unsafe fn(sys::napi_env, sys::napi_value, *mut bool) -> sys::napi_status,
) -> napi::Result<bool> {
    let mut result = false;
    check(f(env, value, &mut result), "type check")?;
    Ok(result)
}

unsafe fn string_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<String> {
    let mut len = 0usize;
    check(
        sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len),
        "string length",
    )?;
    let mut buf: Vec<u8> = vec![0; len + 1];
    let mut written = 0usize;
    check(
        sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), len + 1, &mut written),
        "string value",
    )?;
    buf.truncate(written);
    String::from_utf8(buf).map_err(|_| invalid_param("a string was not valid UTF-8".to_owned()))
}

/// Converts one JavaScript value to an SQL value; `place` names it in errors.
unsafe fn to_value(env: sys::napi_env, value: sys::napi_value, place: &str) -> napi::Result<Value> {
    match type_of(env, value)? {
        ValueType::napi_undefined | ValueType::napi_null => Ok(Value::Null),
        ValueType::napi_boolean => {
            let mut b = false;
            check(sys::napi_get_value_bool(env, value, &mut b), "bool")?;
            Ok(Value::Integer(i64::from(b)))
        }
        ValueType::napi_number => {
            let mut n = 0f64;
            check(sys::napi_get_value_double(env, value, &mut n), "number")?;
            if n.is_nan() {
                return Err(invalid_param(format!(
                    "{place} is NaN, which SQLite cannot store (it would become NULL)"
                )));
            }
            if n.fract() == 0.0 && n.abs() <= crate::values::MAX_SAFE_INTEGER as f64 {
                Ok(Value::Integer(n as i64))
            } else {
                Ok(Value::Real(n))
            }
        }
        ValueType::napi_bigint => {
            let mut n = 0i64;
            let mut lossless = false;
            check(
                sys::napi_get_value_bigint_int64(env, value, &mut n, &mut lossless),
                "bigint",
            )?;
            if !lossless {
                return Err(invalid_param(format!(
                    "{place} is a BigInt outside the signed 64-bit range of an SQLite INTEGER"
                )));
            }
            Ok(Value::Integer(n))
        }
        ValueType::napi_string => Ok(Value::Text(string_value(env, value)?)),
        ValueType::napi_object => {
            if is(env, value, sys::napi_is_typedarray)? {
                let mut kind = 0;
                let mut length = 0usize;
                let mut data: *mut c_void = ptr::null_mut();
                let mut buffer = ptr::null_mut();
                let mut offset = 0usize;
                check(
                    sys::napi_get_typedarray_info(
                        env,
                        value,
                        &mut kind,
                        &mut length,
                        &mut data,
                        &mut buffer,
                        &mut offset,
                    ),
                    "typed array",
                )?;
                if kind != sys::TypedarrayType::uint8_array
                    && kind != sys::TypedarrayType::uint8_clamped_array
                    && kind != sys::TypedarrayType::int8_array
                {
                    return Err(invalid_param(format!(
                        "{place} is a typed array of wider elements; pass a Buffer or Uint8Array for a BLOB"
                    )));
                }
                let bytes = if length == 0 || data.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(data as *const u8, length).to_vec()
                };
                return Ok(Value::Blob(bytes));
            }
            if is(env, value, sys::napi_is_arraybuffer)? {
                let mut data: *mut c_void = ptr::null_mut();
                let mut length = 0usize;
                check(
                    sys::napi_get_arraybuffer_info(env, value, &mut data, &mut length),
                    "array buffer",
                )?;
                let bytes = if length == 0 || data.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(data as *const u8, length).to_vec()
                };
                return Ok(Value::Blob(bytes));
            }
            if is(env, value, sys::napi_is_date)? {
                return Err(invalid_param(format!(
                    "{place} is a Date; convert it first (for example with toISOString() or getTime())"
                )));
            }
            Err(invalid_param(format!(
                "{place} is an object; only null, booleans, numbers, BigInts, strings, Buffers and Uint8Arrays can be bound"
            )))
        }
        _ => Err(invalid_param(format!(
            "{place} has a type that cannot be bound (symbols and functions are not SQL values)"
        ))),
    }
}

unsafe fn array_values(env: sys::napi_env, array: sys::napi_value) -> napi::Result<Vec<Value>> {
    let mut len = 0u32;
    check(
        sys::napi_get_array_length(env, array, &mut len),
        "array length",
    )?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut item = ptr::null_mut();
        check(
            sys::napi_get_element(env, array, i, &mut item),
            "array element",
        )?;
        out.push(to_value(env, item, &format!("parameter {}", i + 1))?);
    }
    Ok(out)
}

/// Statement parameters from JavaScript: an array (positional), an object (named), or nothing.
#[derive(Debug, Default)]
pub struct JsParams(pub Params);

impl TypeName for JsParams {
    fn type_name() -> &'static str {
        "Params"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl ValidateNapiValue for JsParams {}

impl FromNapiValue for JsParams {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        match type_of(env, value)? {
            ValueType::napi_undefined | ValueType::napi_null => Ok(JsParams(Params::None)),
            ValueType::napi_object => {
                if is(env, value, sys::napi_is_array)? {
                    return Ok(JsParams(Params::Positional(array_values(env, value)?)));
                }
                if is(env, value, sys::napi_is_typedarray)? || is(env, value, sys::napi_is_buffer)?
                {
                    return Err(invalid_param(
                        "parameters must be an array or a plain object, not a single Buffer"
                            .to_owned(),
                    ));
                }
                let mut keys = ptr::null_mut();
                check(
                    sys::napi_get_all_property_names(
                        env,
                        value,
                        sys::KeyCollectionMode::own_only,
                        sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                        sys::KeyConversion::numbers_to_strings,
                        &mut keys,
                    ),
                    "property names",
                )?;
                let mut len = 0u32;
                check(sys::napi_get_array_length(env, keys, &mut len), "key count")?;
                let mut named = Vec::with_capacity(len as usize);
                for i in 0..len {
                    let mut key = ptr::null_mut();
                    check(sys::napi_get_element(env, keys, i, &mut key), "key")?;
                    let name = string_value(env, key)?;
                    let mut item = ptr::null_mut();
                    check(
                        sys::napi_get_property(env, value, key, &mut item),
                        "property",
                    )?;
                    let converted = to_value(env, item, &format!("parameter {name:?}"))?;
                    named.push((name, converted));
                }
                Ok(JsParams(Params::Named(named)))
            }
            _ => Err(invalid_param(
                "parameters must be an array (positional) or an object (named)".to_owned(),
            )),
        }
    }
}

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
