//! typeorm-libsql native core: libSQL databases (local, `:memory:`, remote, embedded replica)
//! behind registries of connections, transactions, prepared statements and cursors.
//!
//! The core modules are plain Rust over the `libsql` crate and SQLite's raw handle, tested with
//! `cargo test` without Node. A local statement (a file, `:memory:`, an embedded replica's local
//! read) runs through one engine, `local`, on the raw handle: inline on the JavaScript thread when
//! it is short (see `inline`), and otherwise on the blocking pool. libsql's API (`exec`) runs what
//! goes to a server: remote databases and a replica's writes. The `node` module (feature `node`,
//! on by default) is the napi-rs surface that the TypeScript binding in `src/native/` loads.
//!
//! Dependencies go one way, down this list (a module uses only modules above it):
//! 1. `errors`, `registry`, `runtime`, `values`, `sql`, `raw` (the raw SQLite handle), `local` (the
//!    one engine for local statements), `inline` (the inline path's building blocks) and
//!    `statement_cache`: foundations;
//! 2. `network` (timeouts and the HTTP connector of servers), then `open`: options, building a
//!    database;
//! 3. `connection`: the connection registry and per-connection state;
//! 4. `exec` (libsql's API: a statement for a server; transaction control on either engine),
//!    `writer` (the writer queue and its one rule) and `schema`
//!    (freshening a connection's copy of the schema before introspection);
//! 5. `transaction_state`: the transaction registry, BEGIN and the lazy BEGIN/SAVEPOINT flush;
//!    then `deadline`: the request timeout and cancellation of remote calls, and recovery after;
//! 6. `session`: the one statement prologue (waiting off the thread, not at all inline) and the
//!    choice of engine;
//! 7. entry points: `query`, `statement`, `cursor`, `batch`, `replication`; then `pragma` (runs
//!    `PRAGMA` through `query`); then `transaction` (validates savepoint names with `pragma`);
//!    `pinning` (a remote connection's statements kept on one server stream);
//! 8. `close`, which frees what the entry points keep per connection;
//! 9. `node`.

pub mod batch;
pub mod close;
pub mod connection;
pub mod cursor;
pub mod deadline;
pub mod errors;
pub mod exec;
pub mod inline;
pub mod literals;
pub mod local;
pub mod network;
pub mod open;
pub mod pinning;
pub mod pragma;
pub mod query;
pub mod raw;
pub mod registry;
pub mod replication;
pub mod runtime;
pub mod schema;
pub mod session;
pub mod sql;
pub mod statement;
pub mod statement_cache;
pub mod transaction;
pub mod transaction_state;
pub mod values;
pub mod writer;

#[cfg(feature = "node")]
pub mod node;
