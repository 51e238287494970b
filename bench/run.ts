/**
 * `npm run bench`: runs every workload on every driver in one process — workload by workload,
 * the drivers one after another — then writes bench/results/latest.{md,json} and chart.svg.
 * Options: see config.ts (e.g. `npm run bench -- --scale=0.2 --only=save,find-one`).
 */
import "reflect-metadata";
import * as fs from "fs";
import * as path from "path";
import { nativeVersions } from "../src/native";
import { chart } from "./chart";
import { BenchConfig, loadConfig, selected } from "./config";
import { firstLine, loadLibSqlDataSource, openOrmTarget } from "./drivers";
import { loadAverage, machineInfo } from "./machine";
import { combineRounds, DISTURBED_OVER, Sample } from "./measure";
import { openRawClient } from "./raw-clients";
import { remoteMarkdown, runRemoteBench, writeRemote } from "./remote";
import { json, markdown, throughputTable } from "./report";
import { seed } from "./seed";
import {
  DRIVER_IDS,
  DriverId,
  OrmTarget,
  Outcome,
  RawClient,
  RunReport,
  Unsupported,
  Workload,
  WorkloadResult,
} from "./types";
import { workloads } from "./workloads";
import { RAW_ROWS } from "./workloads/raw";

const WORK_DIR = path.join(__dirname, ".work");
const RESULTS_DIR = path.join(__dirname, "results");

/** Partial or resized runs must not overwrite the published results. */
function resultsDir(config: BenchConfig, argv: readonly string[]): string {
  if (config.out) return path.resolve(config.out);
  const partial =
    config.only.trim() ||
    config.drivers.trim() ||
    argv.length > 0 ||
    Object.keys(process.env).some((k) => k.startsWith("BENCH_"));
  return partial ? path.join(WORK_DIR, "results") : RESULTS_DIR;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function attempt(run: () => Promise<Sample>): Promise<Outcome> {
  try {
    return { status: "ok", sample: await run() };
  } catch (error) {
    if (error instanceof Unsupported) return { status: "unsupported", reason: error.message };
    return { status: "failed", reason: firstLine(error) };
  }
}

function describe(workload: Workload, id: DriverId, outcome: Outcome): string {
  if (outcome.status !== "ok") return `  ${id.padEnd(15)} ${outcome.status}: ${outcome.reason}`;
  const s = outcome.sample;
  const rate = Math.round(s.opsPerSec).toLocaleString("en-GB");
  const errors = s.errors ? `, ${s.errors} errors (${s.firstError})` : "";
  const others = s.otherCpu === undefined ? "" : `, others ${Math.round(s.otherCpu * 100)} % CPU`;
  const disturbed = s.disturbedRounds ? `, ${s.disturbedRounds} disturbed round(s)` : "";
  return `  ${id.padEnd(15)} ${rate.padStart(9)} ${workload.unit}/s  p99 ${s.latency.p99.toFixed(2)} ms  loop block ${s.loopBlockMs.toFixed(1)} ms (${s.loopBlockNonGcMs.toFixed(1)} ms outside GC)${others}${disturbed}${errors}`;
}

/**
 * Runs one workload `config.rounds` times on every driver, the drivers taking turns in an order
 * that rotates each round (so none always goes first), repeats rounds that other processes
 * disturbed, and keeps the median round per driver.
 */
async function runRounds<T extends { id: DriverId }>(
  workload: Workload,
  result: WorkloadResult,
  drivers: readonly T[],
  config: BenchConfig,
  run: (driver: T) => Promise<Sample>,
): Promise<void> {
  const rounds = Math.max(1, Math.floor(config.rounds));
  const samples = new Map<DriverId, Sample[]>();
  const refused = new Map<DriverId, Outcome>();
  log(`${workload.title}`);
  const quiet = (id: DriverId): number =>
    (samples.get(id) ?? []).filter((s) => (s.otherCpu ?? 0) <= DISTURBED_OVER).length;
  // Rounds disturbed by other processes are repeated, up to `rounds` extra rounds in all.
  for (let r = 0; r < 2 * rounds; r++) {
    const order = drivers.map((_, i) => drivers[(i + r) % drivers.length]);
    const due = order.filter((d) => !refused.has(d.id) && (r < rounds || quiet(d.id) < rounds));
    for (const driver of due) {
      const outcome = await attempt(() => run(driver));
      if (outcome.status === "ok") samples.set(driver.id, [...(samples.get(driver.id) ?? []), outcome.sample]);
      else refused.set(driver.id, outcome);
      const label = r < rounds ? `round ${r + 1}/${rounds}` : `extra round (earlier one disturbed)`;
      if (rounds > 1) log(`  ${label}` + describe(workload, driver.id, outcome).slice(1));
    }
  }
  for (const driver of drivers) {
    const got = samples.get(driver.id);
    result.outcomes[driver.id] = refused.get(driver.id) ?? { status: "ok", sample: combineRounds(got ?? []) };
    log(describe(workload, driver.id, result.outcomes[driver.id]!));
  }
}

async function openTargets(config: BenchConfig, skipped: RunReport["skipped"]): Promise<OrmTarget[]> {
  const targets: OrmTarget[] = [];
  for (const id of DRIVER_IDS) {
    if (!selected(config.drivers, id)) continue;
    try {
      const target = await openOrmTarget(id, WORK_DIR, config.poolSize);
      await seed(target.dataSource, config);
      targets.push(target);
    } catch (error) {
      skipped[id] = firstLine(error);
      log(`skipping ${id}: ${skipped[id]}`);
    }
  }
  return targets;
}

async function openRawClients(config: BenchConfig, skipped: RunReport["skipped"]): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (const id of DRIVER_IDS) {
    if (!selected(config.drivers, id)) continue;
    try {
      clients.push(await openRawClient(id, WORK_DIR, RAW_ROWS));
    } catch (error) {
      skipped[`${id}`] ??= `raw: ${firstLine(error)}`;
    }
  }
  return clients;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const chosen = workloads.filter((w) => selected(config.only, w.id));
  const report: RunReport = {
    machine: machineInfo(nativeVersions().join(", SQLite ")),
    config,
    settings: {},
    rawSettings: {},
    skipped: {},
    workloads: [],
  };
  const ours = loadLibSqlDataSource();
  if ("reason" in ours) report.skipped["typeorm-libsql"] = `TypeORM level: ${ours.reason}`;
  log(`typeorm-libsql bench — ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}`);

  const results = new Map<string, WorkloadResult>();
  for (const w of chosen) {
    results.set(w.id, { id: w.id, title: w.title, unit: w.unit, level: w.level, target: w.target, outcomes: {} });
  }
  const started = Date.now();

  if (chosen.some((w) => w.level === "typeorm")) {
    const targets = await openTargets(config, report.skipped);
    for (const t of targets) report.settings[t.id] = t.settings;
    for (const w of chosen) {
      if (w.level !== "typeorm") continue;
      await runRounds(w, results.get(w.id)!, targets, config, (target) => w.run(target, { config }));
    }
    for (const t of targets) await t.dataSource.destroy();
  }

  if (chosen.some((w) => w.level === "raw")) {
    const clients = await openRawClients(config, report.skipped);
    for (const c of clients) report.rawSettings[c.id] = c.settings;
    for (const w of chosen) {
      if (w.level !== "raw") continue;
      await runRounds(w, results.get(w.id)!, clients, config, (client) => w.run(client, { config }));
    }
    for (const c of clients) await c.close();
  }

  // The remote rows: round trips through a delaying proxy to an sqld the bench starts.
  const remote = selected(config.only, "remote")
    ? await runRemoteBench(config.remoteDelayMs, config.remoteOps)
    : undefined;

  report.workloads = [...results.values()];
  report.machine.loadAverage.end = loadAverage();
  const out = resultsDir(config, process.argv.slice(2));
  fs.mkdirSync(out, { recursive: true });
  if (remote) {
    writeRemote(out, remote);
    log("");
    log(remoteMarkdown(remote));
  }
  if (chosen.length === 0) {
    // Only the remote rows ran (`--only=remote`): the local results are left as they are.
    log(
      `done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), out)}/remote.md`,
    );
    return;
  }
  fs.writeFileSync(path.join(out, "latest.md"), markdown(report));
  fs.writeFileSync(path.join(out, "latest.json"), json(report));
  fs.writeFileSync(path.join(out, "chart.svg"), chart(report));
  log("");
  log(throughputTable(report));
  log("");
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), out)}/latest.md, latest.json, chart.svg`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
