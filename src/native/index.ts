/**
 * The typed binding of typeorm-libsql: connections, statements, transactions and cursors over
 * the Rust core in `native/`. What the package publishes from here is listed in `src/index.ts`;
 * the helpers at the end are for the driver, the tests and the bench, and are left out of the
 * published declarations (`stripInternal`).
 */
export { LibSqlConnection, nativeLoopBlocks, nativeStats, nativeVersions, type OpenOptions } from "./connection";
export { LibSqlCursor, LibSqlStatement, LibSqlTransaction } from "./handles";
export type { ArrayRow, BatchItem, ObjectRow, QueryOptions, Result } from "./types";
export { LibSqlError } from "./errors";
export type {
  IntMode,
  Params,
  RowMode,
  SqlValue,
  TransactionBehaviour,
  RawConnectionInfo,
  RawSyncResult,
  RawStatementInfo,
  RawStats,
  NativeOpenConfig,
  InlineStats,
  NativeBlocks,
} from "./binding";
/** @internal */
export { toLibSqlError, wrapAsync, wrapSync } from "./errors";
/** @internal */
export { binding as nativeBinding } from "./binding";
/** @internal */
export type { MaybePromise } from "./now";
