//! How a native call hands its result to JavaScript. A call that may run inline
//! (`inline_or_off`) gives its value itself when it ran inline (a failure is thrown), and a
//! Promise only when it went off the thread; every other call gives a Promise settled by the
//! JavaScript thread once the blocking pool has done the work (`off_thread`).
//!
//! Off-thread calls share one thread-safe function per JavaScript thread to come back with, rather
//! than creating one per call (which costs a libuv handle opened and closed per call). It keeps the
//! process alive only while calls are in flight. Every stretch of native work on the JavaScript
//! thread (an inline call, turning a result into JavaScript values) is timed by `blocks`.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

use napi::bindgen_prelude::{JsValue, PromiseRaw, ToNapiValue, TypeName};
use napi::{sys, Env};

use super::blocks::Block;
use super::convert::check;
use crate::connection::{self, Conn, CONNECTIONS};
use crate::errors::{codes, LibError, Result};
use crate::inline::Inline;
use crate::runtime;

/// What a finished off-thread call runs on the JavaScript thread: settles its Promise.
type Settle = Box<dyn FnOnce(sys::napi_env) + Send>;

/// The shared thread-safe function of this JavaScript thread, and its calls in flight.
#[derive(Clone, Copy)]
struct Completions {
    tsfn: sys::napi_threadsafe_function,
    env: sys::napi_env,
}

thread_local! {
    static COMPLETIONS: Cell<Option<Completions>> = const { Cell::new(None) };
    static IN_FLIGHT: Cell<u32> = const { Cell::new(0) };
}

/// A pointer that crosses to the blocking pool and back without being used there.
struct SendPtr<T>(*mut T);
// SAFETY: only carried across threads; dereferenced on the JavaScript thread that created it.
unsafe impl<T> Send for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so that closures capture the whole `Send` wrapper).
    fn get(&self) -> *mut T {
        self.0
    }
}

unsafe extern "C" fn on_complete(
    env: sys::napi_env,
    _js: sys::napi_value,
    _context: *mut c_void,
    data: *mut c_void,
) {
    if data.is_null() {
        return;
    }
    // SAFETY: `data` is the `Box<Settle>` `off_thread` sent, handed over exactly once.
    let settle = unsafe { Box::from_raw(data.cast::<Settle>()) };
    if env.is_null() {
        // The environment is shutting down: nothing is left to settle.
        return;
    }
    settle(env);
    let left = IN_FLIGHT.with(|n| {
        let left = n.get().saturating_sub(1);
        n.set(left);
        left
    });
    if left == 0 {
        if let Some(c) = COMPLETIONS.with(Cell::get) {
            // SAFETY: on the thread that owns the thread-safe function.
            unsafe { sys::napi_unref_threadsafe_function(env, c.tsfn) };
        }
    }
}

unsafe extern "C" fn on_env_cleanup(_arg: *mut c_void) {
    COMPLETIONS.with(|c| c.set(None));
    IN_FLIGHT.with(|n| n.set(0));
}

/// This thread's shared thread-safe function, created on first use, counting one more call in
/// flight (and keeping the process alive while any is).
fn completions(env: sys::napi_env) -> napi::Result<Completions> {
    let current = COMPLETIONS.with(Cell::get).filter(|c| c.env == env);
    let c = match current {
        Some(c) => c,
        None => {
            let mut name = ptr::null_mut();
            let mut tsfn = ptr::null_mut();
            // SAFETY: plain N-API calls on the JavaScript thread.
            unsafe {
                check(
                    sys::napi_create_string_utf8(env, c"typeorm-libsql".as_ptr(), 14, &mut name),
                    "create string",
                )?;
                check(
                    sys::napi_create_threadsafe_function(
                        env,
                        ptr::null_mut(),
                        ptr::null_mut(),
                        name,
                        0,
                        1,
                        ptr::null_mut(),
                        None,
                        ptr::null_mut(),
                        Some(on_complete),
                        &mut tsfn,
                    ),
                    "create threadsafe function",
                )?;
                check(
                    sys::napi_unref_threadsafe_function(env, tsfn),
                    "unref threadsafe function",
                )?;
                sys::napi_add_env_cleanup_hook(env, Some(on_env_cleanup), ptr::null_mut());
            }
            let c = Completions { tsfn, env };
            COMPLETIONS.with(|slot| slot.set(Some(c)));
            IN_FLIGHT.with(|n| n.set(0));
            c
        }
    };
    let before = IN_FLIGHT.with(|n| {
        let before = n.get();
        n.set(before + 1);
        before
    });
    if before == 0 {
        // SAFETY: on the thread that owns the thread-safe function.
        check(
            unsafe { sys::napi_ref_threadsafe_function(env, c.tsfn) },
            "ref threadsafe function",
        )?;
    }
    Ok(c)
}

fn new_promise(env: sys::napi_env) -> napi::Result<(sys::napi_deferred, sys::napi_value)> {
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: a plain N-API call on the JavaScript thread.
    check(
        unsafe { sys::napi_create_promise(env, &mut deferred, &mut promise) },
        "create promise",
    )?;
    Ok((deferred, promise))
}

/// Settles `deferred` with `result`, converting the value here (on the JavaScript thread).
fn settle<T: ToNapiValue>(env: sys::napi_env, deferred: sys::napi_deferred, result: Result<T>) {
    let converted = match result {
        // SAFETY: converting on the JavaScript thread with its live environment.
        Ok(value) => runtime::catch_panic(|| {
            unsafe { T::to_napi_value(env, value) }
                .map_err(|e| LibError::new(codes::INTERNAL, e.reason.clone()))
        }),
        Err(err) => Err(err),
    };
    // SAFETY: `deferred` is settled exactly once, on the JavaScript thread that created it.
    unsafe {
        match converted {
            Ok(value) => sys::napi_resolve_deferred(env, deferred, value),
            Err(err) => {
                let error = napi::JsError::from(napi::Error::from(err)).into_value(env);
                sys::napi_reject_deferred(env, deferred, error)
            }
        };
    }
}

/// Runs `work` on the runtime's blocking pool and settles a Promise with its result back on the
/// JavaScript thread. `conn_id` names the connection the work is for: while it runs, that
/// connection runs nothing inline (so no later call overtakes it).
pub fn off_thread<'env, T, F, Fut>(
    env: &'env Env,
    conn_id: Option<u32>,
    work: F,
) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>>,
{
    let raw_env = env.raw();
    let (deferred, promise) = new_promise(raw_env)?;
    let c = completions(raw_env)?;
    let conn: Option<Arc<Conn>> = conn_id.and_then(|id| CONNECTIONS.get(id).ok());
    if let Some(conn) = &conn {
        conn.inline.off_thread_started();
    }
    let deferred = SendPtr(deferred);
    let tsfn = SendPtr(c.tsfn.cast::<c_void>());
    napi::bindgen_prelude::spawn_blocking(move || {
        let handle = tokio::runtime::Handle::current();
        let result = runtime::catch_panic(|| handle.block_on(work()));
        if let Some(conn) = conn {
            conn.inline.off_thread_done();
        }
        let settle_now: Settle = Box::new(move |env| {
            let _block = Block::start();
            settle(env, deferred.get(), result);
        });
        let data = Box::into_raw(Box::new(settle_now));
        // SAFETY: the thread-safe function lives as long as its environment; if that is closing,
        // the call is refused and the result is dropped with it.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                tsfn.get().cast(),
                data.cast(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the call was refused, so `data` was not handed over.
            drop(unsafe { Box::from_raw(data) });
        }
    });
    Ok(PromiseRaw::new(raw_env, promise))
}

/// A value already converted to JavaScript (so that its conversion is timed with the call).
pub struct Converted(sys::napi_value);

impl TypeName for Converted {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl ToNapiValue for Converted {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

/// A call that may run inline, after its `attempt` on this thread (made inside a `Block`): its
/// value itself when it ran inline (its failure is thrown); otherwise `off` runs with the
/// arguments it handed back (`Inline::Offload`) on the blocking pool, and this is a Promise. This
/// saves a Promise and a turn of the microtask queue per inline call. `conn_id` is the connection
/// the call is for (see `off_thread`).
pub fn inline_or_off<T, P, F, Fut>(
    env: &Env,
    conn_id: Option<u32>,
    attempt: Inline<T, P>,
    off: F,
) -> napi::Result<Converted>
where
    T: ToNapiValue + Send + 'static,
    P: Send + 'static,
    F: FnOnce(P) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>>,
{
    match attempt {
        Inline::Done(result) => {
            after_inline();
            let value = result.map_err(napi::Error::from)?;
            // SAFETY: converting on the JavaScript thread with its live environment.
            unsafe { T::to_napi_value(env.raw(), value) }.map(Converted)
        }
        Inline::Offload(args) => {
            off_thread(env, conn_id, move || off(args)).map(|promise| Converted(promise.raw()))
        }
    }
}

/// After a call finished inline: runs the WAL checkpoints inline commits left, on the blocking
/// pool.
fn after_inline() {
    for conn_id in connection::take_due_checkpoints() {
        napi::bindgen_prelude::spawn_blocking(move || {
            let handle = tokio::runtime::Handle::current();
            // A checkpoint that fails is left for the next commit, as SQLite does.
            let _ =
                runtime::catch_panic(|| handle.block_on(connection::run_due_checkpoint(conn_id)));
        });
    }
}
