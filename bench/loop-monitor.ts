/**
 * Event-loop block detector: a chain of 1 ms timers whose firings are timestamped. The longest
 * gap between consecutive firings (including the gap from the last firing to `stop()`) is the
 * longest stretch in which a 1 ms timer could not fire, i.e. the worst event-loop block.
 * Garbage-collection pauses are observed in the same window, so that each block can be split
 * into V8's share (GC inside the gap) and the rest (JavaScript, the driver, the OS scheduler).
 * Where Linux reports it (/proc/thread-self/schedstat), each gap also records how long the
 * JavaScript thread itself ran in it: on a 2-core machine the thread is often runnable but
 * waiting while V8's own helper threads (concurrent marking, compilation) hold both cores, which
 * no driver can prevent; the running share is what the process's JavaScript held. For the worst
 * gap the monitor also keeps how much CPU the process's other threads used in it (V8's compiler
 * and GC helpers, the driver's pool), the threads the JavaScript thread competed with.
 */
import * as fs from "fs";
import { performance, PerformanceObserver } from "perf_hooks";

export interface LoopReport {
  /** Longest gap between timer firings, ms. */
  longestBlockMs: number;
  /** Longest gap once the GC pauses inside it are subtracted, ms. */
  longestNonGcBlockMs: number;
  /** Longest single GC pause, ms. */
  longestGcMs: number;
  /**
   * Of the gaps, the longest time the JavaScript thread spent running inside one, GC taken out
   * in proportion; undefined where the OS does not report it.
   */
  longestRunningMs?: number;
  /**
   * The gap that is longest outside GC: how long the JavaScript thread ran in it, and how much
   * CPU the process's other threads used meanwhile (undefined where the OS does not report it).
   */
  worstGap?: { ranMs: number; othersMs: number };
}

/** CPU time the whole process (every thread) has used so far, in ms. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Milliseconds this thread has spent on a CPU so far, or undefined off Linux. */
function threadRunningMs(): number | undefined {
  try {
    return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Gaps shorter than this cannot matter for a 5 ms target and are not kept. */
const KEEP_GAPS_OVER_MS = 2;
const MAX_KEPT = 100_000;

export class LoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private last = 0;
  private lastRunning: number | undefined;
  private lastProcessCpu = 0;
  /** Gaps as [from, to, ms the thread ran in them (NaN when unknown), ms the process used]. */
  private gaps: [number, number, number, number][] = [];
  /** Longest gap too short to keep (counted whole: it cannot hold a GC worth subtracting). */
  private longestShort = 0;
  private gcs: [number, number][] = [];

  start(): void {
    this.last = performance.now();
    this.lastRunning = threadRunningMs();
    this.lastProcessCpu = processCpuMs();
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
    const running = threadRunningMs();
    const ran = running !== undefined && this.lastRunning !== undefined ? running - this.lastRunning : NaN;
    const cpu = processCpuMs();
    if (gap > KEEP_GAPS_OVER_MS && this.gaps.length < MAX_KEPT)
      this.gaps.push([this.last, now, ran, cpu - this.lastProcessCpu]);
    else this.longestShort = Math.max(this.longestShort, gap);
    this.last = now;
    this.lastRunning = running;
    this.lastProcessCpu = cpu;
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
    let longestRunningMs = this.lastRunning === undefined ? undefined : this.longestShort;
    let worstGap: LoopReport["worstGap"];
    for (const [from, to, ran, cpu] of this.gaps) {
      let gc = 0;
      for (const [s, e] of this.gcs) gc += Math.max(0, Math.min(to, e) - Math.max(from, s));
      longestBlockMs = Math.max(longestBlockMs, to - from);
      if (to - from - gc > longestNonGcBlockMs) {
        longestNonGcBlockMs = to - from - gc;
        worstGap = Number.isNaN(ran) ? undefined : { ranMs: ran, othersMs: Math.max(0, cpu - ran) };
      }
      // GC pauses are wall time; the thread had the same share of a CPU in them as in the gap.
      if (longestRunningMs !== undefined && !Number.isNaN(ran)) {
        longestRunningMs = Math.max(longestRunningMs, Math.min(ran, to - from) * Math.max(0, 1 - gc / (to - from)));
      }
    }
    const longestGcMs = this.gcs.reduce((m, [s, e]) => Math.max(m, e - s), 0);
    return { longestBlockMs, longestNonGcBlockMs, longestGcMs, longestRunningMs, ...(worstGap ? { worstGap } : {}) };
  }
}
