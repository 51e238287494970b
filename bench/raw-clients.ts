/**
 * The drivers used directly, without TypeORM: our native binding (`LibSqlConnection`),
 * better-sqlite3 and libsql-js. Each opens a fresh file with WAL and synchronous=NORMAL, creates
 * `raw_item`, and prepares a point select and a single-row insert once.
 */
import { LibSqlConnection } from "../src/native";
import { freshFile, readSettings } from "./drivers";
import { rawSchemaSql } from "./seed";
import { DriverId, RawClient } from "./types";

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
  close(): unknown;
}
type SyncDatabaseCtor = new (file: string) => SyncDatabase;

async function openOurs(file: string, rows: number): Promise<RawClient> {
  const conn = await LibSqlConnection.open({ url: file });
  await conn.pragma("journal_mode", "WAL");
  await conn.pragma("synchronous", "NORMAL");
  for (const sql of rawSchemaSql(rows)) await conn.execute(sql);
  const select = await conn.prepare(SELECT);
  const insert = await conn.prepare(INSERT);
  const settings = await readSettings(async (sql) => (await conn.query(sql)).rows);
  return {
    id: "typeorm-libsql",
    settings,
    selectById: (id) => select.query([id]),
    insert: (name, value) => insert.execute([name, value]),
    close: async () => {
      await select.finalize();
      await insert.finalize();
      await conn.close();
    },
  };
}

async function openSync(id: DriverId, moduleName: string, file: string, rows: number): Promise<RawClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require(moduleName) as SyncDatabaseCtor;
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  for (const sql of rawSchemaSql(rows)) db.exec(sql);
  const select = db.prepare(SELECT);
  const insert = db.prepare(INSERT);
  const settings = await readSettings(async (sql) => db.prepare(sql).all());
  return {
    id,
    settings,
    selectById: (key) => select.get(key),
    insert: (name, value) => insert.run(name, value),
    close: async () => {
      db.close();
    },
  };
}

export async function openRawClient(id: DriverId, workDir: string, rows: number): Promise<RawClient> {
  const file = freshFile(workDir, `raw-${id}.db`);
  switch (id) {
    case "typeorm-libsql":
      return openOurs(file, rows);
    case "better-sqlite3":
      return openSync(id, "better-sqlite3", file, rows);
    case "libsql-js":
      return openSync(id, "libsql", file, rows);
  }
}
