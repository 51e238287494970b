/**
 * `LibSqlDataSource`: a real TypeORM `DataSource` backed by libSQL. TypeORM has no driver
 * registry and decides "SQLite family" from `options.type`, so the data source presents itself
 * to TypeORM as `type: "better-sqlite3"` (every SQLite code path in the query builders, schema
 * builder and migrations is taken) and then replaces the driver TypeORM built with a
 * `LibSqlDriver` (how: src/typeorm/driverSwap.ts). better-sqlite3 itself is never loaded. The
 * options you passed stay available as `libsqlOptions`, with secrets kept out of enumeration and
 * logs.
 */
import { DataSource } from "typeorm";
import type { DataSourceOptions } from "typeorm";
import { LibSqlDriver } from "../driver/LibSqlDriver";
import { poseAsBetterSqlite3, replaceDriver } from "../typeorm";
import {
  LIBSQL_OPTION_KEYS,
  SECRET_OPTION_KEYS,
  type LibSqlConnectionOptions,
  type LibSqlDataSourceOptions,
} from "./LibSqlDataSourceOptions";
import { describeDatabase } from "./resolveOptions";
import type { LibSqlSyncResult } from "../driver/ReplicaSync";

function splitOptions(options: LibSqlDataSourceOptions): {
  typeorm: DataSourceOptions;
  libsql: LibSqlConnectionOptions;
} {
  const source: Record<string, unknown> = { ...(options as object) };
  const libsql: Record<string, unknown> = {};
  for (const key of LIBSQL_OPTION_KEYS) {
    if (key in source) {
      libsql[key] = source[key];
      delete source[key];
    }
  }
  delete source.type;
  for (const key of SECRET_OPTION_KEYS) {
    if (key in libsql) Object.defineProperty(libsql, key, { enumerable: false });
  }
  return { typeorm: poseAsBetterSqlite3(source, describeDatabase(options)), libsql: libsql as LibSqlConnectionOptions };
}

export class LibSqlDataSource extends DataSource {
  declare readonly driver: LibSqlDriver;

  /** The libSQL settings this data source was created with (secrets are not enumerable). */
  readonly libsqlOptions: LibSqlConnectionOptions;

  constructor(options: LibSqlDataSourceOptions) {
    const { typeorm, libsql } = splitOptions(options ?? ({} as LibSqlDataSourceOptions));
    super(typeorm);
    this.libsqlOptions = libsql;
    replaceDriver(this, () => new LibSqlDriver(this, libsql));
  }

  /**
   * Embedded replica: pulls the frames the primary has and this replica lacks. Rejects with
   * `LIBSQL_UNSUPPORTED` on another kind of database, and with the network error (or
   * `LIBSQL_TIMEOUT`) when the primary cannot be reached.
   */
  async sync(): Promise<LibSqlSyncResult> {
    return this.driver.replication("sync()").sync();
  }

  /** Embedded replica: syncs until the replica has frame `frameNo` (from a write's replication index). */
  async syncUntil(frameNo: number): Promise<LibSqlSyncResult> {
    return this.driver.replication("syncUntil()").syncUntil(frameNo);
  }

  /** Embedded replica: the newest frame the replica has applied (null before the first). */
  async replicationIndex(): Promise<number | null> {
    return this.driver.replication("replicationIndex()").replicationIndex();
  }
}
