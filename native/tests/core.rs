//! Integration tests of the native core without Node: the registries, transactions with
//! ownership, batches, cursors and interrupts, on real libSQL databases.

mod probe;

use std::sync::atomic::Ordering;

use libsql::Value;
use typeorm_libsql_native::connection;
use typeorm_libsql_native::errors::codes;
use typeorm_libsql_native::exec::ExecOptions;
use typeorm_libsql_native::open::{OpenConfig, Target};
use typeorm_libsql_native::transaction::{self, Behaviour, SavepointOp};
use typeorm_libsql_native::values::{IntMode, Params};
use typeorm_libsql_native::{batch, close, cursor, query, runtime, statement};

/// The configuration TypeScript would hand the core for `target` with default settings.
fn config(target: Target) -> OpenConfig {
    OpenConfig {
        target,
        busy_timeout_ms: 5000,
        statement_cache_size: 64,
        inline_budget_ms: 1,
        normalise_literals: true,
    }
}

fn memory() -> OpenConfig {
    config(Target::Memory)
}

fn file(path: String) -> OpenConfig {
    config(Target::File {
        path,
        encryption_key: None,
    })
}

async fn exec(conn: u32, sql: &str) -> typeorm_libsql_native::values::QueryResult {
    query::execute(conn, sql.into(), Params::None, ExecOptions::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executes_and_closes() {
    let conn = connection::open(memory()).await.unwrap();
    exec(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").await;
    let inserted = query::execute(
        conn,
        "INSERT INTO t (v) VALUES (?), (?)".into(),
        Params::Positional(vec![Value::Text("a".into()), Value::Text("b".into())]),
        ExecOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(inserted.rows_affected, 2);
    assert_eq!(inserted.last_insert_rowid, Some(2));
    let rows = exec(conn, "SELECT v FROM t ORDER BY id").await;
    assert_eq!(rows.columns, vec!["v"]);
    assert_eq!(
        rows.rows,
        vec![vec![Value::Text("a".into())], vec![Value::Text("b".into())]]
    );
    close::close(conn).await.unwrap();
    let err = query::execute(
        conn,
        "SELECT 1".into(),
        Params::None,
        ExecOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, codes::INVALID_HANDLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_are_owned_by_their_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("own.db").to_string_lossy().into_owned();
    let a = connection::open(file(path.clone())).await.unwrap();
    let b = connection::connect_shared(a).unwrap();
    exec(a, "CREATE TABLE t (v)").await;
    let tx = transaction::begin(a, Behaviour::Immediate).await.unwrap();
    exec(a, "INSERT INTO t VALUES (1)").await;
    let refused = transaction::commit(b, tx).await.unwrap_err();
    assert_eq!(refused.code, codes::TRANSACTION_OWNERSHIP);
    let refused = transaction::savepoint(b, tx, "sp".into(), SavepointOp::Create)
        .await
        .unwrap_err();
    assert_eq!(refused.code, codes::TRANSACTION_OWNERSHIP);
    let bad_name = transaction::savepoint(a, tx, "x; DROP TABLE t".into(), SavepointOp::Create)
        .await
        .unwrap_err();
    assert_eq!(bad_name.code, codes::INVALID_IDENTIFIER);
    transaction::savepoint(a, tx, "sp".into(), SavepointOp::Create)
        .await
        .unwrap();
    exec(a, "INSERT INTO t VALUES (2)").await;
    transaction::savepoint(a, tx, "sp".into(), SavepointOp::RollbackTo)
        .await
        .unwrap();
    transaction::commit(a, tx).await.unwrap();
    let finished = transaction::rollback(a, tx).await.unwrap_err();
    assert_eq!(finished.code, codes::INVALID_HANDLE);
    let rows = exec(b, "SELECT v FROM t").await;
    assert_eq!(rows.rows, vec![vec![Value::Integer(1)]]);
    close::close(a).await.unwrap();
    close::close(b).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_batch_leaves_nothing() {
    let conn = connection::open(memory()).await.unwrap();
    exec(conn, "CREATE TABLE t (v UNIQUE)").await;
    let statements = vec![
        ("INSERT INTO t VALUES (1)".to_owned(), Params::None),
        ("INSERT INTO t VALUES (1)".to_owned(), Params::None),
    ];
    let err = batch::batch(conn, statements, true, ExecOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, "SQLITE_CONSTRAINT_UNIQUE");
    assert_eq!(err.raw_code, Some(2067));
    let rows = exec(conn, "SELECT count(*) FROM t").await;
    assert_eq!(rows.rows, vec![vec![Value::Integer(0)]]);
    close::close(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_are_reused_and_freed() {
    let first = connection::open(memory()).await.unwrap();
    probe::install();
    let conn = connection::open(memory()).await.unwrap();
    exec(conn, "CREATE TABLE reuse_probe (n INTEGER)").await;
    exec(conn, "INSERT INTO reuse_probe VALUES (1)").await;
    let before = probe::COMPILES.load(Ordering::SeqCst);
    let stmt = statement::prepare(conn, "SELECT ? * 2 * n AS doubled FROM reuse_probe".into())
        .await
        .unwrap();
    let prepared = probe::COMPILES.load(Ordering::SeqCst);
    assert!(
        prepared > before,
        "preparing must compile the statement once"
    );
    let info = statement::info(stmt).unwrap();
    assert_eq!(info.columns, vec!["doubled"]);
    assert_eq!(info.parameter_count, 1);
    for i in 0..1000 {
        let result = statement::execute(
            stmt,
            Params::Positional(vec![Value::Integer(i)]),
            ExecOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!(result.rows, vec![vec![Value::Integer(i * 2)]]);
    }
    // 1,000 runs, and SQLite compiled nothing that reads reuse_probe again.
    assert_eq!(probe::COMPILES.load(Ordering::SeqCst), prepared);
    close::close(conn).await.unwrap();
    close::close(first).await.unwrap();
    assert_eq!(
        statement::execute(stmt, Params::None, ExecOptions::default())
            .await
            .unwrap_err()
            .code,
        codes::INVALID_HANDLE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_page_and_check_integer_mode() {
    let conn = connection::open(memory()).await.unwrap();
    let id = cursor::open(
        conn,
        "SELECT value FROM generate_series(1, 25)".into(),
        Params::None,
    )
    .await
    .unwrap();
    let mut seen = 0;
    loop {
        let page = cursor::fetch(id, 10, ExecOptions::default()).await.unwrap();
        seen += page.rows.len();
        if page.done {
            break;
        }
    }
    assert_eq!(seen, 25);
    cursor::close(id).await.unwrap();

    let big = cursor::open(conn, "SELECT 9007199254740993".into(), Params::None)
        .await
        .unwrap();
    let err = cursor::fetch(big, 1, ExecOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, codes::INTEGER_OVERFLOW);
    cursor::close(big).await.unwrap();
    let big = cursor::open(conn, "SELECT 9007199254740993".into(), Params::None)
        .await
        .unwrap();
    let page = cursor::fetch(
        big,
        1,
        ExecOptions {
            int_mode: IntMode::BigInt,
            no_cache: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(page.rows, vec![vec![Value::Integer(9007199254740993)]]);
    close::close(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_stops_a_running_query_off_thread() {
    let first = connection::open(memory()).await.unwrap();
    probe::install();
    let conn = connection::open(memory()).await.unwrap();
    let ticks = probe::TICKS.load(Ordering::SeqCst);
    // As the Node layer does: the query blocks a blocking-pool thread, not an async worker.
    let running = tokio::task::spawn_blocking(move || {
        runtime::catch_panic(|| {
            tokio::runtime::Handle::current().block_on(query::execute(
                conn,
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(probe_tick()) FROM c".into(),
                Params::None,
                ExecOptions::default(),
            ))
        })
    });
    // The query counts its rows through probe_tick(): once the count moves, it is running.
    probe::until_ticks_pass(ticks).await;
    connection::interrupt(conn).unwrap();
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(err.code, "SQLITE_INTERRUPT");
    let after = exec(conn, "SELECT 1").await;
    assert_eq!(after.rows, vec![vec![Value::Integer(1)]]);
    close::close(conn).await.unwrap();
    close::close(first).await.unwrap();
}
