//! Closing a connection: rolls back its open transaction and frees everything it owns (prepared
//! statements, cursors, its transaction's registration). It sits above every module that keeps
//! per-connection handles, so that none of them has to call back into another.

use crate::connection::CONNECTIONS;
use crate::deadline;
use crate::errors::{located, Result};
use crate::{cursor, statement, transaction_state};

/// Closes a connection: rolls back its open transaction and frees its statements and cursors.
pub async fn close(conn_id: u32) -> Result<()> {
    let conn = CONNECTIONS.remove(conn_id)?;
    statement::forget_connection(conn_id);
    cursor::forget_connection(conn_id);
    let tx = conn.transaction.lock().take();
    if let Some(tx_id) = tx {
        transaction_state::forget(tx_id);
    }
    let mut state = conn.ops.lock().await;
    state.cache.clear();
    conn.control.lock().clear();
    if !conn.conn.is_autocommit() {
        let origin = conn.database.origin.as_deref();
        deadline::bounded(&conn, async {
            conn.conn
                .execute("ROLLBACK", ())
                .await
                .map_err(located(origin))
        })
        .await?;
    }
    Ok(())
}
