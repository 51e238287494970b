/**
 * Event-loop block detector: a chain of 1 ms timers whose firings are timestamped. The longest
 * gap between consecutive firings (including the gap from the last firing to `stop()`) is the
 * longest stretch in which a 1 ms timer could not fire, i.e. the worst event-loop block. The
 * longest garbage-collection pause in the same window is recorded alongside, to tell the
 * driver's blocking apart from V8's.
 */
import { performance, PerformanceObserver } from "perf_hooks";

export interface LoopReport {
  /** Longest gap between timer firings, ms. */
  longestBlockMs: number;
  /** Longest single GC pause, ms. */
  longestGcMs: number;
}

export class LoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private last = 0;
  private longest = 0;
  private longestGc = 0;

  start(): void {
    this.last = performance.now();
    this.longest = 0;
    this.longestGc = 0;
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.longestGc = Math.max(this.longestGc, entry.duration);
    });
    this.observer.observe({ entryTypes: ["gc"] });
    const tick = (): void => {
      const now = performance.now();
      this.longest = Math.max(this.longest, now - this.last);
      this.last = now;
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  /** Stops the chain and reports the longest gap and GC pause. */
  async stop(): Promise<LoopReport> {
    const now = performance.now();
    this.longest = Math.max(this.longest, now - this.last);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // GC entries reach the observer on a later turn of the loop (never, during synchronous work).
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    const pending = this.observer?.takeRecords() ?? [];
    for (const entry of pending) this.longestGc = Math.max(this.longestGc, entry.duration);
    this.observer?.disconnect();
    this.observer = undefined;
    return { longestBlockMs: this.longest, longestGcMs: this.longestGc };
  }
}
