//! Replication control for embedded replicas: sync from the primary, wait for a frame, flush, and
//! read replication indices. On other modes every call returns a `LIBSQL_UNSUPPORTED` error. A
//! sync is one request to the primary, bounded by the request timeout (`requestTimeoutMs`).

use crate::connection::{Conn, CONNECTIONS};
use crate::errors::{codes, located, LibError, Result};
use crate::network;
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

/// Runs a request of the replicator within the database's request timeout. On timeout the
/// request is dropped: the frames of a transaction it had only partly applied are fetched and
/// applied again by the next sync.
async fn bounded<T>(
    conn: &Conn,
    work: impl std::future::Future<Output = libsql::Result<T>>,
) -> Result<T> {
    let work = async {
        match work.await {
            Ok(value) => Ok(value),
            Err(err) => Err(failure(conn, err).await),
        }
    };
    let outcome = match conn.database.request_timeout {
        None => work.await,
        Some(limit) => tokio::time::timeout(limit, work)
            .await
            .map_err(|_| network::request_timed_out(limit))?,
    };
    outcome.map_err(|err| err.locate(conn.database.origin.as_deref()))
}

/// The error of a failed sync. libsql reports a primary it could not reach only as a failed
/// handshake (the cause is dropped), so the primary is then probed: one that does not accept a
/// connection gives the network code.
async fn failure(conn: &Conn, err: libsql::Error) -> LibError {
    let handshake = matches!(&err, libsql::Error::Replication(inner)
        if inner.to_string().contains("handshake with primary"));
    let err = network::classify(LibError::from(err));
    if !handshake {
        return err;
    }
    let Some((address, limit)) = &conn.database.primary else {
        return err;
    };
    match network::probe(address, *limit).await {
        Ok(()) => err,
        Err(cause) => LibError::new(codes::NETWORK, format!("cannot reach the primary: {cause}"))
            .from_server(),
    }
}

pub async fn sync(conn_id: u32) -> Result<Synced> {
    let conn = replica(conn_id, "sync")?;
    let replicated = bounded(&conn, conn.database.db.sync()).await?;
    Ok(Synced {
        frame_no: replicated.frame_no(),
        frames_synced: replicated.frames_synced() as u64,
    })
}

pub async fn sync_until(conn_id: u32, frame_no: u64) -> Result<Synced> {
    let conn = replica(conn_id, "syncUntil")?;
    let replicated = bounded(&conn, conn.database.db.sync_until(frame_no)).await?;
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
