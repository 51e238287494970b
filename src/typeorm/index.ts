/**
 * The TypeORM seam: every use of TypeORM beyond its public API goes through this module, so that
 * a TypeORM upgrade is checked here and nowhere else. Outside `src/typeorm/`, code imports only
 * from `"typeorm"` itself (eslint's `no-restricted-imports` enforces it).
 *
 * Each file is one reach, with a note on why it is needed and which tests fail if TypeORM changes
 * what it reaches for:
 * - `sqliteBase`        the SQLite base driver and query runner classes, and `Query`
 * - `queryEvents`       `Broadcaster` / `BroadcasterResult` (subscriber events of queries)
 * - `utilities`         `DateUtils`, `OrmUtils`, `ApplyValueTransformers`
 * - `types`             `BaseDataSourceOptions`, and types derived from public ones
 * - `driverSwap`        posing as better-sqlite3 and replacing the driver (and query result cache)
 * - `isolationLevels`   the driver's `supportedIsolationLevels` field (TypeORM 1.x)
 * - `dataSourceBinding` `dataSource` (1.x) versus `connection` (0.3.x)
 * - `insertReturning`   the `InsertQueryBuilder.createInsertExpression` wrapper for INSERT … RETURNING
 * - `databaseFiles`     `filepathToName` / `isAbsolute`: the schema names of entities in other files
 */
export { AbstractSqliteDriver, AbstractSqliteQueryRunner, Query } from "./sqliteBase";
export { Broadcaster, BroadcasterResult } from "./queryEvents";
export { ApplyValueTransformers, DateUtils, OrmUtils } from "./utilities";
export type { BaseDataSourceOptions, ColumnMetadata, IsolationLevel } from "./types";
export { poseAsBetterSqlite3, replaceDriver } from "./driverSwap";
export { declareIsolationLevels } from "./isolationLevels";
export { bindDataSource, dataSourceOf } from "./dataSourceBinding";
export { installInsertReturning } from "./insertReturning";
export { filepathToName, isAbsolute } from "./databaseFiles";
