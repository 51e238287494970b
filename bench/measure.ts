/**
 * Timing primitives shared by the workloads: a counted loop and a time-boxed pool of concurrent
 * flows, each recording per-operation latency and the event-loop block while it runs.
 */
import { performance } from "perf_hooks";
import { ContentionProbe } from "./contention";
import { LoopMonitor, LoopReport } from "./loop-monitor";

export interface Sample {
  /** Operations completed (for bulk insert, rows). */
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** Longest gap in which a 1 ms timer could not fire, in ms. */
  loopBlockMs: number;
  /** The same, with the GC pauses inside each block subtracted, in ms. */
  loopBlockNonGcMs: number;
  /**
   * The longest time the JavaScript thread itself ran inside one such gap, GC taken out (the rest
   * of a gap is time it waited for a CPU); absent where the OS does not report it.
   */
  loopRunningMs?: number;
  /**
   * In the block that is longest outside GC: how long the JavaScript thread ran, and how much CPU
   * the process's other threads (V8's compiler and GC helpers, the driver's pool) used meanwhile.
   */
  worstBlock?: { ranMs: number; othersMs: number };
  /** Longest garbage-collection pause in the same window, in ms. */
  gcPauseMs: number;
  /**
   * Our driver only: the longest stretch of native work on the JavaScript thread (an inline
   * statement, turning a result into JavaScript values), in ms, measured by the addon itself; and
   * the longest conversion of one page of rows within such stretches.
   */
  driverBlockMs?: number;
  pageConversionMs?: number;
  /** Per-operation latency in ms (per call, even when a call covers several units). */
  latency: { p50: number; p99: number; max: number };
  /** Operations that threw (counted, not timed into throughput). */
  errors: number;
  firstError?: string;
  /** Share of the machine's CPU other processes used meanwhile (undefined where unknown). */
  otherCpu?: number;
  /** Rounds during which other processes were busy (left out of the median unless all were). */
  disturbedRounds?: number;
  /** Throughput and longest loop block of each round, when the workload ran in several rounds. */
  rounds?: number[];
  roundsLoopBlockMs?: number[];
  /** Each round's longest loop block outside GC (the first round is the driver's coldest). */
  roundsLoopBlockNonGcMs?: number[];
  roundsDriverBlockMs?: number[];
}

/**
 * Reads the driver's own account of its blocks (set for our driver's rounds only): its longest
 * blocks as intervals on `performance.now()`'s clock, and its longest page conversion.
 */
export interface DriverProbe {
  reset(): void;
  read(): { blocks: [number, number][]; longestPageMs: number };
}

let driverProbe: DriverProbe | undefined;

/** Sets (or clears) the probe the next measurements read the driver's blocks from. */
export function setDriverProbe(probe: DriverProbe | undefined): void {
  driverProbe = probe;
}

type DriverRead = ReturnType<DriverProbe["read"]> | undefined;

/** The driver's longest block with the GC pauses inside it taken out (as for the loop block). */
function driverBlocks(read: DriverRead, monitor: LoopMonitor): Pick<Sample, "driverBlockMs" | "pageConversionMs"> {
  return read ? { driverBlockMs: monitor.longestWithoutGc(read.blocks), pageConversionMs: read.longestPageMs } : {};
}

export type Op = (i: number) => unknown;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function summarise(latencies: number[]): Sample["latency"] {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0 };
}

/** What the loop monitor saw, as a sample's fields. */
function loopFields(
  loop: LoopReport,
): Pick<Sample, "loopBlockMs" | "loopBlockNonGcMs" | "loopRunningMs" | "worstBlock" | "gcPauseMs"> {
  return {
    loopBlockMs: loop.longestBlockMs,
    loopBlockNonGcMs: loop.longestNonGcBlockMs,
    ...(loop.longestRunningMs === undefined ? {} : { loopRunningMs: loop.longestRunningMs }),
    ...(loop.worstGap ? { worstBlock: loop.worstGap } : {}),
    gcPauseMs: loop.longestGcMs,
  };
}

/**
 * Runs the watched part of a measurement; if it fails (a driver refusing a workload), stops the
 * monitor first, whose timer chain would otherwise run on and keep the process alive.
 */
async function stoppingOnFailure<T>(monitor: LoopMonitor, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await monitor.stop();
    throw error;
  }
}

/**
 * Runs `op` `warmup` times untimed, then `count` times timed, one after another. The loop block is
 * watched over the whole run, warm-up included: a user's server feels every stretch.
 */
export async function measureCounted(
  count: number,
  op: Op,
  options: { warmup?: number; unitsPerOp?: number } = {},
): Promise<Sample> {
  const monitor = new LoopMonitor();
  monitor.start();
  const latencies = new Array<number>(count);
  const { probe, t0 } = await stoppingOnFailure(monitor, async () => {
    for (let i = 0; i < (options.warmup ?? 0); i++) await op(-1 - i);
    const probe = new ContentionProbe();
    driverProbe?.reset();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const s = performance.now();
      await op(i);
      latencies[i] = performance.now() - s;
    }
    return { probe, t0 };
  });
  const seconds = (performance.now() - t0) / 1000;
  const driverRead = driverProbe?.read();
  const loop = await monitor.stop();
  const ops = count * (options.unitsPerOp ?? 1);
  return {
    ...driverBlocks(driverRead, monitor),
    ops,
    seconds,
    opsPerSec: ops / seconds,
    ...loopFields(loop),
    latency: summarise(latencies),
    errors: 0,
    otherCpu: probe.otherCpuShare(),
  };
}

/**
 * Runs `flows` loops concurrently until `seconds` have passed. Each operation is started from a
 * fresh macrotask (`setImmediate`), the way a request handler is started by an I/O event, so a
 * synchronous driver yields between requests as a real server would.
 */
export async function measureConcurrent(flows: number, seconds: number, op: Op, warmupSeconds = 0): Promise<Sample> {
  const { setImmediate: nextTurn } = await import("timers/promises");
  const runFor = async (
    ms: number,
    record: boolean,
  ): Promise<{ latencies: number[]; errors: number; firstError?: string }> => {
    const deadline = performance.now() + ms;
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let counter = 0;
    const flow = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await nextTurn();
        const s = performance.now();
        try {
          await op(counter++);
          if (record) latencies.push(performance.now() - s);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: flows }, flow));
    return { latencies, errors, firstError };
  };
  const monitor = new LoopMonitor();
  monitor.start();
  const { probe, t0, run } = await stoppingOnFailure(monitor, async () => {
    if (warmupSeconds > 0) await runFor(warmupSeconds * 1000, false);
    const probe = new ContentionProbe();
    driverProbe?.reset();
    const t0 = performance.now();
    return { probe, t0, run: await runFor(seconds * 1000, true) };
  });
  const { latencies, errors, firstError } = run;
  const elapsed = (performance.now() - t0) / 1000;
  const driverRead = driverProbe?.read();
  const loop = await monitor.stop();
  const sample: Sample = {
    ...driverBlocks(driverRead, monitor),
    ops: latencies.length,
    seconds: elapsed,
    opsPerSec: latencies.length / elapsed,
    ...loopFields(loop),
    latency: summarise(latencies),
    errors,
    otherCpu: probe.otherCpuShare(),
  };
  if (firstError !== undefined) sample.firstError = firstError;
  return sample;
}

/** Other processes using more than this share of the machine's CPU disturb a round. */
export const DISTURBED_OVER = 0.1;

/**
 * Folds several rounds of one workload into one sample, from the rounds measured while the rest
 * of the machine was quiet (all rounds, if none was): throughput and latency from the median
 * round; loop blocks and GC pauses as the worst of the whole run (every round, warm-up included:
 * the figure judged); the driver's own block as the median of the rounds' worst; errors summed.
 * Every round's throughput and worst block stay in `rounds` / `roundsLoopBlockMs`.
 */
export function combineRounds(samples: readonly Sample[]): Sample {
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const quiet = samples.filter((s) => (s.otherCpu ?? 0) <= DISTURBED_OVER);
  const used = quiet.length > 0 ? quiet : samples;
  const rate = median(used.map((s) => s.opsPerSec));
  const middle = used.find((s) => s.opsPerSec === rate) ?? used[0];
  const worst = samples.reduce((a, b) => (b.loopBlockNonGcMs > a.loopBlockNonGcMs ? b : a));
  const combined: Sample = {
    ...middle,
    loopBlockMs: Math.max(...samples.map((s) => s.loopBlockMs)),
    loopBlockNonGcMs: Math.max(...samples.map((s) => s.loopBlockNonGcMs)),
    ...(samples.every((s) => s.loopRunningMs !== undefined)
      ? { loopRunningMs: Math.max(...samples.map((s) => s.loopRunningMs ?? 0)) }
      : {}),
    gcPauseMs: Math.max(...samples.map((s) => s.gcPauseMs)),
    ...(used.every((s) => s.driverBlockMs !== undefined)
      ? {
          driverBlockMs: median(used.map((s) => s.driverBlockMs ?? 0)),
          pageConversionMs: median(used.map((s) => s.pageConversionMs ?? 0)),
          roundsDriverBlockMs: samples.map((s) => s.driverBlockMs ?? 0),
        }
      : {}),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    otherCpu: Math.max(...used.map((s) => s.otherCpu ?? 0)),
    disturbedRounds: samples.length - quiet.length,
    rounds: samples.map((s) => s.opsPerSec),
    roundsLoopBlockMs: samples.map((s) => s.loopBlockMs),
    roundsLoopBlockNonGcMs: samples.map((s) => s.loopBlockNonGcMs),
  };
  // The split of the worst block belongs to the round that had it, not to the median round.
  if (worst.worstBlock) combined.worstBlock = worst.worstBlock;
  else delete combined.worstBlock;
  const firstError = samples.find((s) => s.firstError !== undefined)?.firstError;
  if (firstError !== undefined) combined.firstError = firstError;
  else delete combined.firstError;
  return combined;
}
