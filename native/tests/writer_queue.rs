//! The writer queue, on every write path: an autocommit statement, a prepared statement, a batch
//! with and without a transaction, a script with and without a transaction, and a write through a
//! cursor. Each must wait in this process's writer queue behind another connection's write
//! transaction on the same file, instead of going to SQLite and sleeping in its busy handler.
//!
//! How the tests tell the two apart: the writing connection has SQLite's busy handler switched
//! off (an SQLite busy timeout of 0; its writer-queue timeout stays at the default 5 s). While the
//! other connection holds a write transaction, a write that skipped the queue reaches SQLite and
//! fails at once with `SQLITE_BUSY`; a write that queued is counted by `writer::waits`, and
//! succeeds once the transaction commits.

use std::time::Duration;

use libsql::Value;
use typeorm_libsql_native::errors::{LibError, Result};
use typeorm_libsql_native::exec::ExecOptions;
use typeorm_libsql_native::open::{OpenConfig, Target};
use typeorm_libsql_native::transaction::{self, Behaviour};
use typeorm_libsql_native::values::Params;
use typeorm_libsql_native::{batch, close, connection, cursor, query, statement, writer};

/// The write paths under test.
#[derive(Debug, Clone, Copy)]
enum Path {
    Autocommit,
    Prepared,
    Batch,
    TransactionalBatch,
    Script,
    TransactionalScript,
    Cursor,
}

const INSERT: &str = "INSERT INTO t (v) VALUES (?)";

fn value(path: Path) -> Params {
    Params::Positional(vec![Value::Text(format!("{path:?}"))])
}

/// Writes one row whose value names `path`, through that path, on connection `conn`.
async fn write(path: Path, conn: u32) -> Result<()> {
    let options = ExecOptions::default();
    match path {
        Path::Autocommit => {
            query::execute(conn, INSERT.into(), value(path), options).await?;
        }
        Path::Prepared => {
            let stmt = statement::prepare(conn, INSERT.into()).await?;
            let outcome = statement::execute(stmt, value(path), options).await;
            statement::finalize(stmt).await?;
            outcome?;
        }
        Path::Batch | Path::TransactionalBatch => {
            let transactional = matches!(path, Path::TransactionalBatch);
            let statements = vec![
                ("SELECT count(*) FROM t".to_owned(), Params::None),
                (INSERT.to_owned(), value(path)),
            ];
            batch::batch(conn, statements, transactional, options).await?;
        }
        Path::Script | Path::TransactionalScript => {
            let transactional = matches!(path, Path::TransactionalScript);
            let sql = format!("SELECT 1; INSERT INTO t (v) VALUES ('{path:?}');");
            batch::execute_script(conn, sql, transactional).await?;
        }
        Path::Cursor => {
            let id = cursor::open(conn, format!("{INSERT} RETURNING v"), value(path)).await?;
            let outcome = async {
                while !cursor::fetch(id, 10, options).await?.done {}
                Ok::<(), LibError>(())
            }
            .await;
            cursor::close(id).await?;
            outcome?;
        }
    }
    Ok(())
}

struct Pair {
    _dir: tempfile::TempDir,
    /// Holds the write transaction.
    holder: u32,
    /// Writes, with SQLite's busy handler off.
    writer: u32,
}

async fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("queue.db").to_string_lossy().into_owned();
    // As TypeScript (src/options) would configure a local file with the default settings.
    let holder = connection::open(OpenConfig {
        target: Target::File {
            path: url,
            encryption_key: None,
        },
        busy_timeout_ms: 5000,
        statement_cache_size: 64,
        inline_budget_ms: 1,
        normalise_literals: true,
    })
    .await
    .unwrap();
    query::execute(
        holder,
        "CREATE TABLE t (v TEXT)".into(),
        Params::None,
        ExecOptions::default(),
    )
    .await
    .unwrap();
    let writer = connection::connect_shared(holder).unwrap();
    connection::CONNECTIONS
        .get(writer)
        .unwrap()
        .conn
        .busy_timeout(Duration::ZERO)
        .unwrap();
    Pair {
        _dir: dir,
        holder,
        writer,
    }
}

async fn count(conn: u32, v: &str) -> Value {
    let result = query::execute(
        conn,
        "SELECT count(*) FROM t WHERE v = ?".into(),
        Params::Positional(vec![Value::Text(v.to_owned())]),
        ExecOptions::default(),
    )
    .await
    .unwrap();
    result.rows[0][0].clone()
}

/// Waits (bounded: at most about 10 s) until `conn` has waited in the writer queue more than
/// `before` times, or `done` says the work finished.
async fn until_queued(conn: u32, before: u64, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if writer::waits(conn).unwrap() > before || done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn queues_behind_a_write_transaction(path: Path) {
    let Pair {
        _dir,
        holder,
        writer: conn,
    } = pair().await;
    let tx = transaction::begin(holder, Behaviour::Immediate)
        .await
        .unwrap();
    let before = writer::waits(conn).unwrap();
    // As the Node layer runs calls: on a blocking-pool thread.
    let work = tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(write(path, conn))
    });
    until_queued(conn, before, || work.is_finished()).await;
    transaction::commit(holder, tx).await.unwrap();
    let outcome = work.await.unwrap();
    assert!(
        outcome.is_ok(),
        "{path:?}: the write reached SQLite while another connection held the write lock, instead of queueing: {outcome:?}"
    );
    assert_eq!(
        writer::waits(conn).unwrap(),
        before + 1,
        "{path:?}: the write waited once in the writer queue"
    );
    assert_eq!(count(holder, &format!("{path:?}")).await, Value::Integer(1));
    close::close(conn).await.unwrap();
    close::close(holder).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autocommit_statement_queues() {
    queues_behind_a_write_transaction(Path::Autocommit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_statement_queues() {
    queues_behind_a_write_transaction(Path::Prepared).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_without_a_transaction_queues() {
    queues_behind_a_write_transaction(Path::Batch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transactional_batch_queues() {
    queues_behind_a_write_transaction(Path::TransactionalBatch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_queues() {
    queues_behind_a_write_transaction(Path::Script).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transactional_script_queues() {
    queues_behind_a_write_transaction(Path::TransactionalScript).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_a_cursor_queues() {
    queues_behind_a_write_transaction(Path::Cursor).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_do_not_queue() {
    let Pair {
        _dir,
        holder,
        writer: conn,
    } = pair().await;
    let tx = transaction::begin(holder, Behaviour::Immediate)
        .await
        .unwrap();
    let before = writer::waits(conn).unwrap();
    assert_eq!(count(conn, "x").await, Value::Integer(0));
    let id = cursor::open(conn, "SELECT v FROM t".into(), Params::None)
        .await
        .unwrap();
    cursor::close(id).await.unwrap();
    assert_eq!(writer::waits(conn).unwrap(), before, "reads never wait");
    transaction::commit(holder, tx).await.unwrap();
    close::close(conn).await.unwrap();
    close::close(holder).await.unwrap();
}

/// A write through a cursor keeps SQLite's write lock until its statement finishes, and so keeps
/// its turn: other connections' writers queue behind it, while its own connection goes on
/// writing without waiting for itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_write_cursor_keeps_its_turn() {
    let Pair {
        _dir,
        holder: other,
        writer: conn,
    } = pair().await;
    query::execute(
        conn,
        "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')".into(),
        Params::None,
        ExecOptions::default(),
    )
    .await
    .unwrap();
    let id = cursor::open(
        conn,
        "UPDATE t SET v = v || '!' RETURNING v".into(),
        Params::None,
    )
    .await
    .unwrap();
    let first = cursor::fetch(id, 1, ExecOptions::default()).await.unwrap();
    assert!(!first.done);
    // Its own connection is not held up by the cursor's turn.
    let before_own = writer::waits(conn).unwrap();
    query::execute(
        conn,
        "INSERT INTO t (v) VALUES ('own')".into(),
        Params::None,
        ExecOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(writer::waits(conn).unwrap(), before_own);
    // Another connection's write transaction waits for the cursor.
    let before = writer::waits(other).unwrap();
    let begin = tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(transaction::begin(other, Behaviour::Immediate))
    });
    until_queued(other, before, || begin.is_finished()).await;
    assert_eq!(writer::waits(other).unwrap(), before + 1);
    cursor::close(id).await.unwrap();
    let tx = begin.await.unwrap().unwrap();
    transaction::commit(other, tx).await.unwrap();
    assert_eq!(count(other, "own").await, Value::Integer(1));
    close::close(conn).await.unwrap();
    close::close(other).await.unwrap();
}
