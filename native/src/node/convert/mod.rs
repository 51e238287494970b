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
//! (Rust → JavaScript).

mod params;
mod results;
pub mod shapes;

pub use params::{JsParams, SqlValue};
pub use results::{JsPage, JsResult, RowMode};

use napi::sys;

use crate::errors::{codes, LibError};

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
