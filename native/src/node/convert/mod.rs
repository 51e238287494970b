//! Conversion between JavaScript values and the core's Rust values. Runs on the JavaScript thread,
//! and only here: arguments are converted before the work leaves the thread, results after it
//! comes back.
//!
//! Binding rules: null and undefined → NULL; booleans → 1/0; a number that is an integer within
//! ±(2^53 - 1) → INTEGER, any other finite number or ±Infinity → REAL, NaN → error; a BigInt →
//! INTEGER (error outside the signed 64-bit range); a string → TEXT; a Buffer, Uint8Array or
//! ArrayBuffer → BLOB; anything else → error.
//!
//! `params` converts arguments (JavaScript → Rust); `results` converts results, rows and pages
//! (Rust → JavaScript), with `shapes` (the functions compiled per result shape). This file holds
//! the N-API helpers they and the rest of `node` share.

mod params;
mod results;
pub mod shapes;

pub use params::{JsParams, SqlValue};
pub use results::{JsPage, JsResult, RowMode};

use std::ptr;

use napi::sys;

use crate::errors::{codes, LibError};

/// An N-API status as a result: anything but `napi_ok` is an internal error naming the call.
pub(crate) fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(LibError::new(codes::INTERNAL, format!("N-API call failed: {what}")).into())
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

unsafe fn array(env: sys::napi_env, len: usize) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        sys::napi_create_array_with_length(env, len, &mut out),
        "create array",
    )?;
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

/// An array of strings (or nulls).
unsafe fn strings<'a>(
    env: sys::napi_env,
    items: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> napi::Result<sys::napi_value> {
    let out = array(env, items.len())?;
    for (i, item) in items.enumerate() {
        let v = match item {
            Some(text) => string(env, text)?,
            None => null(env)?,
        };
        push(env, out, i, v)?;
    }
    Ok(out)
}
