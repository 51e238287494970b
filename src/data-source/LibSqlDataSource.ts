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
import {
  LIBSQL_OPTION_KEYS,
  SECRET_OPTION_KEYS,
  type LibSqlConnectionOptions,
  type LibSqlDataSourceOptions,
} from "./LibSqlDataSourceOptions";
import { describeDatabase } from "./resolveOptions";

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
}
