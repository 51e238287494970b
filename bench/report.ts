/**
 * Turns a run into its outputs: the Markdown tables (also printed to the console), the JSON
 * file, and the verdict against the targets set in the issue.
 */
import { BASELINE, DRIVER_IDS, DriverId, OURS, Outcome, RunReport, WorkloadResult } from "./types";

export const LOOP_TARGET_MS = 5;
const RATIO_TARGETS: Record<WorkloadResult["target"], number | undefined> = {
  "single-flow": 0.9,
  bulk: 1.0,
  concurrent: 1.3,
  none: undefined,
};

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

export interface Verdict {
  ratioTarget?: number;
  ratioMet?: boolean;
  loopBlockMs?: number;
  loopMet?: boolean;
}

export function verdict(result: WorkloadResult): Verdict {
  const v: Verdict = {};
  const target = RATIO_TARGETS[result.target];
  const r = ratio(result, BASELINE);
  if (target !== undefined) {
    v.ratioTarget = target;
    if (r !== undefined) v.ratioMet = r >= target;
  }
  const ours = result.outcomes[OURS];
  if (ours?.status === "ok" && result.level === "typeorm") {
    v.loopBlockMs = ours.sample.loopBlockMs;
    v.loopMet = ours.sample.loopBlockMs <= LOOP_TARGET_MS;
  }
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

function verdictCell(result: WorkloadResult): string {
  const v = verdict(result);
  const parts: string[] = [];
  if (v.ratioTarget !== undefined) {
    const state = v.ratioMet === undefined ? "not measured" : v.ratioMet ? "met" : "**missed**";
    parts.push(`≥ ${v.ratioTarget.toFixed(1)}× ${state}`);
  }
  if (v.loopMet !== undefined) {
    const ours = result.outcomes[OURS];
    const outsideGc = ours?.status === "ok" && !v.loopMet ? ` (${ms(ours.sample.loopBlockNonGcMs)} ms outside GC)` : "";
    parts.push(`loop ≤ ${LOOP_TARGET_MS} ms ${v.loopMet ? "met" : "**missed**"}${outsideGc}`);
  }
  return parts.join("; ") || "–";
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

export function throughputTable(report: RunReport): string {
  const header = [
    "Workload",
    ...DRIVER_IDS.map((id) => `${LABELS[id]} ops/s`),
    "ours ÷ better-sqlite3",
    "ours ÷ libsql-js",
    "longest loop block, ms (ours / b-s3 / libsql-js)",
    "target (ours)",
  ];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:")))];
  for (const result of report.workloads) {
    lines.push(
      row([
        `${result.title} (${result.unit})`,
        ...DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => number(o.sample.opsPerSec))),
        times(ratio(result, "better-sqlite3")),
        times(ratio(result, "libsql-js")),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.loopBlockMs))).join(" / "),
        verdictCell(result),
      ]),
    );
  }
  return lines.join("\n");
}

export function latencyTable(report: RunReport): string {
  const header = [
    "Workload",
    ...DRIVER_IDS.map((id) => `${LABELS[id]} p50 / p99 / max ms`),
    "loop block outside GC, ms (ours / b-s3 / libsql-js)",
    "longest GC pause, ms (ours / b-s3 / libsql-js)",
    "errors (ours / b-s3 / libsql-js)",
  ];
  const lines = [row(header), row(header.map((_, i) => (i === 0 ? "---" : "---:")))];
  for (const result of report.workloads) {
    lines.push(
      row([
        result.title,
        ...DRIVER_IDS.map((id) =>
          cell(result.outcomes[id], (o) =>
            [o.sample.latency.p50, o.sample.latency.p99, o.sample.latency.max].map(ms).join(" / "),
          ),
        ),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.loopBlockNonGcMs))).join(" / "),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => ms(o.sample.gcPauseMs))).join(" / "),
        DRIVER_IDS.map((id) => cell(result.outcomes[id], (o) => String(o.sample.errors))).join(" / "),
      ]),
    );
  }
  return lines.join("\n");
}

function notes(report: RunReport): string[] {
  const out: string[] = [];
  for (const [id, reason] of Object.entries(report.skipped)) out.push(`- **${id}** skipped: ${reason}`);
  for (const result of report.workloads) {
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
  for (const result of report.workloads) {
    for (const o of Object.values(result.outcomes))
      if (o?.status === "ok") share = Math.max(share, o.sample.otherCpu ?? 0);
  }
  return share;
}

function settingsLines(report: RunReport): string[] {
  const line = (
    kind: string,
    id: string,
    s: { journalMode: string; synchronous: string; sqliteVersion: string },
  ): string =>
    `- ${kind} ${id}: journal_mode=${s.journalMode}, synchronous=${s.synchronous}, SQLite ${s.sqliteVersion}`;
  return [
    ...Object.entries(report.settings).map(([id, s]) => line("TypeORM", id, s)),
    ...Object.entries(report.rawSettings).map(([id, s]) => line("raw", id, s)),
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
    "turns; ratios are ours ÷ peer. The loop block is the longest stretch in which a 1 ms timer could",
    "not fire during the timed part (median over the rounds of each round's worst; every round's",
    "worst is in latest.json).",
    "",
    throughputTable(report),
    "",
    "Per-operation latency (for bulk insert, per chunk of " + c.bulkChunk + " rows):",
    "",
    latencyTable(report),
    "",
    "Notes:",
    "",
    ...notes(report),
    "- Single-flow workloads call the driver in a tight loop, so for the synchronous peers the loop",
    "  block equals the whole timed run; their per-operation block is the latency column.",
    "- Concurrent mix: each request starts from its own macrotask, like a request handler; the peers",
    "  share one connection, so their transactions are queued FIFO (without that they fail).",
    `- Other processes used at most ${Math.round(busiest(report) * 100)} % of the machine's CPU during the rounds kept.`,
    ...settingsLines(report),
    `- Sizes: save ${c.save}, bulk ${c.bulkRows} rows in chunks of ${c.bulkChunk}, findOneBy ${c.findOne}, ` +
      `find-joined ${c.findJoined}, transactions ${c.transactions}, large read ${c.largeRows} rows × ${c.largeQueries}, ` +
      `concurrency ${c.concurrency} flows × ${c.concurrencySeconds} s, raw select ${c.rawSelect}, raw insert ${c.rawInsert}, ` +
      `warm-up ${Math.round(c.warmup * 100)} %, ${c.rounds} rounds` +
      (c.poolSize > 0 ? `, our pool size ${c.poolSize}.` : ", our pool at its default size."),
    "",
  ].join("\n");
}

export function json(report: RunReport): string {
  const workloads = report.workloads.map((result) => ({
    ...result,
    ratios: {
      "better-sqlite3": ratio(result, "better-sqlite3") ?? null,
      "libsql-js": ratio(result, "libsql-js") ?? null,
    },
    verdict: verdict(result),
  }));
  return JSON.stringify({ ...report, workloads }, null, 2) + "\n";
}
