//! One statement of SQL text on a connection (`execute`), through the session prologue and the
//! connection's statement cache.

use crate::errors::Result;
use crate::exec::ExecOptions;
use crate::session;
use crate::values::{Params, QueryResult};
use crate::writer::Work;

/// Runs one SQL statement on a connection, through its statement cache.
pub async fn execute(
    conn_id: u32,
    sql: String,
    params: Params,
    options: ExecOptions,
) -> Result<QueryResult> {
    session::with(conn_id, Work::of_sql(&sql), async |s| {
        s.execute(&sql, params, options).await
    })
    .await
}
