/**
 * Event-loop block detector: a chain of 1 ms timers whose firings are timestamped. The longest
 * gap between consecutive firings (including the gap from the last firing to `stop()`) is the
 * longest stretch in which a 1 ms timer could not fire, i.e. the worst event-loop block.
 * Garbage-collection pauses are observed in the same window, so that each block can be split
 * into V8's share (GC inside the gap) and the rest (JavaScript, the driver, the OS scheduler).
 */
import { performance, PerformanceObserver } from "perf_hooks";

export interface LoopReport {
  /** Longest gap between timer firings, ms. */
  longestBlockMs: number;
  /** Longest gap once the GC pauses inside it are subtracted, ms. */
  longestNonGcBlockMs: number;
  /** Longest single GC pause, ms. */
  longestGcMs: number;
}

/** Gaps shorter than this cannot matter for a 5 ms target and are not kept. */
const KEEP_GAPS_OVER_MS = 2;
const MAX_KEPT = 100_000;

export class LoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private last = 0;
  private gaps: [number, number][] = [];
  /** Longest gap too short to keep (counted whole: it cannot hold a GC worth subtracting). */
  private longestShort = 0;
  private gcs: [number, number][] = [];

  start(): void {
    this.last = performance.now();
    this.gaps = [];
    this.longestShort = 0;
    this.gcs = [];
    this.observer = new PerformanceObserver((list) => this.takeGc(list.getEntries()));
    this.observer.observe({ entryTypes: ["gc"] });
    const tick = (): void => {
      this.gap(performance.now());
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  private gap(now: number): void {
    const gap = now - this.last;
    if (gap > KEEP_GAPS_OVER_MS && this.gaps.length < MAX_KEPT) this.gaps.push([this.last, now]);
    else this.longestShort = Math.max(this.longestShort, gap);
    this.last = now;
  }

  private takeGc(entries: readonly { startTime: number; duration: number }[]): void {
    for (const e of entries) if (this.gcs.length < MAX_KEPT) this.gcs.push([e.startTime, e.startTime + e.duration]);
  }

  /**
   * The longest of `intervals` (start and end on `performance.now()`'s clock) once the GC pauses
   * inside each are taken out; call after `stop()`, which collects the last GC entries.
   */
  longestWithoutGc(intervals: readonly [number, number][]): number {
    let longest = 0;
    for (const [from, to] of intervals) {
      let gc = 0;
      for (const [s, e] of this.gcs) gc += Math.max(0, Math.min(to, e) - Math.max(from, s));
      longest = Math.max(longest, to - from - gc);
    }
    return longest;
  }

  /** Stops the chain and reports the longest gap, with and without GC, and the longest GC pause. */
  async stop(): Promise<LoopReport> {
    this.gap(performance.now());
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // GC entries reach the observer on a later turn of the loop (never, during synchronous work).
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    this.takeGc(this.observer?.takeRecords() ?? []);
    this.observer?.disconnect();
    this.observer = undefined;

    let longestBlockMs = this.longestShort;
    let longestNonGcBlockMs = this.longestShort;
    for (const [from, to] of this.gaps) {
      let gc = 0;
      for (const [s, e] of this.gcs) gc += Math.max(0, Math.min(to, e) - Math.max(from, s));
      longestBlockMs = Math.max(longestBlockMs, to - from);
      longestNonGcBlockMs = Math.max(longestNonGcBlockMs, to - from - gc);
    }
    const longestGcMs = this.gcs.reduce((m, [s, e]) => Math.max(m, e - s), 0);
    return { longestBlockMs, longestNonGcBlockMs, longestGcMs };
  }
}
