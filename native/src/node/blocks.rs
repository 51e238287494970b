//! How long native work holds the JavaScript thread: every inline call and every conversion of a
//! result into JavaScript values is timed, and the longest stretch is kept (process-wide, for the
//! benchmark's "longest loop block caused by the driver" and for diagnostics).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// How many of the longest blocks are kept with their start (for a caller to set against other
/// events of the same stretch, such as garbage-collection pauses).
const KEPT: usize = 16;

thread_local! {
    /// How many blocks are open on this thread: only the outermost one is recorded.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The longest blocks on this thread since the last reset: (start, duration), nanoseconds.
    static LONGEST: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
}

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since this addon's clock started (a monotonic clock).
pub fn clock_ns(at: Instant) -> u64 {
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(at.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

static LONGEST_NS: AtomicU64 = AtomicU64::new(0);
static LONGEST_PAGE_NS: AtomicU64 = AtomicU64::new(0);
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
        let start = clock_ns(self.0);
        LONGEST.with(|kept| {
            let mut kept = kept.borrow_mut();
            if kept.len() < KEPT {
                kept.push((start, ns));
            } else if let Some(shortest) = kept.iter_mut().min_by_key(|(_, d)| *d) {
                if shortest.1 < ns {
                    *shortest = (start, ns);
                }
            }
        });
        LONGEST_NS.fetch_max(ns, Ordering::Relaxed);
        TOTAL_NS.fetch_add(ns, Ordering::Relaxed);
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

/// Turning one page of rows into JavaScript values (part of a block): the longest is kept on its
/// own, since the driver's promise is to hold the loop no longer than its budget plus one page.
pub struct Page(Instant);

impl Page {
    pub fn start() -> Self {
        Page(Instant::now())
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let ns = u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        LONGEST_PAGE_NS.fetch_max(ns, Ordering::Relaxed);
    }
}

/// What `snapshot` reports, in nanoseconds.
pub struct Snapshot {
    pub longest: u64,
    pub total: u64,
    pub count: u64,
    pub longest_page: u64,
    /// The longest blocks of this thread, longest first: (start on `clock_ns`, duration).
    pub kept: Vec<(u64, u64)>,
    /// `clock_ns` now.
    pub now: u64,
}

/// The blocks so far, optionally starting afresh.
pub fn snapshot(reset: bool) -> Snapshot {
    let read = |counter: &AtomicU64| {
        if reset {
            counter.swap(0, Ordering::Relaxed)
        } else {
            counter.load(Ordering::Relaxed)
        }
    };
    let mut kept = LONGEST.with(|kept| {
        if reset {
            std::mem::take(&mut *kept.borrow_mut())
        } else {
            kept.borrow().clone()
        }
    });
    kept.sort_by_key(|kept| std::cmp::Reverse(kept.1));
    Snapshot {
        longest: read(&LONGEST_NS),
        total: read(&TOTAL_NS),
        count: read(&COUNT),
        longest_page: read(&LONGEST_PAGE_NS),
        kept,
        now: clock_ns(Instant::now()),
    }
}
