//! The inline path of the native core, without Node: a statement offered to `try_execute` runs on
//! the calling thread when the connection is idle and its kind and history allow, and gives the
//! same result as the off-thread `execute`; a read past the budget and a write that meets another
//! connection's lock are handed back (`Offload`) with their parameters, changing nothing, and then
//! run off the thread as usual.
//!
//! "Another process" is played by a connection to the same file opened from a second database
//! handle: it shares SQLite's file locks but not this process's writer queue, exactly as another
//! process would.

use libsql::Value;
use typeorm_libsql_native::exec::ExecOptions;
use typeorm_libsql_native::inline::Inline;
use typeorm_libsql_native::open::{OpenConfig, Target};
use typeorm_libsql_native::values::{Params, QueryResult};
use typeorm_libsql_native::{close, connection, query};

fn file(path: &str, inline_budget_ms: u32) -> OpenConfig {
    OpenConfig {
        target: Target::File {
            path: path.to_owned(),
            encryption_key: None,
        },
        busy_timeout_ms: 5000,
        statement_cache_size: 64,
        inline_budget_ms,
        normalise_literals: true,
    }
}

async fn exec(conn: u32, sql: &str, params: Params) -> QueryResult {
    query::execute(conn, sql.into(), params, ExecOptions::default())
        .await
        .unwrap()
}

fn text(v: &str) -> Params {
    Params::Positional(vec![Value::Text(v.into())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_runs_inline_with_the_off_thread_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db").to_string_lossy().into_owned();
    let conn = connection::open(file(&path, 1)).await.unwrap();
    exec(
        conn,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)",
        Params::None,
    )
    .await;
    exec(
        conn,
        "INSERT INTO t (v, b) VALUES ('a', x'00'), ('b', NULL)",
        Params::None,
    )
    .await;
    let sql = "SELECT id, v, b, typeof(b) FROM t WHERE id >= ? ORDER BY id";
    let params = Params::Positional(vec![Value::Integer(1)]);
    let off_thread = exec(conn, sql, params.clone()).await;
    match query::try_execute(conn, sql, params, ExecOptions::default()) {
        Inline::Done(result) => assert_eq!(result.unwrap(), off_thread),
        Inline::Offload(_) => panic!("an idle connection's short read should run inline"),
    }
    assert_eq!(connection::inline_stats(conn).unwrap().inline, 1);
    close::close(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_runs_inline_with_a_budget_of_zero() {
    let conn = connection::open(OpenConfig {
        target: Target::Memory,
        ..file("unused", 0)
    })
    .await
    .unwrap();
    assert!(matches!(
        query::try_execute(conn, "SELECT 1", Params::None, ExecOptions::default()),
        Inline::Offload(Params::None)
    ));
    close::close(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_past_the_budget_is_handed_back_and_runs_off_the_thread() {
    let conn = connection::open(OpenConfig {
        target: Target::Memory,
        ..file("unused", 1)
    })
    .await
    .unwrap();
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
               SELECT count(*) FROM c WHERE x > ?";
    let params = Params::Positional(vec![Value::Integer(0)]);
    let Inline::Offload(params) = query::try_execute(conn, sql, params, ExecOptions::default())
    else {
        panic!("millions of rows cannot fit a 1 ms budget");
    };
    assert_eq!(connection::inline_stats(conn).unwrap().over_budget, 1);
    let result = exec(conn, sql, params).await;
    assert_eq!(result.rows, vec![vec![Value::Integer(3_000_000)]]);
    // Its history now sends it straight off the thread.
    assert!(matches!(
        query::try_execute(
            conn,
            sql,
            Params::Positional(vec![Value::Integer(0)]),
            ExecOptions::default()
        ),
        Inline::Offload(_)
    ));
    assert_eq!(connection::inline_stats(conn).unwrap().over_budget, 1);
    close::close(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_meets_another_connections_lock_is_handed_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db").to_string_lossy().into_owned();
    // The largest budget: a write counts as short however fast this machine is.
    let conn = connection::open(file(&path, 1000)).await.unwrap();
    exec(conn, "PRAGMA journal_mode = WAL", Params::None).await;
    // A commit that waits for the disk never runs inline (`inline::durability`).
    exec(conn, "PRAGMA synchronous = NORMAL", Params::None).await;
    exec(
        conn,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        Params::None,
    )
    .await;
    let insert = "INSERT INTO t (v) VALUES (?)";
    // The first run (off the thread) teaches the write's history; the second runs inline.
    exec(conn, insert, text("first")).await;
    assert!(matches!(
        query::try_execute(conn, insert, text("second"), ExecOptions::default()),
        Inline::Done(Ok(_))
    ));

    // Another "process": its own database handle, so its own writer queue.
    let other = connection::open(file(&path, 0)).await.unwrap();
    exec(other, "BEGIN IMMEDIATE", Params::None).await;
    exec(other, insert, text("other")).await;
    let Inline::Offload(params) =
        query::try_execute(conn, insert, text("third"), ExecOptions::default())
    else {
        panic!("the write should meet SQLITE_BUSY and be handed back");
    };
    assert_eq!(connection::inline_stats(conn).unwrap().busy, 1);
    exec(other, "COMMIT", Params::None).await;
    exec(conn, insert, params).await;
    let rows = exec(conn, "SELECT v FROM t ORDER BY id", Params::None)
        .await
        .rows;
    let values: Vec<Value> = rows.into_iter().flatten().collect();
    assert_eq!(
        values,
        ["first", "second", "other", "third"].map(|v| Value::Text(v.into()))
    );
    close::close(other).await.unwrap();
    close::close(conn).await.unwrap();
}
