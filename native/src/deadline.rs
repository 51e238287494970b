//! Deadlines for the requests of remote connections: each call that talks to the server runs
//! within the database's request timeout (`requestTimeoutMs`) and can be cancelled by `interrupt`
//! (how `queryTimeoutMs` reaches a remote statement). Local work is not touched.
//!
//! A request given up on is dropped mid-flight, so the connection's Hrana stream is in an unknown
//! state: the server may have run the request or not, and the baton the stream holds may be stale.
//! `recover` therefore starts the connection on a fresh stream (outside any transaction: see the
//! `reset` patch in vendor/PATCHES.md), and a transaction that had begun
//! on the old one is marked abandoned: its statements and COMMIT fail from then on, and its
//! ROLLBACK needs no request (the server rolls the old stream's transaction back when the stream
//! expires). A connection that lost its server (`LIBSQL_NETWORK`), or whose stream the server no
//! longer knows (expired, or gone with a restart), is recovered the same way. So a
//! connection is never handed on with a stale baton, and a transaction never goes on, half
//! applied, outside the transaction it began in.
//!
//! A transaction whose stream the server expired (sqld: after about 10 s idle) or forgot (a
//! restart) fails with `LIBSQL_TRANSACTION_STATE`, naming the cause.
//!
//! The caller holds the connection's operation lock, so nothing else uses the stream meanwhile.

use std::future::Future;
use std::sync::atomic::Ordering;

use crate::connection::Conn;
use crate::errors::{codes, LibError, Result};
use crate::network;
use crate::transaction_state::{settle_deferred, TRANSACTIONS};

enum Outcome<T> {
    Done(Result<T>),
    TimedOut(std::time::Duration),
    Cancelled,
}

/// Runs `work` (a call's requests to the server) within the request timeout of `conn`, or until
/// `interrupt` cancels it. On a local database or replica, `work` just runs.
pub async fn bounded<T>(conn: &Conn, work: impl Future<Output = Result<T>>) -> Result<T> {
    if !conn.database.mode.is_remote() {
        return work.await;
    }
    // Created before the work starts, so that an interrupt from now on is seen.
    let cancelled = conn.cancel.notified();
    let outcome = match conn.database.request_timeout {
        Some(limit) => tokio::select! {
            result = work => Outcome::Done(result),
            () = tokio::time::sleep(limit) => Outcome::TimedOut(limit),
            () = cancelled => Outcome::Cancelled,
        },
        None => tokio::select! {
            result = work => Outcome::Done(result),
            () = cancelled => Outcome::Cancelled,
        },
    };
    // `work` has been dropped here: whatever it left half done is recovered before returning.
    let succeeded = matches!(outcome, Outcome::Done(Ok(_)));
    if !succeeded {
        // Statements waiting to travel with one that was not sent are dropped with it.
        conn.conn.discard_deferred();
    }
    match outcome {
        Outcome::Done(Ok(value)) => {
            settle_deferred(conn, true);
            Ok(value)
        }
        Outcome::Done(Err(err)) => {
            let err = network::classify(err);
            // A failed request leaves the stream inside a transaction only if the server had
            // begun one on it (a deferred BEGIN that did not run is undone).
            let in_transaction = !conn.conn.is_autocommit();
            if stream_lost(&err) {
                recover(conn).await;
            }
            let err = if in_transaction {
                transaction_lost(err)
            } else {
                err
            };
            settle_deferred(conn, false);
            Err(err)
        }
        Outcome::TimedOut(limit) => {
            recover(conn).await;
            settle_deferred(conn, false);
            Err(network::request_timed_out(limit))
        }
        Outcome::Cancelled => {
            recover(conn).await;
            settle_deferred(conn, false);
            Err(LibError::new(
                codes::TIMEOUT,
                "the request was cancelled before the server answered (interrupt or \
                 queryTimeoutMs); the server may still have run it",
            )
            .from_server())
        }
    }
}

/// Whether a failed call leaves the connection's stream unusable: the server could not be reached
/// or the connection broke (the stream may be gone with a restarted server), or the server no
/// longer knows the stream (it expired, or the server restarted).
fn stream_lost(err: &LibError) -> bool {
    err.code == codes::NETWORK
        || err.code == codes::TIMEOUT
        || err.message.contains("invalid baton")
        || err.message.contains("STREAM_EXPIRED")
}

/// The error of a transaction whose stream the server no longer has: a `TRANSACTION_STATE` error
/// naming the cause, instead of the server's raw reply. Other errors pass through.
fn transaction_lost(err: LibError) -> LibError {
    let cause = if err.message.contains("STREAM_EXPIRED") {
        "the server expired the transaction's stream after it was idle (sqld expires a stream \
         after about 10 s without a request)"
    } else if err.message.contains("invalid baton") {
        "the server no longer knows the transaction's stream (it restarted)"
    } else {
        return err;
    };
    LibError::new(
        codes::TRANSACTION_STATE,
        format!(
            "the transaction is lost: {cause}; the server rolled it back and nothing of it was \
             committed, so roll it back here and run it again"
        ),
    )
    .from_server()
}

/// Puts a connection whose request was given up on (or whose server went away) on a fresh
/// stream, and abandons the transaction that had begun on the old one.
async fn recover(conn: &Conn) {
    conn.conn.reset().await;
    let Some(tx_id) = *conn.transaction.lock() else {
        return;
    };
    // A transaction whose BEGIN has not run yet, or was lost with this very request, begins on
    // the new stream as it would have (see `settle_deferred`).
    if let Ok(tx) = TRANSACTIONS.get(tx_id) {
        if tx.started.load(Ordering::Acquire) && !tx.begin_in_flight.load(Ordering::Acquire) {
            tx.abandoned.store(true, Ordering::Release);
        }
    }
}
