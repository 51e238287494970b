//! One statement of SQL text on a connection (`execute`), through the session prologue and the
//! connection's statement cache; `try_execute` offers the same call to the inline path first.

use crate::errors::Result;
use crate::exec::ExecOptions;
use crate::inline::{Inline, Kind};
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

/// Runs one SQL statement on the calling thread if the inline path allows it (see `inline`);
/// otherwise hands the parameters back for `execute`.
pub fn try_execute(
    conn_id: u32,
    sql: &str,
    params: Params,
    options: ExecOptions,
) -> Inline<QueryResult, Params> {
    if options.no_cache || Kind::guess(sql) == Kind::Other {
        return Inline::Offload(params);
    }
    session::try_with(conn_id, params, |s, params| {
        let outside = s.outside_transaction();
        let (conn, raw) = (s.conn, s.raw);
        // Integer literals in value positions become parameters (see `literals`); an offloaded
        // call gets the caller's own parameters back, and `execute` does the same again.
        let mut through = s.state.cache.literals.through(conn, sql, params);
        let params = std::mem::take(&mut through.params);
        let sql = &*through.sql;
        let info = match session::cached_now(conn, &mut s.state.cache, sql) {
            Some(cached) => cached.inline,
            None => return Inline::Offload(through.own(params)),
        };
        let histories = &mut s.state.histories;
        match session::run_inline(conn, raw, &info, histories, outside, params, options) {
            Inline::Offload(params) => Inline::Offload(through.own(params)),
            done => done,
        }
    })
}
