//! Pinned server streams of remote connections. While a query runner holds a connection for
//! itself beyond one transaction (`connect()`, a migration, `synchronize`, a statement that
//! changed the session such as a PRAGMA), TypeScript pins the connection: every statement then runs
//! on one Hrana stream, one connection on the server, inside and outside transactions, so what a
//! statement sets there holds for the statements after it, as on a file. Unpinning (when the
//! runner gives the connection back) ends that stream on the server.
//!
//! How a stream the server dropped is replaced, its PRAGMAs and attachments set again first, is
//! the `pin_stream` patch of the vendored libsql (see vendor/PATCHES.md; libSQL servers refuse
//! TEMP tables, so there is no TEMP table to lose). Local databases and embedded replicas need
//! nothing here: their connection is the session, and a replica's delegated writes already run on
//! one connection of the primary per replica connection.

use crate::connection::CONNECTIONS;
use crate::deadline;
use crate::errors::{LibError, Result};
use crate::open::Mode;

/// Pins connection `conn_id`'s server stream (remote databases; nothing otherwise).
pub fn pin(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode == Mode::Remote {
        conn.conn.pin_stream();
    }
    Ok(())
}

/// Unpins connection `conn_id`'s server stream and ends it on the server (remote databases;
/// nothing otherwise). Within the request timeout; a stream that cannot be ended is forgotten.
pub async fn unpin(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.get(conn_id)?;
    if conn.database.mode != Mode::Remote {
        return Ok(());
    }
    let _state = conn.ops.lock().await;
    deadline::bounded(&conn, async {
        conn.conn.unpin_stream().await.map_err(LibError::from)
    })
    .await
}
