//! The inline path's building blocks. A short statement on a local connection (a file, `:memory:`
//! or an embedded replica's local reads) can run synchronously on the calling (JavaScript)
//! thread instead of being handed to the blocking pool, which saves the two thread hand-offs of
//! an off-thread call. The rules (applied by `session::try_with` and the entry points that offer
//! an inline attempt: `query`, `statement`, `transaction`):
//!
//! - only when the connection is idle (its operation lock is free and none of its calls is off
//!   the thread) and inline execution is on (a budget above 0);
//! - reads run under a progress handler and are stopped at the budget, then run again off the
//!   thread, so the caller sees one correct result;
//! - writes (and COMMIT, ROLLBACK, savepoint operations) are never stopped part-way: they run
//!   inline only when their measured cost says they are short (`cost`), and only when the
//!   in-process writer slot is free; a commit that waits for the disk (an autocommit write or a
//!   COMMIT under `synchronous` settings that sync, `durability`) never runs inline;
//! - the inline attempt runs with a zero busy timeout: an `SQLITE_BUSY` (which SQLite reports
//!   before the statement has changed anything) sends the same call off the thread, where it
//!   waits as usual.
//!
//! `Inline::Offload` carries the call's arguments back, so the caller can run it off the thread
//! as if no attempt had been made.

pub mod cost;
pub mod durability;
pub mod state;
pub mod stmt;

pub use cost::{ControlCosts, Cost, Histories, History};
pub use state::{InlineState, StatsSnapshot};
pub use stmt::{InlineInfo, Kind, Stop};

use crate::errors::Result;

/// The outcome of an inline attempt.
#[derive(Debug)]
pub enum Inline<T, P> {
    /// The call ran (or failed) inline; this is its result.
    Done(Result<T>),
    /// The call must run off the thread, with these arguments.
    Offload(P),
}

impl<T, P> Inline<T, P> {
    /// Maps the result of a call that ran inline.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Inline<U, P> {
        match self {
            Inline::Done(result) => Inline::Done(result.map(f)),
            Inline::Offload(args) => Inline::Offload(args),
        }
    }
}
