//! Statement parameters from JavaScript: one value at a time by the binding rules (see the parent
//! module), and the positional (array) or named (object) set of them.

use std::ffi::c_void;
use std::ptr;

use libsql::Value;
use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue};
use napi::sys::{self, ValueType};
use napi_derive::napi;

use super::check;
use crate::errors::{codes, LibError};
use crate::values::Params;

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
