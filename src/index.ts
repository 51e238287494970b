/**
 * typeorm-libsql: the TypeORM driver for libSQL (Turso's fork of SQLite), on a native core.
 * Import `LibSqlDataSource` and use it wherever TypeORM takes a `DataSource`. This list is the
 * whole public API.
 */

// The data source and its options.
export { LibSqlDataSource } from "./data-source/LibSqlDataSource";
export type {
  LibSqlConnectionOptions,
  LibSqlDataSourceOptions,
  LibSqlJournalMode,
} from "./options/LibSqlDataSourceOptions";
export { LibSqlOptionsError } from "./options/errors";
export type { LibSqlDatabaseKind, ResolvedLibSqlOptions } from "./options/resolveOptions";

// The TypeORM roles behind it.
export { LibSqlDriver } from "./driver/LibSqlDriver";
export { LibSqlConnectionPool, type LeaseMode } from "./driver/LibSqlConnectionPool";
export type { LibSqlSyncResult } from "./driver/ReplicaSync";
export { LibSqlQueryRunner } from "./query-runner/LibSqlQueryRunner";

// The native binding.
export {
  LibSqlConnection,
  LibSqlCursor,
  LibSqlError,
  LibSqlStatement,
  LibSqlTransaction,
  nativeLoopBlocks,
  nativeStats,
  nativeVersions,
  type ArrayRow,
  type BatchItem,
  type InlineStats,
  type IntMode,
  type NativeBlocks,
  type NativeOpenConfig,
  type ObjectRow,
  type OpenOptions,
  type Params,
  type QueryOptions,
  type RawConnectionInfo,
  type RawStatementInfo,
  type RawStats,
  type RawSyncResult,
  type Result,
  type RowMode,
  type SqlValue,
  type TransactionBehaviour,
} from "./native";

// Vector search.
export {
  createVectorIndex,
  dropVectorIndex,
  vectorDistance,
  vectorDistanceCos,
  vectorDistanceL2,
  vectorTopK,
  VectorColumn,
  type CreateVectorIndexOptions,
  type DropVectorIndexOptions,
  type VectorColumnOptions,
  type VectorColumnType,
  type VectorDistanceExpression,
  type VectorDistanceOptions,
  type VectorEntityMatch,
  type VectorInput,
  type VectorMetric,
  type VectorNeighbourCompression,
  type VectorRowMatch,
  type VectorTarget,
  type VectorTopKEntityOptions,
  type VectorTopKOptions,
} from "./vector";

// A database per tenant, and database administration on sqld and Turso.
export {
  LibSqlAdminError,
  SqldAdmin,
  TursoAdmin,
  type LibSqlAdminErrorCode,
  type LibSqlCreateDatabaseOptions,
  type LibSqlCreateTokenOptions,
  type LibSqlDatabaseAdmin,
  type LibSqlDatabaseInfo,
  type SqldAdminOptions,
  type TursoAdminOptions,
} from "./admin";
export {
  LibSqlTenants,
  type LibSqlMigrateAllOptions,
  type LibSqlMigrateProgress,
  type LibSqlMigrateSummary,
  type LibSqlTenantConnection,
  type LibSqlTenantDataSourceOptions,
  type LibSqlTenantsOptions,
  type LibSqlTenantsStats,
} from "./tenants";
