/**
 * Event-loop block detector: a chain of 1 ms timers whose firings are timestamped. The longest
 * gap between consecutive firings (including the gap from the last firing to `stop()`) is the
 * longest stretch in which a 1 ms timer could not fire, i.e. the worst event-loop block.
 */
import { performance } from "perf_hooks";

export class LoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private longest = 0;

  start(): void {
    this.last = performance.now();
    this.longest = 0;
    const tick = (): void => {
      const now = performance.now();
      this.longest = Math.max(this.longest, now - this.last);
      this.last = now;
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  /** Stops the chain and returns the longest gap in milliseconds. */
  stop(): number {
    const now = performance.now();
    this.longest = Math.max(this.longest, now - this.last);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.longest;
  }
}
