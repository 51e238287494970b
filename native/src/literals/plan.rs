//! The per-connection side of literal normalisation (see the parent module): which shapes may run
//! normalised, decided the first time each is seen by comparing SQLite's `EXPLAIN QUERY PLAN` of
//! the statement as written with that of its normalised form (a partial index or an index on an
//! expression can match a literal and not a parameter); and `through`, the one call the statement
//! cache makes before it looks a statement up.
//!
//! Only statements that run on the local SQLite handle are normalised: local files, `:memory:`,
//! and an embedded replica's reads outside a transaction. A remote server (and a replica's
//! primary) gets the statement as written.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::CString;

use libsql::{ffi, Value};

use super::{normalise, Normalised};
use crate::connection::Conn;
use crate::inline::Kind;
use crate::open::Mode;
use crate::raw::{RawDb, RawStmt};
use crate::values::{IntMode, Params, QueryResult};

/// Shapes whose plan was compared, kept per connection (the table is emptied when full).
const MAX_SHAPES: usize = 1024;

/// What a connection knows of the shapes it has seen, and whether it normalises at all.
#[derive(Debug)]
pub struct Shapes {
    on: bool,
    /// Normalised text → whether it runs normalised (its plan matched the statement as written).
    verdicts: HashMap<String, bool>,
}

/// The statement to prepare and the values to bind, for `sql` as the caller gave it.
pub struct Through<'s> {
    pub sql: Cow<'s, str>,
    pub params: Params,
    /// The placeholders when `sql` is normalised (to hand the caller's own values back).
    slots: Option<Vec<Option<i64>>>,
}

impl Through<'_> {
    /// The caller's own parameters out of `params` (as bound for `sql`), for running the statement
    /// elsewhere as the caller wrote it.
    pub fn own(&self, params: Params) -> Params {
        let (Some(slots), Params::Positional(values)) = (&self.slots, &params) else {
            return params;
        };
        let own: Vec<Value> = slots
            .iter()
            .zip(values)
            .filter(|(slot, _)| slot.is_none())
            .map(|(_, value)| value.clone())
            .collect();
        if own.is_empty() {
            Params::None
        } else {
            Params::Positional(own)
        }
    }
}

impl Shapes {
    pub fn new(on: bool) -> Self {
        Self {
            on,
            verdicts: HashMap::new(),
        }
    }

    /// `sql` with its literals as parameters when this connection normalises, runs it locally,
    /// and the shape's plan is the same; otherwise `sql` and `params` unchanged.
    pub fn through<'s>(&mut self, conn: &Conn, sql: &'s str, params: Params) -> Through<'s> {
        let unchanged = |params| Through {
            sql: Cow::Borrowed(sql),
            params,
            slots: None,
        };
        let Some(db) = self.on.then(|| local_handle(conn, sql)).flatten() else {
            return unchanged(params);
        };
        let own = match &params {
            Params::None => &[][..],
            Params::Positional(values) => values.as_slice(),
            Params::Named(_) => return unchanged(params),
        };
        let Some(normalised) = normalise(sql) else {
            return unchanged(params);
        };
        let Some(bound) = normalised.bind(own.to_vec()) else {
            return unchanged(params);
        };
        let runs_normalised = match self.verdicts.get(&normalised.sql) {
            Some(verdict) => *verdict,
            None => {
                // When the statement as written cannot be explained now (an error it will report
                // itself, or a lock), nothing is decided yet.
                let Some(same) = same_plan(db, sql, own, &normalised, &bound) else {
                    return unchanged(params);
                };
                if self.verdicts.len() >= MAX_SHAPES {
                    self.verdicts.clear();
                }
                self.verdicts.insert(normalised.sql.clone(), same);
                same
            }
        };
        if !runs_normalised {
            return unchanged(params);
        }
        Through {
            sql: Cow::Owned(normalised.sql),
            params: Params::Positional(bound),
            slots: Some(normalised.slots),
        }
    }
}

/// The SQLite handle `sql` would run on here, if it runs locally (see the module note).
fn local_handle(conn: &Conn, sql: &str) -> Option<RawDb> {
    match conn.database.mode {
        Mode::Local | Mode::Memory => conn.raw,
        Mode::Replica
            if Kind::guess(sql) == Kind::Read
                && conn.transaction.lock().is_none()
                && conn.conn.is_autocommit() =>
        {
            conn.raw
        }
        _ => None,
    }
}

/// Whether `EXPLAIN QUERY PLAN` gives the same plan for `sql` with `own` bound as for its
/// normalised form with `bound`: `None` when the statement as written cannot be explained, and a
/// normalised form that cannot be explained counts as a different plan.
fn same_plan(
    db: RawDb,
    sql: &str,
    own: &[Value],
    normalised: &Normalised,
    bound: &[Value],
) -> Option<bool> {
    let written = query_plan(db, sql, own)?;
    Some(query_plan(db, &normalised.sql, bound).is_some_and(|p| shape(&p) == shape(&written)))
}

/// A query plan as its steps and their depths in the plan's tree (the rows' ids are addresses in
/// the compiled program, which a literal and a parameter can shift without changing the plan).
fn shape(plan: &QueryResult) -> Vec<(usize, String)> {
    let mut depths: HashMap<i64, usize> = HashMap::new();
    plan.rows
        .iter()
        .map(|row| {
            let int = |i: usize| match row.get(i) {
                Some(Value::Integer(n)) => *n,
                _ => 0,
            };
            let depth = depths.get(&int(1)).map_or(0, |d| d + 1);
            depths.insert(int(0), depth);
            let detail = match row.get(3) {
                Some(Value::Text(text)) => text.clone(),
                _ => String::new(),
            };
            (depth, detail)
        })
        .collect()
}

/// The rows of `EXPLAIN QUERY PLAN sql` with `values` bound.
fn query_plan(db: RawDb, sql: &str, values: &[Value]) -> Option<QueryResult> {
    let text = CString::new(format!("EXPLAIN QUERY PLAN {sql}")).ok()?;
    let mut stmt = std::ptr::null_mut();
    // SAFETY: a valid handle held by the caller; the statement is finalized below.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db.handle(),
            text.as_ptr(),
            -1,
            &mut stmt,
            std::ptr::null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK || stmt.is_null() {
        if !stmt.is_null() {
            // SAFETY: as above.
            unsafe { ffi::sqlite3_finalize(stmt) };
        }
        return None;
    }
    let plan = crate::local::run(db, RawStmt(stmt), values, IntMode::Number, None).ok();
    // SAFETY: the statement prepared above, finalized once.
    unsafe { ffi::sqlite3_finalize(stmt) };
    plan
}
