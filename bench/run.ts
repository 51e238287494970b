/**
 * `npm run bench`: runs every workload on every driver — configuration by configuration (each
 * driver's own defaults, then WAL + synchronous=NORMAL for all), workload by workload, the drivers
 * one after another, each driver in a process of its own (isolation.ts) — then writes
 * bench/results/latest.{md,json} and one chart per configuration. The replica row starts a real
 * sqld on a free loopback port for its rounds and stops it afterwards. Options: see config.ts (e.g. `npm run bench -- --scale=0.2
 * --only=save,find-one --settings=wal-normal`).
 */
import "reflect-metadata";
import * as fs from "fs";
import * as path from "path";
import { nativeVersions } from "../src/native";
import { SqldServer } from "../test/support/sqld";
import { chart, chartFile } from "./chart";
import { BenchConfig, loadConfig, primingConfig, selected } from "./config";
import { firstLine, loadLibSqlDataSource } from "./drivers";
import { DriverProcess } from "./isolation";
import { loadAverage, machineInfo } from "./machine";
import { combineRounds, DISTURBED_OVER, Sample } from "./measure";
import { seedPrimary } from "./raw-clients";
import { remoteMarkdown, runRemoteBench, writeRemote } from "./remote";
import { drizzleMarkdown, runDrizzleBench, writeDrizzle } from "./drizzle";
import { json, markdown, throughputTable } from "./report";
import {
  ConfigurationReport,
  DRIVER_IDS,
  DriverId,
  Outcome,
  RunReport,
  SETTINGS_IDS,
  SETTINGS_TITLES,
  Settings,
  SettingsId,
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
async function runRounds(
  workload: Workload,
  result: WorkloadResult,
  drivers: readonly DriverProcess[],
  config: BenchConfig,
  prime?: BenchConfig,
): Promise<void> {
  const rounds = Math.max(1, Math.floor(config.rounds));
  const samples = new Map<DriverId, Sample[]>();
  const refused = new Map<DriverId, Outcome>();
  log(`${workload.title}`);
  // Unwatched, so that TypeORM's JavaScript is compiled before any driver's first round (see the
  // report's notes); a failure here shows again, and is recorded, in the rounds.
  if (prime) for (const driver of drivers) await driver.run(workload.id, prime);
  const quiet = (id: DriverId): number =>
    (samples.get(id) ?? []).filter((s) => (s.otherCpu ?? 0) <= DISTURBED_OVER).length;
  // Rounds disturbed by other processes are repeated, up to `rounds` extra rounds in all.
  for (let r = 0; r < 2 * rounds; r++) {
    const order = drivers.map((_, i) => drivers[(i + r) % drivers.length]);
    const due = order.filter((d) => !refused.has(d.id) && (r < rounds || quiet(d.id) < rounds));
    for (const driver of due) {
      const outcome = await driver.run(workload.id, config);
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

/**
 * Opens (and seeds) every running driver's target of one level, in its own process; a driver that
 * cannot open is left out of this level's rounds, with the reason recorded.
 */
async function openLevel(
  processes: readonly DriverProcess[],
  level: Workload["level"],
  settings: SettingsId,
  config: BenchConfig,
  onSettings: (id: DriverId, settings: Settings) => void,
  onRefused: (id: DriverId, reason: string) => void,
  primaryUrl?: string,
): Promise<DriverProcess[]> {
  const opened: DriverProcess[] = [];
  for (const driver of processes) {
    try {
      onSettings(driver.id, await driver.open(level, settings, WORK_DIR, config, primaryUrl));
      opened.push(driver);
    } catch (error) {
      onRefused(driver.id, firstLine(error));
    }
  }
  return opened;
}

async function closeLevel(opened: readonly DriverProcess[]): Promise<void> {
  for (const driver of opened) await driver.close();
}

/** Finds sqld for the replica row: SQLD_BIN, `sqld` on PATH, or the shared copy beside the project. */
function locateSqld(): void {
  if (process.env.SQLD_BIN) return;
  for (const candidate of ["../shared/bin/sqld", "../../shared/bin/sqld"]) {
    const bin = path.resolve(__dirname, "..", candidate);
    if (fs.existsSync(bin)) {
      process.env.SQLD_BIN = bin;
      return;
    }
  }
}

/** Runs the replica workloads against a sqld started for them (and stopped afterwards). */
async function runReplicaWorkloads(
  config: BenchConfig,
  processes: readonly DriverProcess[],
  chosen: readonly Workload[],
  results: Map<string, WorkloadResult>,
  configuration: ConfigurationReport,
): Promise<void> {
  const replicaWorkloads = chosen.filter((w) => w.level === "replica");
  if (replicaWorkloads.length === 0) return;
  locateSqld();
  let server: SqldServer;
  try {
    server = await SqldServer.start();
  } catch (error) {
    for (const w of replicaWorkloads) {
      for (const id of DRIVER_IDS) results.get(w.id)!.outcomes[id] = { status: "skipped", reason: firstLine(error) };
    }
    log(`skipping the replica rows: ${firstLine(error)}`);
    return;
  }
  try {
    await seedPrimary(server.url, RAW_ROWS);
    const refused = new Map<DriverId, string>();
    const clients = await openLevel(
      processes,
      "replica",
      configuration.id,
      config,
      (id, settings) => (configuration.replicaSettings[id] = settings),
      (id, reason) => refused.set(id, reason),
      server.url,
    );
    for (const w of replicaWorkloads) {
      const result = results.get(w.id)!;
      await runRounds(w, result, clients, config);
      for (const [id, reason] of refused) result.outcomes[id] = { status: "unsupported", reason };
    }
    await closeLevel(clients);
  } finally {
    await server.stop();
  }
}

async function runConfiguration(
  config: BenchConfig,
  settings: SettingsId,
  chosen: readonly Workload[],
): Promise<ConfigurationReport> {
  const configuration: ConfigurationReport = {
    id: settings,
    title: SETTINGS_TITLES[settings],
    settings: {},
    rawSettings: {},
    replicaSettings: {},
    skipped: {},
    workloads: [],
  };
  log(`\n== ${configuration.title}`);
  const ours = loadLibSqlDataSource();
  if ("reason" in ours) configuration.skipped["typeorm-libsql"] = `TypeORM level: ${ours.reason}`;
  const results = new Map<string, WorkloadResult>();
  for (const w of chosen) {
    results.set(w.id, {
      id: w.id,
      title: w.title,
      unit: w.unit,
      level: w.level,
      target: w.target,
      ...(w.level === "replica" ? { localPeer: w.localPeer } : {}),
      outcomes: {},
    });
  }

  // Each driver in a process of its own for the whole configuration (see isolation.ts).
  const processes = DRIVER_IDS.filter((id) => selected(config.drivers, id)).map((id) => DriverProcess.start(id));
  try {
    if (chosen.some((w) => w.level === "typeorm")) {
      const targets = await openLevel(
        processes,
        "typeorm",
        settings,
        config,
        (id, s) => (configuration.settings[id] = s),
        (id, reason) => {
          configuration.skipped[id] = reason;
          log(`skipping ${id}: ${reason}`);
        },
      );
      const primed = primingConfig(config);
      for (const w of chosen) {
        if (w.level === "typeorm") await runRounds(w, results.get(w.id)!, targets, config, primed);
      }
      await closeLevel(targets);
    }

    if (chosen.some((w) => w.level === "raw")) {
      const clients = await openLevel(
        processes,
        "raw",
        settings,
        config,
        (id, s) => (configuration.rawSettings[id] = s),
        (id, reason) => (configuration.skipped[id] ??= `raw: ${reason}`),
      );
      for (const w of chosen) {
        if (w.level === "raw") await runRounds(w, results.get(w.id)!, clients, config);
      }
      await closeLevel(clients);
    }

    // An embedded replica keeps libSQL's own settings (WAL), so this row is the same in both
    // configurations; it is measured in each, next to the local-file row it is judged against.
    await runReplicaWorkloads(config, processes, chosen, results, configuration);
  } finally {
    for (const p of processes) await p.stop();
  }
  configuration.workloads = [...results.values()];
  return configuration;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const chosen = workloads.filter((w) => selected(config.only, w.id));
  const settingsList = config.settings === "both" ? SETTINGS_IDS : SETTINGS_IDS.filter((s) => s === config.settings);
  if (settingsList.length === 0) throw new Error(`--settings must be "both", "defaults" or "wal-normal"`);
  const report: RunReport = {
    machine: machineInfo(nativeVersions().join(", SQLite ")),
    config,
    configurations: [],
  };
  log(`typeorm-libsql bench — ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}`);
  const started = Date.now();
  locateSqld();
  if (chosen.length > 0) {
    for (const settings of settingsList) report.configurations.push(await runConfiguration(config, settings, chosen));
  }

  // The remote rows: round trips through a delaying proxy to an sqld the bench starts.
  const remote = selected(config.only, "remote")
    ? await runRemoteBench(config.remoteDelayMs, config.remoteOps)
    : undefined;

  // The Drizzle column: Drizzle ORM on @libsql/client, on a local file and a loopback sqld.
  const drizzle = selected(config.only, "drizzle") ? await runDrizzleBench(config) : undefined;

  report.machine.loadAverage.end = loadAverage();
  const out = resultsDir(config, process.argv.slice(2));
  fs.mkdirSync(out, { recursive: true });
  if (remote) {
    writeRemote(out, remote);
    log("");
    log(remoteMarkdown(remote));
  }
  if (drizzle) {
    writeDrizzle(out, drizzle);
    log("");
    log(drizzleMarkdown(drizzle));
  }
  if (chosen.length === 0) {
    // Only the remote or Drizzle rows ran (`--only=remote,drizzle`): the rest is left as it is.
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  fs.writeFileSync(path.join(out, "latest.md"), markdown(report));
  fs.writeFileSync(path.join(out, "latest.json"), json(report));
  for (const configuration of report.configurations) {
    fs.writeFileSync(path.join(out, chartFile(configuration.id)), chart(report, configuration));
  }
  for (const configuration of report.configurations) {
    log("");
    log(`${configuration.title}:`);
    log(throughputTable(configuration));
  }
  log("");
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), out)}/latest.md, latest.json and the charts`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
