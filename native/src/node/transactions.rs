//! Transaction exports: begin (eager or lazy), commit, rollback and savepoints.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::blocks::Block;
use super::call::settled;
use super::{js, promise_on};
use crate::inline::Inline;
use crate::transaction::{self, Behaviour, End, SavepointOp};

#[napi(catch_unwind)]
pub fn begin(
    env: &Env,
    conn_id: u32,
    #[napi(
        ts_arg_type = "'deferred' | 'immediate' | 'exclusive' | 'read-only' | undefined | null"
    )]
    behaviour: Option<String>,
) -> napi::Result<PromiseRaw<'_, u32>> {
    let behaviour = js(Behaviour::parse(behaviour.as_deref().unwrap_or("deferred")))?;
    promise_on(env, conn_id, move || transaction::begin(conn_id, behaviour))
}

/// Registers a transaction whose BEGIN runs with the connection's next statement; `null` when the
/// connection is busy with another call (then use `begin`). Runs on the calling thread.
#[napi(catch_unwind)]
pub fn begin_lazy(
    conn_id: u32,
    #[napi(
        ts_arg_type = "'deferred' | 'immediate' | 'exclusive' | 'read-only' | undefined | null"
    )]
    behaviour: Option<String>,
) -> napi::Result<Option<u32>> {
    let behaviour = js(Behaviour::parse(behaviour.as_deref().unwrap_or("deferred")))?;
    js(transaction::begin_lazy(conn_id, behaviour))
}

/// Registers a savepoint whose SAVEPOINT runs with the next statement; `false` when the connection
/// is busy with another call (then use `savepoint`).
#[napi(catch_unwind)]
pub fn savepoint_lazy(conn_id: u32, tx_id: u32, name: String) -> napi::Result<bool> {
    js(transaction::savepoint_lazy(conn_id, tx_id, name))
}

#[napi(catch_unwind)]
pub fn commit(env: &Env, conn_id: u32, tx_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    let _block = Block::start();
    match transaction::try_finish(conn_id, tx_id, End::Commit) {
        Inline::Done(result) => {
            super::inline::after_inline();
            settled(env, result)
        }
        Inline::Offload(()) => {
            promise_on(env, conn_id, move || transaction::commit(conn_id, tx_id))
        }
    }
}

#[napi(catch_unwind)]
pub fn rollback(env: &Env, conn_id: u32, tx_id: u32) -> napi::Result<PromiseRaw<'_, ()>> {
    let _block = Block::start();
    match transaction::try_finish(conn_id, tx_id, End::Rollback) {
        Inline::Done(result) => settled(env, result),
        Inline::Offload(()) => {
            promise_on(env, conn_id, move || transaction::rollback(conn_id, tx_id))
        }
    }
}

/// A savepoint operation, inline when the connection is idle and its history says it is short.
fn savepoint_op(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
    op: SavepointOp,
) -> napi::Result<PromiseRaw<'_, ()>> {
    let _block = Block::start();
    match transaction::try_savepoint(conn_id, tx_id, &name, op) {
        Inline::Done(result) => settled(env, result),
        Inline::Offload(()) => promise_on(env, conn_id, move || {
            transaction::savepoint(conn_id, tx_id, name, op)
        }),
    }
}

#[napi(catch_unwind)]
pub fn savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
) -> napi::Result<PromiseRaw<'_, ()>> {
    promise_on(env, conn_id, move || {
        transaction::savepoint(conn_id, tx_id, name, SavepointOp::Create)
    })
}

#[napi(catch_unwind)]
pub fn release_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
) -> napi::Result<PromiseRaw<'_, ()>> {
    savepoint_op(env, conn_id, tx_id, name, SavepointOp::Release)
}

/// `ROLLBACK TO SAVEPOINT name`; with `release`, then `RELEASE SAVEPOINT name` in the same call.
#[napi(catch_unwind)]
pub fn rollback_to_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
    release: Option<bool>,
) -> napi::Result<PromiseRaw<'_, ()>> {
    let op = if release.unwrap_or(false) {
        SavepointOp::RollbackAndRelease
    } else {
        SavepointOp::RollbackTo
    };
    savepoint_op(env, conn_id, tx_id, name, op)
}

#[napi(catch_unwind)]
pub fn current_transaction(conn_id: u32) -> napi::Result<Option<u32>> {
    js(transaction::current(conn_id))
}

#[napi(catch_unwind)]
pub fn savepoints(conn_id: u32, tx_id: u32) -> napi::Result<Vec<String>> {
    js(transaction::savepoints(conn_id, tx_id))
}
