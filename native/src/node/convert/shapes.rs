//! Result shapes: building result objects and rows in JavaScript rather than property by property
//! through Node-API, where each property set costs a trip through V8's generic property code
//! (thousands of instructions). The TypeScript binding registers a function (`setResultShapes`)
//! that, given a result's column names and declared types, returns three functions compiled for
//! that shape: one appending a row object to an array, one appending a row array, and one making
//! the result object. Rows are then made by one call per row with the row's values as
//! arguments, and the result by one call.
//!
//! Shapes are kept per JavaScript thread, keyed by column names and types (bounded; emptied when
//! full). Without a registered function (the addon used without the TypeScript binding), results
//! are built property by property as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr;

use napi::sys;

use super::{check, strings};

/// Shapes kept per JavaScript thread before the table is emptied.
const CAPACITY: usize = 1024;

/// The functions compiled for one shape.
#[derive(Clone, Copy)]
pub struct Shape {
    /// `(rows, v0, v1, …) => void`: appends `{ [column]: value, … }` to `rows`.
    pub object_row: sys::napi_value,
    /// `(rows, v0, v1, …) => void`: appends `[v0, v1, …]` to `rows`.
    pub array_row: sys::napi_value,
    /// `(rows, rowsAffected, lastInsertRowid, more) => result`.
    pub result: sys::napi_value,
}

struct Entry {
    columns: Vec<String>,
    types: Vec<Option<String>>,
    /// The three functions, each held by a reference.
    functions: [sys::napi_ref; 3],
}

struct Shapes {
    env: sys::napi_env,
    /// The registered shape maker, held by a reference.
    maker: sys::napi_ref,
    entries: HashMap<u64, Vec<Entry>>,
    count: usize,
}

thread_local! {
    static SHAPES: RefCell<Shapes> = RefCell::new(Shapes {
        env: ptr::null_mut(),
        maker: ptr::null_mut(),
        entries: HashMap::new(),
        count: 0,
    });
}

unsafe extern "C" fn forget(_arg: *mut std::ffi::c_void) {
    SHAPES.with(|shapes| {
        let mut shapes = shapes.borrow_mut();
        shapes.env = ptr::null_mut();
        shapes.maker = ptr::null_mut();
        shapes.entries.clear();
        shapes.count = 0;
    });
}

/// Registers the shape maker of this JavaScript thread's environment.
///
/// # Safety
/// `env` is the live environment of the calling (JavaScript) thread and `maker` a function value
/// of it.
pub unsafe fn register(env: sys::napi_env, maker: sys::napi_value) -> napi::Result<()> {
    SHAPES.with(|shapes| {
        let mut shapes = shapes.borrow_mut();
        if shapes.env == env && !shapes.maker.is_null() {
            // SAFETY: the reference this table created in this environment.
            unsafe { sys::napi_delete_reference(env, shapes.maker) };
        } else if shapes.env != env {
            // SAFETY: registers a plain function that only empties this thread's table.
            unsafe { sys::napi_add_env_cleanup_hook(env, Some(forget), ptr::null_mut()) };
        }
        shapes.env = env;
        shapes.entries.clear();
        shapes.count = 0;
        let mut reference = ptr::null_mut();
        // SAFETY: a function value of this environment.
        check(
            unsafe { sys::napi_create_reference(env, maker, 1, &mut reference) },
            "create reference",
        )?;
        shapes.maker = reference;
        Ok(())
    })
}

fn reference_value(env: sys::napi_env, reference: sys::napi_ref) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a live reference of this environment.
    check(
        unsafe { sys::napi_get_reference_value(env, reference, &mut out) },
        "reference value",
    )?;
    Ok(out)
}

unsafe fn element(
    env: sys::napi_env,
    array: sys::napi_value,
    at: u32,
) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: a plain Node-API call on the JavaScript thread.
    check(
        unsafe { sys::napi_get_element(env, array, at, &mut out) },
        "element",
    )?;
    Ok(out)
}

fn shape_of(env: sys::napi_env, functions: &[sys::napi_ref; 3]) -> napi::Result<Shape> {
    Ok(Shape {
        object_row: reference_value(env, functions[0])?,
        array_row: reference_value(env, functions[1])?,
        result: reference_value(env, functions[2])?,
    })
}

/// FNV-1a over the column names and types (a hash for a small table, not for adversaries: a
/// collision only costs a comparison).
fn hash(columns: &[String], types: &[Option<String>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for c in columns {
        eat(c.as_bytes());
    }
    for t in types {
        eat(t.as_deref().unwrap_or("\0").as_bytes());
    }
    h
}

/// The shape of a result with these columns, or `None` when no maker is registered.
///
/// # Safety
/// `env` is the live environment of the calling (JavaScript) thread.
pub unsafe fn shape(
    env: sys::napi_env,
    columns: &[String],
    types: &[Option<String>],
) -> napi::Result<Option<Shape>> {
    SHAPES.with(|shapes| {
        let mut shapes = shapes.borrow_mut();
        if shapes.env != env || shapes.maker.is_null() {
            return Ok(None);
        }
        let hash = hash(columns, types);
        if let Some(found) = shapes.entries.get(&hash).and_then(|list| {
            list.iter()
                .find(|e| e.columns == columns && e.types == types)
        }) {
            return shape_of(env, &found.functions).map(Some);
        }
        if shapes.count >= CAPACITY {
            for (_, list) in shapes.entries.drain() {
                for entry in list {
                    for reference in entry.functions {
                        // SAFETY: references this table created in this environment.
                        unsafe { sys::napi_delete_reference(env, reference) };
                    }
                }
            }
            shapes.count = 0;
        }
        let maker = reference_value(env, shapes.maker)?;
        // SAFETY: plain Node-API calls on the JavaScript thread.
        let array = unsafe { make(env, maker, columns, types) }?;
        let mut functions = [ptr::null_mut(); 3];
        for (at, slot) in functions.iter_mut().enumerate() {
            // SAFETY: the functions the maker returned, in this environment.
            unsafe {
                let function = element(env, array, at as u32)?;
                check(
                    sys::napi_create_reference(env, function, 1, slot),
                    "create reference",
                )?;
            }
        }
        let shape = shape_of(env, &functions)?;
        shapes.entries.entry(hash).or_default().push(Entry {
            columns: columns.to_vec(),
            types: types.to_vec(),
            functions,
        });
        shapes.count += 1;
        Ok(Some(shape))
    })
}

/// Calls the maker with the column names and types.
unsafe fn make(
    env: sys::napi_env,
    maker: sys::napi_value,
    columns: &[String],
    types: &[Option<String>],
) -> napi::Result<sys::napi_value> {
    // SAFETY: plain Node-API calls on the JavaScript thread.
    unsafe {
        let names = strings(env, columns.iter().map(|c| Some(c.as_str())))?;
        let kinds = strings(env, types.iter().map(|t| t.as_deref()))?;
        let mut undefined = ptr::null_mut();
        check(sys::napi_get_undefined(env, &mut undefined), "undefined")?;
        let args = [names, kinds];
        let mut out = ptr::null_mut();
        check(
            sys::napi_call_function(env, undefined, maker, args.len(), args.as_ptr(), &mut out),
            "make a result shape",
        )?;
        Ok(out)
    }
}

/// Calls `function` with `args` (the receiver is `undefined`).
///
/// # Safety
/// `env` is the live environment of the calling (JavaScript) thread; `function` and `args` are
/// values of it, valid in the current scope.
pub unsafe fn call(
    env: sys::napi_env,
    function: sys::napi_value,
    args: &[sys::napi_value],
) -> napi::Result<sys::napi_value> {
    let mut undefined = ptr::null_mut();
    let mut out = ptr::null_mut();
    // SAFETY: plain Node-API calls on the JavaScript thread.
    unsafe {
        check(sys::napi_get_undefined(env, &mut undefined), "undefined")?;
        check(
            sys::napi_call_function(
                env,
                undefined,
                function,
                args.len(),
                args.as_ptr(),
                &mut out,
            ),
            "build a result",
        )?;
    }
    Ok(out)
}
