/**
 * Opens the three TypeORM data sources under test, each on a fresh database file: our
 * `LibSqlDataSource`, TypeORM's built-in `better-sqlite3` driver, and that driver with libsql-js
 * swapped in (`driver: require("libsql")`). In the "wal-normal" configuration every one gets the
 * same journal mode (WAL) and synchronous level (NORMAL); in "defaults" each keeps its own.
 */
import * as fs from "fs";
import * as path from "path";
import { DataSource, DataSourceOptions } from "typeorm";
import type { LibSqlConnection } from "../src/native";
import { entities } from "./entities";
import { DriverId, OrmTarget, Settings, SettingsId } from "./types";

type DataSourceCtor = new (options: Record<string, unknown>) => DataSource;

/** Our driver, or why it cannot be used (it is written alongside this suite). */
export function loadLibSqlDataSource(): { ctor: DataSourceCtor } | { reason: string } {
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require("../src") as Record<string, unknown>;
  } catch (error) {
    return { reason: `cannot load ../src (${firstLine(error)})` };
  }
  const ctor = mod.LibSqlDataSource;
  if (typeof ctor !== "function") return { reason: "src/index.ts does not export LibSqlDataSource yet" };
  return { ctor: ctor as DataSourceCtor };
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n")[0];
  // better-sqlite3 installed with --ignore-scripts has no compiled addon.
  return line.includes("Could not locate the bindings file")
    ? `${line} (better-sqlite3's addon is not built; run "npm rebuild better-sqlite3")`
    : line;
}

/** Deletes a database file and its WAL companions. */
export function freshFile(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(file + suffix, { force: true });
  return file;
}

const SYNCHRONOUS_NAMES = ["OFF", "NORMAL", "FULL", "EXTRA"];

/** Reads the effective settings back through the data source. */
export async function readSettings(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Settings> {
  const [journal] = await query("PRAGMA journal_mode");
  const [sync] = await query("PRAGMA synchronous");
  const [version] = await query("SELECT sqlite_version() AS v");
  const level = Number(sync?.synchronous);
  return {
    journalMode: String(journal?.journal_mode).toUpperCase(),
    synchronous: SYNCHRONOUS_NAMES[level] ?? String(sync?.synchronous),
    sqliteVersion: String(version?.v),
  };
}

const common = { entities, synchronize: true, logging: false } as const;

/** Pragmas for the peers, applied by TypeORM right after it opens the connection. */
function preparePeer(db: { pragma(source: string): unknown }): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
}

/** Our driver's `inlineBudgetMs` for this run (negative: the driver's default), set from the config. */
let inlineBudgetMs = -1;
export function setInlineBudget(ms: number): void {
  inlineBudgetMs = ms;
}

async function openDataSource(id: DriverId, file: string, poolSize: number, settings: SettingsId): Promise<DataSource> {
  const same = settings === "wal-normal";
  switch (id) {
    case "typeorm-libsql": {
      const loaded = loadLibSqlDataSource();
      if ("reason" in loaded) throw new Error(loaded.reason);
      // The same settings as the peers, on every pooled connection (or our defaults).
      const ds = new loaded.ctor({
        ...common,
        database: file,
        ...(poolSize > 0 ? { poolSize } : {}),
        ...(inlineBudgetMs >= 0 ? { inlineBudgetMs } : {}),
        ...(same
          ? {
              journalMode: "WAL",
              prepareDatabase: (connection: LibSqlConnection) => connection.pragma("synchronous", "NORMAL"),
            }
          : {}),
      });
      return ds.initialize();
    }
    case "better-sqlite3":
    case "libsql-js": {
      const options: DataSourceOptions = {
        ...common,
        type: "better-sqlite3",
        database: file,
        ...(same ? { prepareDatabase: preparePeer } : {}),
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ...(id === "libsql-js" ? { driver: require("libsql") } : {}),
      };
      return new DataSource(options).initialize();
    }
  }
}

export async function openOrmTarget(
  id: DriverId,
  workDir: string,
  poolSize = 0,
  configuration: SettingsId = "wal-normal",
): Promise<OrmTarget> {
  const file = freshFile(workDir, `${id}-${configuration}.db`);
  const dataSource = await openDataSource(id, file, poolSize, configuration);
  const settings = await readSettings((sql) => dataSource.query(sql));
  return { id, dataSource, file, isolatedTransactions: id === "typeorm-libsql", settings };
}
