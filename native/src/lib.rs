//! typeorm-libsql native core: libSQL databases (local, `:memory:`, remote, embedded replica)
//! behind registries of connections, transactions, prepared statements and cursors.
//!
//! The core modules are plain async Rust over the `libsql` crate and are tested with `cargo test`
//! without Node. The `node` module (feature `node`, on by default) is the napi-rs surface that the
//! TypeScript binding in `src/native/` loads; it runs all database work off the JavaScript thread.

pub mod batch;
pub mod connection;
pub mod cursor;
pub mod errors;
pub mod open;
pub mod pragma;
pub mod registry;
pub mod replication;
pub mod runtime;
pub mod statement;
pub mod statement_cache;
pub mod transaction;
pub mod values;
pub mod writer;

#[cfg(feature = "node")]
pub mod node;
