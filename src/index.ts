/**
 * typeorm-libsql: the TypeORM driver for libSQL (Turso's fork of SQLite), on a native core.
 * Import `LibSqlDataSource` and use it wherever TypeORM takes a `DataSource`.
 */
export { LibSqlDataSource } from "./data-source/LibSqlDataSource";
export type {
  LibSqlDataSourceOptions,
  LibSqlConnectionOptions,
  LibSqlJournalMode,
} from "./data-source/LibSqlDataSourceOptions";
export { LibSqlOptionsError } from "./data-source/resolveOptions";
export type { ResolvedLibSqlOptions, LibSqlDatabaseKind } from "./data-source/resolveOptions";
export { LibSqlDriver } from "./driver/LibSqlDriver";
export { LibSqlConnectionPool } from "./driver/LibSqlConnectionPool";
export type { LibSqlSyncResult } from "./driver/ReplicaSync";
export type { LeaseMode } from "./driver/LibSqlConnectionPool";
export { LibSqlQueryRunner } from "./query-runner/LibSqlQueryRunner";
export * from "./native";
export * from "./vector";
export * from "./admin";
export * from "./tenants";
