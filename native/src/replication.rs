//! Replication control for embedded replicas: sync from the primary, wait for a frame, flush, and
//! read replication indices. On other modes every call returns a `LIBSQL_UNSUPPORTED` error.

use crate::connection::CONNECTIONS;
use crate::errors::{located, LibError, Result};
use crate::open::Mode;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    pub frame_no: Option<u64>,
    pub frames_synced: u64,
}

fn replica(conn_id: u32, what: &str) -> Result<std::sync::Arc<crate::connection::Conn>> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode != Mode::Replica {
        return Err(LibError::unsupported(format!(
            "{what} needs an embedded replica (open with syncUrl); this connection is {}",
            conn.database.mode.name()
        )));
    }
    Ok(conn)
}

pub async fn sync(conn_id: u32) -> Result<Synced> {
    let conn = replica(conn_id, "sync")?;
    let replicated = conn
        .database
        .db
        .sync()
        .await
        .map_err(located(conn.database.origin.as_deref()))?;
    Ok(Synced {
        frame_no: replicated.frame_no(),
        frames_synced: replicated.frames_synced() as u64,
    })
}

pub async fn sync_until(conn_id: u32, frame_no: u64) -> Result<Synced> {
    let conn = replica(conn_id, "syncUntil")?;
    let replicated = conn
        .database
        .db
        .sync_until(frame_no)
        .await
        .map_err(located(conn.database.origin.as_deref()))?;
    Ok(Synced {
        frame_no: replicated.frame_no(),
        frames_synced: replicated.frames_synced() as u64,
    })
}

pub async fn flush_replicator(conn_id: u32) -> Result<Option<u64>> {
    let conn = replica(conn_id, "flushReplicator")?;
    conn.database
        .db
        .flush_replicator()
        .await
        .map_err(located(conn.database.origin.as_deref()))
}

pub async fn replication_index(conn_id: u32) -> Result<Option<u64>> {
    let conn = replica(conn_id, "replicationIndex")?;
    conn.database
        .db
        .replication_index()
        .await
        .map_err(located(conn.database.origin.as_deref()))
}

pub fn max_write_replication_index(conn_id: u32) -> Result<Option<u64>> {
    let conn = replica(conn_id, "maxWriteReplicationIndex")?;
    Ok(conn.database.db.max_write_replication_index())
}
