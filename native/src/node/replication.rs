//! Replication exports for embedded replicas: sync, wait for a frame, replication indices.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::call::off_thread;

use super::js;
use crate::errors::LibError;
use crate::replication;

#[napi(object)]
pub struct SyncResult {
    pub frame_no: Option<f64>,
    pub frames_synced: f64,
}

fn synced(s: replication::Synced) -> SyncResult {
    SyncResult {
        frame_no: s.frame_no.map(|n| n as f64),
        frames_synced: s.frames_synced as f64,
    }
}

#[napi(catch_unwind)]
pub fn sync(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, SyncResult>> {
    off_thread(env, Some(conn_id), move || async move {
        replication::sync(conn_id).await.map(synced)
    })
}

#[napi(catch_unwind)]
pub fn sync_until(
    env: &Env,
    conn_id: u32,
    frame_no: f64,
) -> napi::Result<PromiseRaw<'_, SyncResult>> {
    if !(frame_no >= 0.0 && frame_no.fract() == 0.0) {
        return js(Err(LibError::invalid_argument(
            "frameNo must be a non-negative integer",
        )));
    }
    off_thread(env, Some(conn_id), move || async move {
        replication::sync_until(conn_id, frame_no as u64)
            .await
            .map(synced)
    })
}

#[napi(catch_unwind)]
pub fn flush_replicator(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, Option<f64>>> {
    off_thread(env, Some(conn_id), move || async move {
        replication::flush_replicator(conn_id)
            .await
            .map(|n| n.map(|n| n as f64))
    })
}

#[napi(catch_unwind)]
pub fn replication_index(env: &Env, conn_id: u32) -> napi::Result<PromiseRaw<'_, Option<f64>>> {
    off_thread(env, Some(conn_id), move || async move {
        replication::replication_index(conn_id)
            .await
            .map(|n| n.map(|n| n as f64))
    })
}

#[napi(catch_unwind)]
pub fn max_write_replication_index(conn_id: u32) -> napi::Result<Option<f64>> {
    js(replication::max_write_replication_index(conn_id)).map(|n| n.map(|n| n as f64))
}
