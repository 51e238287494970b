//! What one connection keeps for the inline path: its budget, the count of its calls still off
//! the thread, its WAL hook, what it knows of the durability settings and its counters.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

use crate::raw::WalHook;

/// The default inline budget, in milliseconds.
pub const DEFAULT_BUDGET_MS: u32 = 1;

/// The largest budget accepted, in milliseconds: the inline path is for short statements.
pub const MAX_BUDGET_MS: u32 = 1000;

#[derive(Debug)]
pub struct InlineState {
    /// How long a statement may hold the JavaScript thread, in microseconds (0: never inline).
    budget_us: AtomicU32,
    /// This connection's calls handed to the blocking pool and not finished: while there are
    /// any, nothing runs inline, so a later call never overtakes an earlier one.
    off_thread: AtomicU32,
    pub wal: WalHook,
    /// The main database's `synchronous` level as last read, plus one; 0 when it must be read
    /// again (see `durability`).
    pub sync_level: AtomicU8,
    pub stats: Stats,
}

/// How a connection's calls ran (for tests, diagnostics and the benchmark).
#[derive(Debug, Default)]
pub struct Stats {
    /// Calls that finished on the calling thread.
    pub inline: AtomicU64,
    /// Calls that ran off the thread (for whatever reason).
    pub off_thread: AtomicU64,
    /// Inline attempts that met `SQLITE_BUSY` and continued off the thread.
    pub busy: AtomicU64,
    /// Reads stopped at the budget and run again off the thread.
    pub over_budget: AtomicU64,
    /// WAL checkpoints an inline commit left to a background thread.
    pub deferred_checkpoints: AtomicU64,
}

/// A snapshot of `Stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub inline: u64,
    pub off_thread: u64,
    pub busy: u64,
    pub over_budget: u64,
    pub deferred_checkpoints: u64,
}

impl InlineState {
    pub fn new(budget_ms: u32) -> Self {
        Self {
            budget_us: AtomicU32::new(budget_ms.min(MAX_BUDGET_MS) * 1000),
            off_thread: AtomicU32::new(0),
            wal: WalHook::default(),
            sync_level: AtomicU8::new(0),
            stats: Stats::default(),
        }
    }

    pub fn budget(&self) -> Duration {
        Duration::from_micros(u64::from(self.budget_us.load(Ordering::Relaxed)))
    }

    pub fn budget_us(&self) -> u32 {
        self.budget_us.load(Ordering::Relaxed)
    }

    pub fn set_budget_ms(&self, ms: u32) {
        self.budget_us
            .store(ms.min(MAX_BUDGET_MS) * 1000, Ordering::Relaxed);
    }

    /// Counts a call handed to the blocking pool; `off_thread_done` when it has finished.
    pub fn off_thread_started(&self) {
        self.off_thread.fetch_add(1, Ordering::AcqRel);
        self.stats.off_thread.fetch_add(1, Ordering::Relaxed);
    }

    pub fn off_thread_done(&self) {
        self.off_thread.fetch_sub(1, Ordering::AcqRel);
    }

    /// Whether calls of this connection are running or waiting off the thread.
    pub fn off_thread_busy(&self) -> bool {
        self.off_thread.load(Ordering::Acquire) > 0
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let s = &self.stats;
        StatsSnapshot {
            inline: s.inline.load(Ordering::Relaxed),
            off_thread: s.off_thread.load(Ordering::Relaxed),
            busy: s.busy.load(Ordering::Relaxed),
            over_budget: s.over_budget.load(Ordering::Relaxed),
            deferred_checkpoints: s.deferred_checkpoints.load(Ordering::Relaxed),
        }
    }
}

/// Adds one to a counter.
pub fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
