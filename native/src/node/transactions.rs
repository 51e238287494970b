//! Transaction exports: begin (eager or lazy), the end of a transaction (commit or rollback),
//! savepoints (create, eager or lazy; release; roll back to) and what a connection holds.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::blocks::Block;
use super::call::{inline_or_off, off_thread, Converted};
use super::js;
use crate::errors::LibError;
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
    off_thread(env, Some(conn_id), move || {
        transaction::begin(conn_id, behaviour)
    })
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

/// Commits (`commit` true) or rolls back a transaction: `undefined` when it ran inline (a failure
/// is thrown), or a Promise when it ran off the thread.
#[napi(catch_unwind, ts_return_type = "undefined | Promise<undefined>")]
pub fn end_transaction(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    commit: bool,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let end = if commit { End::Commit } else { End::Rollback };
    inline_or_off(
        env,
        Some(conn_id),
        transaction::try_finish(conn_id, tx_id, end),
        move |()| async move {
            match end {
                End::Commit => transaction::commit(conn_id, tx_id).await,
                End::Rollback => transaction::rollback(conn_id, tx_id).await,
            }
        },
    )
}

#[napi(catch_unwind)]
pub fn savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
) -> napi::Result<PromiseRaw<'_, ()>> {
    off_thread(env, Some(conn_id), move || {
        transaction::savepoint(conn_id, tx_id, name, SavepointOp::Create)
    })
}

/// Releases a savepoint (`rollback` false), or rolls back to it (`rollback` true) and then, unless
/// `release` is false, releases it in the same call (how a nested transaction is undone). Inline
/// on the same terms as `endTransaction`.
#[napi(catch_unwind, ts_return_type = "undefined | Promise<undefined>")]
pub fn end_savepoint(
    env: &Env,
    conn_id: u32,
    tx_id: u32,
    name: String,
    rollback: bool,
    release: Option<bool>,
) -> napi::Result<Converted> {
    let _block = Block::start();
    let op = match (rollback, release.unwrap_or(true)) {
        (false, true) => SavepointOp::Release,
        (true, true) => SavepointOp::RollbackAndRelease,
        (true, false) => SavepointOp::RollbackTo,
        (false, false) => {
            return js(Err(LibError::invalid_argument(
                "endSavepoint needs rollback, release or both",
            )))
        }
    };
    inline_or_off(
        env,
        Some(conn_id),
        transaction::try_savepoint(conn_id, tx_id, &name, op),
        move |()| transaction::savepoint(conn_id, tx_id, name, op),
    )
}

#[napi(catch_unwind)]
pub fn current_transaction(conn_id: u32) -> napi::Result<Option<u32>> {
    js(transaction::current(conn_id))
}

#[napi(catch_unwind)]
pub fn savepoints(conn_id: u32, tx_id: u32) -> napi::Result<Vec<String>> {
    js(transaction::savepoints(conn_id, tx_id))
}
