/**
 * Reach: building a TypeORM `DataSource` around a driver TypeORM does not know.
 *
 * Why: TypeORM has no driver registry (`DriverFactory` is a closed switch on `options.type`) and
 * decides "SQLite family" from `options.type` in about 150 places. So the options handed to
 * TypeORM say `type: "better-sqlite3"` (every SQLite code path is taken), with a placeholder in
 * `driver` so that TypeORM's better-sqlite3 driver, built by the `DataSource` constructor, loads no
 * module; `replaceDriver` then forgets the placeholder, puts our driver in the `readonly driver`
 * field, and rebuilds the query result cache, which the constructor built against the placeholder
 * driver. `setOptions()` (which the CLI calls) never rebuilds the driver, so ours stays.
 *
 * Verified by: crud.test.ts "is a TypeORM DataSource that TypeORM treats as SQLite"; options.test.ts
 * "never loads better-sqlite3" (the placeholder) and "keeps its driver when the CLI calls
 * setOptions()"; typeorm-seam.test.ts "builds a custom query result cache against the libSQL
 * driver, not TypeORM's placeholder" (the rebuilt cache); crud.test.ts "caches find results in the
 * query-result-cache table".
 */
import type { DataSource, DataSourceOptions, Driver } from "typeorm";
import { QueryResultCacheFactory } from "typeorm/cache/QueryResultCacheFactory";

/** Stands in for the better-sqlite3 module so TypeORM's placeholder driver loads nothing. */
const NO_BETTER_SQLITE3 = Object.freeze({ name: "typeorm-libsql" });

/** The options to give TypeORM's `DataSource` constructor: TypeORM's own, posing as better-sqlite3. */
export function poseAsBetterSqlite3(typeormOptions: Record<string, unknown>, database: string): DataSourceOptions {
  return {
    ...typeormOptions,
    type: "better-sqlite3",
    database,
    driver: NO_BETTER_SQLITE3,
  } as unknown as DataSourceOptions;
}

/** Replaces the placeholder driver of a data source built with `poseAsBetterSqlite3` options. */
export function replaceDriver<D extends Driver>(dataSource: DataSource, createDriver: () => D): D {
  delete (dataSource.options as { driver?: unknown }).driver;
  const driver = createDriver();
  Object.assign(dataSource, { driver });
  if (dataSource.options.cache) {
    Object.assign(dataSource, { queryResultCache: new QueryResultCacheFactory(dataSource).create() });
  }
  return driver;
}
