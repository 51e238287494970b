//! Large results, handed to JavaScript a page at a time. Turning rows into JavaScript values has to
//! happen on the JavaScript thread; for a result of tens of thousands of rows that would block the
//! event loop for tens of milliseconds in one go. A statement's result beyond its first page is
//! kept here, and the binding takes it in pages, yielding to the event loop between them.

use std::collections::VecDeque;
use std::sync::LazyLock;

use libsql::Value;
use parking_lot::Mutex;

use crate::cursor::Page;
use crate::registry::Registry;
use crate::values::{IntMode, QueryResult};

use super::convert::{JsPage, JsResult, RowMode};

pub struct PendingRows {
    columns: Vec<String>,
    rows: Mutex<VecDeque<Vec<Value>>>,
    int_mode: IntMode,
    row_mode: RowMode,
}

pub static PENDING: LazyLock<Registry<PendingRows>> =
    LazyLock::new(|| Registry::new("result page"));

/// Shapes a result for JavaScript, keeping all rows beyond the first `page_rows` (0: no paging)
/// for `take`.
pub fn split(
    mut result: QueryResult,
    int_mode: IntMode,
    row_mode: RowMode,
    page_rows: u32,
) -> JsResult {
    let page = page_rows as usize;
    let mut more = None;
    // Without a fresh id (never in practice) every row is converted at once rather than lost.
    if page > 0 && result.rows.len() > page {
        if let Ok(id) = PENDING.reserve() {
            let rest: VecDeque<Vec<Value>> = result.rows.split_off(page).into();
            PENDING.insert_with_id(
                id,
                PendingRows {
                    columns: result.columns.clone(),
                    rows: Mutex::new(rest),
                    int_mode,
                    row_mode,
                },
            );
            more = Some(id);
        }
    }
    JsResult::new(result, int_mode, row_mode, more)
}

/// The next `max_rows` kept rows of a result; the entry is freed once it is empty.
pub fn take(id: u32, max_rows: u32) -> crate::errors::Result<JsPage> {
    let pending = PENDING.get(id)?;
    let (rows, done) = {
        let mut queue = pending.rows.lock();
        let n = (max_rows.max(1) as usize).min(queue.len());
        let rows: Vec<Vec<Value>> = queue.drain(..n).collect();
        (rows, queue.is_empty())
    };
    if done {
        let _ = PENDING.remove(id);
    }
    Ok(JsPage::new(
        Page { rows, done },
        pending.columns.clone(),
        pending.int_mode,
        pending.row_mode,
    ))
}

/// Frees kept rows that will not be taken.
pub fn drop_rows(id: u32) -> crate::errors::Result<()> {
    PENDING.remove(id).map(|_| ())
}
