/**
 * `LibSqlDataSource`: a real TypeORM `DataSource` backed by libSQL. TypeORM has no driver
 * registry and decides "SQLite family" from `options.type`, so the data source presents itself
 * to TypeORM as `type: "better-sqlite3"` (every SQLite code path in the query builders, schema
 * builder and migrations is taken) and then replaces the driver TypeORM built with a
 * `LibSqlDriver` (how: src/typeorm/driverSwap.ts). better-sqlite3 itself is never loaded. The
 * options you passed stay available as `libsqlOptions`, with secrets kept out of enumeration and
 * logs.
 */
import { CannotExecuteNotConnectedError, DataSource } from "typeorm";
import type { DataSourceOptions } from "typeorm";
import { LibSqlDriver } from "../driver/LibSqlDriver";
import { poseAsBetterSqlite3, replaceDriver } from "../typeorm";
import type { LibSqlOptionsError } from "../options/errors";
import {
  LIBSQL_OPTION_KEYS,
  SECRET_OPTION_KEYS,
  type LibSqlConnectionOptions,
  type LibSqlDataSourceOptions,
} from "../options/LibSqlDataSourceOptions";
import { describeDatabase, optionNamesProblem } from "../options/resolveOptions";
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

  /**
   * A misnamed option (a near miss of a known one, or better-sqlite3's), refused by `initialize()`
   * (the constructor never throws on bad options). Other unknown names are ignored, as TypeORM does.
   */
  private readonly optionsProblem: LibSqlOptionsError | undefined;

  constructor(options: LibSqlDataSourceOptions) {
    const given = options ?? ({} as LibSqlDataSourceOptions);
    const { typeorm, libsql } = splitOptions(given);
    super(typeorm);
    this.libsqlOptions = libsql;
    this.optionsProblem = optionNamesProblem(given);
    replaceDriver(this, () => new LibSqlDriver(this, libsql));
  }

  /** Refuses misnamed options (`LibSqlOptionsError`), then initialises as TypeORM does. */
  async initialize(): Promise<this> {
    if (this.optionsProblem) throw this.optionsProblem;
    return super.initialize();
  }

  /**
   * Closes every pooled connection (open transactions roll back). As with TypeORM's own drivers, a
   * data source that is not initialised refuses with `CannotExecuteNotConnectedError`; after an
   * earlier `destroy()` its message says so.
   */
  async destroy(): Promise<void> {
    if (!this.isInitialized && this.driver.wasDestroyed) {
      // The constructor takes the data source's name in TypeORM 0.3.x and nothing in 1.x.
      const name = (this as { name?: string }).name;
      const error = Reflect.construct(CannotExecuteNotConnectedError, [name]) as Error;
      error.message =
        "the data source has already been destroyed (destroy() was called twice); call initialize() to use it again";
      throw error;
    }
    await super.destroy();
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
