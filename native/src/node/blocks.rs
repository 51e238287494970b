//! How long native work holds the JavaScript thread: every inline call and every conversion of a
//! result into JavaScript values is timed, and the longest stretch is kept (process-wide, for the
//! benchmark's "longest loop block caused by the driver" and for diagnostics).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

thread_local! {
    /// How many blocks are open on this thread: only the outermost one is recorded.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

static LONGEST_NS: AtomicU64 = AtomicU64::new(0);
static TOTAL_NS: AtomicU64 = AtomicU64::new(0);
static COUNT: AtomicU64 = AtomicU64::new(0);

/// A stretch of native work on the JavaScript thread, recorded when dropped (a stretch inside
/// another is part of it).
pub struct Block(Instant);

impl Block {
    pub fn start() -> Self {
        DEPTH.with(|d| d.set(d.get() + 1));
        Block(Instant::now())
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        let outermost = DEPTH.with(|d| {
            let depth = d.get().saturating_sub(1);
            d.set(depth);
            depth == 0
        });
        if !outermost {
            return;
        }
        let ns = u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        LONGEST_NS.fetch_max(ns, Ordering::Relaxed);
        TOTAL_NS.fetch_add(ns, Ordering::Relaxed);
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

/// The longest stretch, the total and the count so far (nanoseconds), optionally starting afresh.
pub fn snapshot(reset: bool) -> (u64, u64, u64) {
    if reset {
        (
            LONGEST_NS.swap(0, Ordering::Relaxed),
            TOTAL_NS.swap(0, Ordering::Relaxed),
            COUNT.swap(0, Ordering::Relaxed),
        )
    } else {
        (
            LONGEST_NS.load(Ordering::Relaxed),
            TOTAL_NS.load(Ordering::Relaxed),
            COUNT.load(Ordering::Relaxed),
        )
    }
}
