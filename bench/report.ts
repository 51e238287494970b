/**
 * Turns a run into its outputs: the Markdown tables (also printed to the console), the JSON
 * file, and the verdict against the targets set in the issue, for each configuration.
 */
import { BASELINE, ConfigurationReport, DRIVER_IDS, DriverId, OURS, Outcome, RunReport, WorkloadResult } from "./types";

/** Throughput targets of the raw-driver and replica rows (ours ÷ better-sqlite3, or ÷ our local file). */
const RATIO_TARGETS: Partial<Record<WorkloadResult["target"], number>> = { raw: 0.5, replica: 0.9 };

/** The longest loop block outside GC, whole run, that a TypeORM workload may show (#15). */
export const LOOP_BLOCK_TARGET_MS = 5;
/** The 8-flow mix's p99 latency target (#15). */
export const MIX_P99_TARGET_MS = 1;

/**
 * The throughput target of a workload in a configuration (#15): findOneBy 1.3× better-sqlite3,
 * the 8-flow mix 1.3× on each driver's defaults and 1.0× in WAL + NORMAL, every other TypeORM
 * workload 1.0×.
 */
export function ratioTarget(result: WorkloadResult, configuration: ConfigurationReport): number | undefined {
  if (result.target === "none") return undefined;
  if (result.level !== "typeorm") return RATIO_TARGETS[result.target];
  if (result.id === "find-one") return 1.3;
  if (result.target === "concurrent") return configuration.id === "defaults" ? 1.3 : 1.0;
  return 1.0;
}

const LABELS: Record<DriverId, string> = {
  "typeorm-libsql": "typeorm-libsql (ours)",
  "better-sqlite3": "better-sqlite3",
  "libsql-js": "libsql-js",
};

export function opsPerSec(outcome: Outcome | undefined): number | undefined {
  return outcome?.status === "ok" ? outcome.sample.opsPerSec : undefined;
}

/** Ours ÷ peer throughput, when both ran. */
export function ratio(result: WorkloadResult, peer: DriverId, of: DriverId = OURS): number | undefined {
  const ours = opsPerSec(result.outcomes[of]);
  const theirs = opsPerSec(result.outcomes[peer]);
  return ours !== undefined && theirs !== undefined && theirs > 0 ? ours / theirs : undefined;
}

/** For a replica workload: ours on the replica ÷ ours on a local file (same configuration). */
export function replicaRatio(result: WorkloadResult, configuration: ConfigurationReport): number | undefined {
  const local = configuration.workloads.find((w) => w.id === result.localPeer);
  const ours = opsPerSec(result.outcomes[OURS]);
  const base = local && opsPerSec(local.outcomes[OURS]);
  return ours !== undefined && base ? ours / base : undefined;
}

export interface Verdict {
  ratioTarget?: number;
  /** What the ratio is taken against: better-sqlite3, or our own local-file row. */
  ratioOf?: string;
  ratio?: number;
  ratioMet?: boolean;
  /** Our longest loop block outside GC, whole run, against `LOOP_BLOCK_TARGET_MS`. */
  loopBlockMs?: number;
  loopBlockMet?: boolean;
  /**
   * The same over every round but our first (information): the first round is where V8 still
   * compiles TypeORM's code, on helper threads that compete with the JavaScript thread.
   */
  warmLoopBlockMs?: number;
  /** The mix's p99 against `MIX_P99_TARGET_MS`. */
  p99Ms?: number;
  p99Met?: boolean;
  /** The driver's own longest block (information: the judged figure is the whole loop block). */
  driverBlockMs?: number;
}

export function verdict(result: WorkloadResult, configuration: ConfigurationReport): Verdict {
  const v: Verdict = {};
  const target = ratioTarget(result, configuration);
  if (target !== undefined) {
    v.ratioTarget = target;
    const replica = result.level === "replica";
    v.ratioOf = replica ? "our local file" : BASELINE;
    v.ratio = replica ? replicaRatio(result, configuration) : ratio(result, BASELINE);
    if (v.ratio !== undefined) v.ratioMet = v.ratio >= target;
  }
  const ours = result.outcomes[OURS];
  if (ours?.status !== "ok") return v;
  if (result.level === "typeorm") {
    v.loopBlockMs = ours.sample.loopBlockNonGcMs;
    v.loopBlockMet = v.loopBlockMs <= LOOP_BLOCK_TARGET_MS;
    const later = ours.sample.roundsLoopBlockNonGcMs?.slice(1) ?? [];
    if (later.length > 0) v.warmLoopBlockMs = Math.max(...later);
  }
  if (result.target === "concurrent") {
    v.p99Ms = ours.sample.latency.p99;
    v.p99Met = v.p99Ms <= MIX_P99_TARGET_MS;
  }
  if (ours.sample.driverBlockMs !== undefined) v.driverBlockMs = ours.sample.driverBlockMs;
  return v;
}

const number = (n: number): string =>
  n >= 100 ? Math.round(n).toLocaleString("en-GB") : n >= 10 ? n.toFixed(1) : n.toFixed(2);
const ms = (n: number): string =>
  n >= 100 ? Math.round(n).toLocaleString("en-GB") : n >= 10 ? n.toFixed(1) : n.toFixed(2);
const times = (r: number | undefined): string => (r === undefined ? "–" : `${r.toFixed(2)}×`);

function cell(outcome: Outcome | undefined, show: (o: Extract<Outcome, { status: "ok" }>) => string): string {
  if (!outcome) return "–";
  return outcome.status === "ok" ? show(outcome) : outcome.status;
}

function verdictCell(result: WorkloadResult, configuration: ConfigurationReport): string {
  const v = verdict(result, configuration);
  const parts: string[] = [];
  if (v.ratioTarget !== undefined) {
    const state = v.ratioMet === undefined ? "not measured" : v.ratioMet ? "met" : "**missed**";
    const of = v.ratioOf === BASELINE ? "" : ` of ${v.ratioOf} (${times(v.ratio)})`;
    parts.push(`≥ ${v.ratioTarget.toFixed(1)}×${of} ${state}`);
  }
  const met = (ok: boolean): string => (ok ? "met" : "**missed**");
  if (v.loopBlockMet !== undefined) {
    const warm = v.warmLoopBlockMs === undefined ? "" : ` (after the first round: ${ms(v.warmLoopBlockMs)} ms)`;
    parts.push(`loop block ≤ ${LOOP_BLOCK_TARGET_MS} ms ${met(v.loopBlockMet)}${warm}`);
  }
  if (v.p99Met !== undefined) parts.push(`p99 ≤ ${MIX_P99_TARGET_MS} ms ${met(v.p99Met)}`);
  return parts.join("; ") || "–";
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

export function throughputTable(configuration: ConfigurationReport): string {
  const header = [
    "Workload",
    ...DRIVER_IDS.map((id) => `${LABELS[id]} ops/s`),
    "ours ÷ better-sqlite3",
    "ours ÷ libsql-js",
    "longest loop block, whole run, ms (ours / b-s3 / libsql-js)",
    "of which the driver, ms (ours)",
    "target (ours)",
  ];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:")))];
  for (const result of configuration.workloads) {
    const ours = result.outcomes[OURS];
    lines.push(
      row([
        `${result.title} (${result.unit})`,
        ...DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => number(o.sample.opsPerSec))),
        times(ratio(result, "better-sqlite3")),
        times(ratio(result, "libsql-js")),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.loopBlockMs))).join(" / "),
        ours?.status === "ok" && ours.sample.driverBlockMs !== undefined ? ms(ours.sample.driverBlockMs) : "–",
        verdictCell(result, configuration),
      ]),
    );
  }
  return lines.join("\n");
}

export function latencyTable(configuration: ConfigurationReport): string {
  const header = [
    "Workload",
    ...DRIVER_IDS.map((id) => `${LABELS[id]} p50 / p99 / max ms`),
    "loop block outside GC, whole run, ms (ours / b-s3 / libsql-js)",
    "most the JavaScript thread itself ran in one block, outside GC, ms (ours / b-s3 / libsql-js)",
    "longest block outside GC: the JavaScript thread ran + the process's other threads used, ms (ours / b-s3 / libsql-js)",
    "longest GC pause, ms (ours / b-s3 / libsql-js)",
    "longest page conversion, ms (ours)",
    "errors (ours / b-s3 / libsql-js)",
  ];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:")))];
  for (const result of configuration.workloads) {
    const ours = result.outcomes[OURS];
    lines.push(
      row([
        result.title,
        ...DRIVER_IDS.map((id) =>
          cell(result.outcomes[id], (o) =>
            [o.sample.latency.p50, o.sample.latency.p99, o.sample.latency.max].map(ms).join(" / "),
          ),
        ),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.loopBlockNonGcMs))).join(" / "),
        DRIVER_IDS.map((id) =>
          cell(result.outcomes[id], (o) => (o.sample.loopRunningMs === undefined ? "–" : ms(o.sample.loopRunningMs))),
        ).join(" / "),
        DRIVER_IDS.map((id) =>
          cell(result.outcomes[id], (o) =>
            o.sample.worstBlock ? `${ms(o.sample.worstBlock.ranMs)} + ${ms(o.sample.worstBlock.othersMs)}` : "–",
          ),
        ).join(" / "),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.gcPauseMs))).join(" / "),
        ours?.status === "ok" && ours.sample.pageConversionMs !== undefined ? ms(ours.sample.pageConversionMs) : "–",
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => String(o.sample.errors))).join(" / "),
      ]),
    );
  }
  return lines.join("\n");
}

function notes(configuration: ConfigurationReport): string[] {
  const out: string[] = [];
  for (const [id, reason] of Object.entries(configuration.skipped)) out.push(`- **${id}** skipped: ${reason}`);
  for (const result of configuration.workloads) {
    for (const id of DRIVER_IDS) {
      const o = result.outcomes[id];
      if (!o) continue;
      if (o.status !== "ok") out.push(`- ${result.title}, ${id}: ${o.status} — ${o.reason}`);
      else if (o.sample.disturbedRounds)
        out.push(
          `- ${result.title}, ${id}: ${o.sample.disturbedRounds} of ${o.sample.rounds?.length} rounds ran while other ` +
            `processes used the CPU (up to ${Math.round((o.sample.otherCpu ?? 0) * 100)} % in the rounds kept)`,
        );
      if (o.status === "ok" && o.sample.errors > 0)
        out.push(`- ${result.title}, ${id}: ${o.sample.errors} failed requests (first: ${o.sample.firstError})`);
    }
  }
  return out;
}

function busiest(report: RunReport): number {
  let share = 0;
  for (const configuration of report.configurations)
    for (const result of configuration.workloads)
      for (const o of Object.values(result.outcomes))
        if (o?.status === "ok") share = Math.max(share, o.sample.otherCpu ?? 0);
  return share;
}

function settingsLines(configuration: ConfigurationReport): string[] {
  const line = (
    kind: string,
    id: string,
    s: { journalMode: string; synchronous: string; sqliteVersion: string },
  ): string =>
    `- ${kind} ${id}: journal_mode=${s.journalMode}, synchronous=${s.synchronous}, SQLite ${s.sqliteVersion}`;
  return [
    ...Object.entries(configuration.settings).map(([id, s]) => line("TypeORM", id, s)),
    ...Object.entries(configuration.rawSettings).map(([id, s]) => line("raw", id, s)),
    ...Object.entries(configuration.replicaSettings).map(([id, s]) => line("replica", id, s)),
  ];
}

function configurationSection(configuration: ConfigurationReport, bulkChunk: number): string[] {
  return [
    `## ${configuration.title[0].toUpperCase()}${configuration.title.slice(1)}`,
    "",
    throughputTable(configuration),
    "",
    `Per-operation latency (for bulk insert, per chunk of ${bulkChunk} rows):`,
    "",
    latencyTable(configuration),
    "",
    ...settingsLines(configuration),
    ...notes(configuration),
    "",
  ];
}

export function markdown(report: RunReport): string {
  const m = report.machine;
  const c = report.config;
  return [
    "# Benchmark results",
    "",
    `Measured ${m.date} on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}; commit ${m.gitCommit}; load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end.`,
    `Packages: ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    `Throughput in operations per second (higher is better), median of ${c.rounds} rounds in which the drivers take`,
    "turns; ratios are ours ÷ peer. The loop block, the figure judged, is the longest stretch in which",
    "a 1 ms timer could not fire over the whole run of the workload (every round, warm-up included;",
    "each round's worst is in latest.json); the driver's part of it is the longest stretch of the",
    "driver's native work on the JavaScript thread (an inline statement, turning a result into",
    "JavaScript values), measured by the addon itself (median over the rounds of each round's worst).",
    "",
    ...report.configurations.flatMap((configuration) => configurationSection(configuration, c.bulkChunk)),
    "Notes:",
    "",
    "- Single-flow workloads call the driver in a tight loop of `await`s. A synchronous driver",
    "  settles every `await` without yielding to the event loop, so its loop block is the whole run.",
    "  Ours lets the loop turn once inline work has held it for `yieldIntervalMs` (2 ms), so its",
    "  loop block is that interval plus whatever TypeORM's JavaScript, GC and the OS scheduler add.",
    "  The judged figure is the loop block outside GC (target: ≤ 5 ms in every TypeORM workload);",
    "  beside it, how long the JavaScript thread itself ran in its longest gap: the rest of a gap is",
    "  time the thread was ready but waited for a CPU, mostly while V8's helper threads (concurrent",
    "  marking, compilation) held both cores. For the longest block the table also gives the CPU the",
    "  process's other threads used in it, and the verdict gives the loop block after each driver's",
    "  first round, the round in which V8 still compiles TypeORM's code on those threads.",
    "- Each driver runs in a process of its own (bench/isolation.ts), idle while another runs, so",
    "  that no round pays for another driver's garbage.",
    "- Before the rounds, every driver runs each workload once at a small size, unwatched, so that",
    "  compiling TypeORM's JavaScript for the first time is not charged to the first round; every",
    "  round, its warm-up included, is watched.",
    "- Concurrent mix: each request starts from its own macrotask, like a request handler; the peers",
    "  share one connection, so their transactions are queued FIFO (without that they fail).",
    "- Replica row: point reads on an embedded replica synced once from a local sqld, judged against",
    "  our local-file point select of the same configuration; better-sqlite3 has no replicas.",
    `- Other processes used at most ${Math.round(busiest(report) * 100)} % of the machine's CPU during the rounds kept.`,
    `- Sizes: save ${c.save}, bulk ${c.bulkRows} rows in chunks of ${c.bulkChunk}, findOneBy ${c.findOne}, ` +
      `find-joined ${c.findJoined}, transactions ${c.transactions}, large read ${c.largeRows} rows × ${c.largeQueries}, ` +
      `concurrency ${c.concurrency} flows × ${c.concurrencySeconds} s, raw select ${c.rawSelect}, raw insert ${c.rawInsert}, ` +
      `replica select ${c.replicaSelect}, warm-up ${Math.round(c.warmup * 100)} %, ${c.rounds} rounds` +
      (c.poolSize > 0 ? `, our pool size ${c.poolSize}.` : ", our pool at its default size."),
    "",
  ].join("\n");
}

export function json(report: RunReport): string {
  const configurations = report.configurations.map((configuration) => ({
    ...configuration,
    workloads: configuration.workloads.map((result) => ({
      ...result,
      ratios: {
        "better-sqlite3": ratio(result, "better-sqlite3") ?? null,
        "libsql-js": ratio(result, "libsql-js") ?? null,
      },
      verdict: verdict(result, configuration),
    })),
  }));
  return JSON.stringify({ ...report, configurations }, null, 2) + "\n";
}
