/**
 * The native binding of typeorm-libsql: connections, statements, transactions and cursors over
 * the Rust core in `native/`.
 */
export * from "./connection";
export * from "./errors";
export type {
  IntMode,
  Params,
  RowMode,
  SqlValue,
  TransactionBehaviour,
  RawConnectionInfo,
  RawSyncResult,
  RawStatementInfo,
  NativeOpenConfig,
  InlineStats,
  NativeBlocks,
} from "./binding";
export { binding as nativeBinding } from "./binding";
export type { MaybePromise } from "./now";
