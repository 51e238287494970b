/**
 * Shared shapes: the drivers under test, the workloads, and what a run produces.
 */
import type { DataSource } from "typeorm";
import type { BenchConfig } from "./config";
import type { Sample } from "./measure";

export type DriverId = "typeorm-libsql" | "better-sqlite3" | "libsql-js";

/** Our driver first, then the peers; ratios are always ours ÷ peer. */
export const DRIVER_IDS: readonly DriverId[] = ["typeorm-libsql", "better-sqlite3", "libsql-js"];
export const OURS: DriverId = "typeorm-libsql";
export const BASELINE: DriverId = "better-sqlite3";

/** The two configurations every workload runs in. */
export type SettingsId = "defaults" | "wal-normal";
export const SETTINGS_IDS: readonly SettingsId[] = ["defaults", "wal-normal"];
export const SETTINGS_TITLES: Record<SettingsId, string> = {
  defaults: "each driver with its own defaults",
  "wal-normal": "journal_mode=WAL and synchronous=NORMAL for every driver",
};

/** Connection settings read back from each database after opening, to show they match. */
export interface Settings {
  journalMode: string;
  synchronous: string;
  sqliteVersion: string;
}

/** A TypeORM data source under test. */
export interface OrmTarget {
  id: DriverId;
  dataSource: DataSource;
  file: string;
  /** False when concurrent `transaction()` calls would share one connection (peers). */
  isolatedTransactions: boolean;
  settings: Settings;
}

/** A driver used directly, without TypeORM, on a table `raw_item(id, name, value)`. */
export interface RawClient {
  id: DriverId;
  settings: Settings;
  selectById(id: number): unknown;
  insert(name: string, value: number): unknown;
  close(): Promise<void>;
}

export interface WorkloadContext {
  config: BenchConfig;
}

interface WorkloadBase {
  id: string;
  title: string;
  /** What one counted operation is ("saves", "rows", "queries", "requests" …). */
  unit: string;
  /** Which target in the list this workload is judged against, if any. */
  target: "single-flow" | "bulk" | "concurrent" | "raw" | "replica" | "none";
}

export interface OrmWorkload extends WorkloadBase {
  level: "typeorm";
  run(target: OrmTarget, ctx: WorkloadContext): Promise<Sample>;
}

export interface RawWorkload extends WorkloadBase {
  level: "raw";
  run(client: RawClient, ctx: WorkloadContext): Promise<Sample>;
}

/** Driver level on an embedded replica synced from a real sqld (judged against our local file). */
export interface ReplicaWorkload extends WorkloadBase {
  level: "replica";
  /** The local-file workload whose result for our driver this one is compared with. */
  localPeer: string;
  run(client: RawClient, ctx: WorkloadContext): Promise<Sample>;
}

export type Workload = OrmWorkload | RawWorkload | ReplicaWorkload;

/** Thrown by a workload when a driver refuses the operation outright (e.g. streaming). */
export class Unsupported extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Unsupported";
  }
}

export type Outcome =
  { status: "ok"; sample: Sample } | { status: "unsupported" | "skipped" | "failed"; reason: string };

export interface WorkloadResult {
  id: string;
  title: string;
  unit: string;
  level: Workload["level"];
  target: Workload["target"];
  /** For a replica workload: the local-file workload it is compared with. */
  localPeer?: string;
  outcomes: Partial<Record<DriverId, Outcome>>;
}

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  gitCommit: string;
  /** 1-minute load average when the run started and ended. */
  loadAverage: { start: number; end: number };
  packages: Record<string, string>;
}

/** One configuration's results. */
export interface ConfigurationReport {
  id: SettingsId;
  title: string;
  settings: Partial<Record<DriverId, Settings>>;
  rawSettings: Partial<Record<DriverId, Settings>>;
  replicaSettings: Partial<Record<DriverId, Settings>>;
  skipped: Partial<Record<DriverId, string>>;
  workloads: WorkloadResult[];
}

export interface RunReport {
  machine: MachineInfo;
  config: BenchConfig;
  configurations: ConfigurationReport[];
}
