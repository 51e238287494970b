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

use napi_derive::napi;

use crate::cursor::Page;
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

unsafe fn is(
    env: sys::napi_env,
    value: sys::napi_value,
    f: unsafe extern "C" fn(sys::napi_env, sys::napi_value, *mut bool) -> sys::napi_status,
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

/// What a statement parameter can be in JavaScript, as `to_value` reads it. Declared for the
/// generated TypeScript types; a `Buffer` is a `Uint8Array`.
#[napi]
pub type SqlValue = napi::bindgen_prelude::Either8<
    napi::bindgen_prelude::Null,
    napi::bindgen_prelude::Undefined,
    bool,
    f64,
    napi::bindgen_prelude::BigInt,
    String,
    napi::bindgen_prelude::Uint8Array,
    napi::bindgen_prelude::ArrayBuffer<'static>,
>;

/// Statement parameters from JavaScript: an array (positional), an object (named), or nothing.
/// Arguments of this type are declared to TypeScript (with `ts_arg_type`) as
/// `ReadonlyArray<SqlValue> | Readonly<Record<string, SqlValue>> | undefined | null`.
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

unsafe fn push(
    env: sys::napi_env,
    arr: sys::napi_value,
    i: usize,
    v: sys::napi_value,
) -> napi::Result<()> {
    check(sys::napi_set_element(env, arr, i as u32, v), "set element")
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
        rows(env, &val.columns, &val.rows, val.int_mode, val.row_mode)
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

/// A statement's result, shaped for JavaScript.
#[napi(object, object_from_js = false, js_name = "QueryResult")]
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
