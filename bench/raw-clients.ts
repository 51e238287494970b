/**
 * The drivers used directly, without TypeORM: our native binding (`LibSqlConnection`),
 * better-sqlite3 and libsql-js. Each opens a fresh file (with WAL and synchronous=NORMAL in the
 * "wal-normal" configuration, its own defaults otherwise), creates `raw_item`, and prepares a
 * point select and a single-row insert once. Replica clients read the same table from an embedded
 * replica of a real sqld primary (our binding and libsql-js; better-sqlite3 has no replicas).
 */
import { LibSqlConnection } from "../src/native";
import { freshFile, readSettings } from "./drivers";
import { rawSchemaSql } from "./seed";
import { DriverId, RawClient, SettingsId, Unsupported } from "./types";

const SELECT = "SELECT id, name, value FROM raw_item WHERE id = ?";
const INSERT = "INSERT INTO raw_item (name, value) VALUES (?, ?)";

/** The synchronous API better-sqlite3 and libsql-js share. */
interface SyncStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): unknown;
}
interface SyncDatabase {
  pragma(source: string): unknown;
  exec(sql: string): unknown;
  prepare(sql: string): SyncStatement;
  sync?(): unknown;
  close(): unknown;
}
type SyncDatabaseCtor = new (file: string, options?: Record<string, unknown>) => SyncDatabase;

async function openOurs(file: string, rows: number, settings: SettingsId): Promise<RawClient> {
  const conn = await LibSqlConnection.open({ url: file });
  if (settings === "wal-normal") {
    await conn.pragma("journal_mode", "WAL");
    await conn.pragma("synchronous", "NORMAL");
  }
  for (const sql of rawSchemaSql(rows)) await conn.execute(sql);
  const select = await conn.prepare(SELECT);
  const insert = await conn.prepare(INSERT);
  const readBack = await readSettings(async (sql) => (await conn.query(sql)).rows);
  return {
    id: "typeorm-libsql",
    settings: readBack,
    selectById: (id) => select.query([id]),
    insert: (name, value) => insert.execute([name, value]),
    close: async () => {
      await select.finalize();
      await insert.finalize();
      await conn.close();
    },
  };
}

function syncClient(id: DriverId, db: SyncDatabase, settings: RawClient["settings"]): RawClient {
  const select = db.prepare(SELECT);
  let insert: SyncStatement | undefined;
  return {
    id,
    settings,
    selectById: (key) => select.get(key),
    insert: (name, value) => (insert ??= db.prepare(INSERT)).run(name, value),
    close: async () => {
      db.close();
    },
  };
}

async function openSync(
  id: DriverId,
  moduleName: string,
  file: string,
  rows: number,
  settings: SettingsId,
): Promise<RawClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require(moduleName) as SyncDatabaseCtor;
  const db = new Database(file);
  if (settings === "wal-normal") {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  for (const sql of rawSchemaSql(rows)) db.exec(sql);
  return syncClient(id, db, await readSettings(async (sql) => db.prepare(sql).all()));
}

export async function openRawClient(
  id: DriverId,
  workDir: string,
  rows: number,
  settings: SettingsId = "wal-normal",
): Promise<RawClient> {
  const file = freshFile(workDir, `raw-${id}-${settings}.db`);
  switch (id) {
    case "typeorm-libsql":
      return openOurs(file, rows, settings);
    case "better-sqlite3":
      return openSync(id, "better-sqlite3", file, rows, settings);
    case "libsql-js":
      return openSync(id, "libsql", file, rows, settings);
  }
}

/** Creates and fills `raw_item` on a primary (once per primary). */
export async function seedPrimary(url: string, rows: number): Promise<void> {
  const conn = await LibSqlConnection.open({ url });
  try {
    await conn.execute("DROP TABLE IF EXISTS raw_item");
    for (const sql of rawSchemaSql(rows)) await conn.execute(sql);
  } finally {
    await conn.close();
  }
}

/** A client reading `raw_item` from an embedded replica of `primaryUrl`, synced once. */
export async function openReplicaClient(id: DriverId, workDir: string, primaryUrl: string): Promise<RawClient> {
  const file = freshFile(workDir, `replica-${id}.db`);
  switch (id) {
    case "typeorm-libsql": {
      const conn = await LibSqlConnection.open({ url: file, syncUrl: primaryUrl });
      await conn.sync();
      const select = await conn.prepare(SELECT);
      const readBack = await readSettings(async (sql) => (await conn.query(sql)).rows);
      return {
        id,
        settings: readBack,
        selectById: (key) => select.query([key]),
        insert: () => {
          throw new Unsupported("replica rows are read-only here");
        },
        close: async () => {
          await select.finalize();
          await conn.close();
        },
      };
    }
    case "libsql-js": {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Database = require("libsql") as SyncDatabaseCtor;
      const db = new Database(file, { syncUrl: primaryUrl });
      db.sync?.();
      return syncClient(id, db, await readSettings(async (sql) => db.prepare(sql).all()));
    }
    case "better-sqlite3":
      throw new Unsupported("better-sqlite3 has no embedded replicas");
  }
}
