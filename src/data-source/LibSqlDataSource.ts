/**
 * `LibSqlDataSource`: a real TypeORM `DataSource` backed by libSQL. TypeORM has no driver
 * registry and decides "SQLite family" from `options.type`, so the data source presents itself
 * to TypeORM as `type: "better-sqlite3"` (every SQLite code path in the query builders, schema
 * builder and migrations is taken) and then replaces the driver TypeORM built with a
 * `LibSqlDriver`. better-sqlite3 itself is never loaded. The options you passed stay available
 * as `libsqlOptions`, with secrets kept out of enumeration and logs.
 */
import { DataSource } from "typeorm";
import type { DataSourceOptions } from "typeorm";
import { QueryResultCacheFactory } from "typeorm/cache/QueryResultCacheFactory";
import { LibSqlDriver } from "../driver/LibSqlDriver";
import {
  LIBSQL_OPTION_KEYS,
  SECRET_OPTION_KEYS,
  type LibSqlConnectionOptions,
  type LibSqlDataSourceOptions,
} from "./LibSqlDataSourceOptions";
import { describeDatabase } from "./resolveOptions";

/** Stands in for the better-sqlite3 module so TypeORM's placeholder driver loads nothing. */
const NO_BETTER_SQLITE3 = Object.freeze({ name: "typeorm-libsql" });

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
  const typeorm = {
    ...source,
    type: "better-sqlite3",
    database: describeDatabase(options),
    driver: NO_BETTER_SQLITE3,
  } as unknown as DataSourceOptions;
  return { typeorm, libsql: libsql as LibSqlConnectionOptions };
}

export class LibSqlDataSource extends DataSource {
  declare readonly driver: LibSqlDriver;

  /** The libSQL settings this data source was created with (secrets are not enumerable). */
  readonly libsqlOptions: LibSqlConnectionOptions;

  constructor(options: LibSqlDataSourceOptions) {
    const { typeorm, libsql } = splitOptions(options ?? ({} as LibSqlDataSourceOptions));
    super(typeorm);
    delete (this.options as { driver?: unknown }).driver;
    this.libsqlOptions = libsql;
    const driver = new LibSqlDriver(this, libsql);
    Object.assign(this, { driver });
    // The cache (if any) was built against TypeORM's placeholder driver.
    if (this.options.cache) Object.assign(this, { queryResultCache: new QueryResultCacheFactory(this).create() });
  }
}
