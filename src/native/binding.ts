/**
 * The raw native addon: locates and loads `typeorm-libsql.node` (built from `native/` by
 * `npm install`) and describes its exports. Ids are plain numbers; errors come back with an
 * encoded message that `errors.ts` turns into a `LibSqlError`. Prefer the classes in
 * `connection.ts`, which wrap every call.
 */
import { loadNativeAddon } from "./loader";

export type SqlValue = null | undefined | boolean | number | bigint | string | Uint8Array | ArrayBuffer;
export type Params = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;
export type IntMode = "number" | "bigint" | "string";
export type RowMode = "array" | "object";
export type TransactionBehaviour = "deferred" | "immediate" | "exclusive" | "read-only";

export interface RawOpenOptions {
  url: string;
  authToken?: string;
  syncUrl?: string;
  /** Milliseconds between automatic syncs of an embedded replica. */
  syncIntervalMs?: number;
  readYourWrites?: boolean;
  encryptionKey?: string;
  busyTimeout?: number;
  statementCacheSize?: number;
}

export interface RawQueryOptions {
  intMode?: IntMode;
  rowMode?: RowMode;
  /** Rows converted with the result; the rest wait for `takeRows` (0 or absent: all at once). */
  pageRows?: number;
}

export interface RawResult {
  columns: string[];
  columnTypes: (string | null)[];
  rows: unknown[];
  rowsAffected: number;
  lastInsertRowid: number | bigint | string | null;
  /** Present when rows beyond the first page wait natively for `takeRows`. */
  more?: number;
}

export interface RawPage {
  rows: unknown[];
  done: boolean;
}

export interface RawStatementInfo {
  columns: string[];
  columnTypes: (string | null | undefined)[];
  parameterCount: number;
  parameterNames: (string | null | undefined)[];
}

export interface RawConnectionInfo {
  mode: "memory" | "local" | "remote" | "replica";
  lastInsertRowid: number | bigint;
  changes: number;
  totalChanges: number;
  autocommit: boolean;
  transactionId?: number | null;
}

export interface RawSyncResult {
  frameNo?: number | null;
  framesSynced: number;
}

export interface RawStats {
  connections: number;
  statements: number;
  transactions: number;
  cursors: number;
}

export interface NativeBinding {
  open(options: RawOpenOptions): Promise<number>;
  connectShared(connId: number): number;
  close(connId: number): Promise<void>;
  execute(connId: number, sql: string, params?: Params | null, options?: RawQueryOptions | null): Promise<RawResult>;
  batch(
    connId: number,
    statements: { sql: string; params?: Params | null }[],
    transactional: boolean,
    options?: RawQueryOptions | null,
  ): Promise<RawResult[]>;
  executeScript(connId: number, sql: string, transactional?: boolean | null): Promise<void>;
  prepare(connId: number, sql: string): Promise<number>;
  statementInfo(stmtId: number): RawStatementInfo;
  executeStatement(stmtId: number, params?: Params | null, options?: RawQueryOptions | null): Promise<RawResult>;
  finalize(stmtId: number): Promise<void>;
  begin(connId: number, behaviour?: TransactionBehaviour | null): Promise<number>;
  beginLazy(connId: number, behaviour?: TransactionBehaviour | null): number | null;
  savepointLazy(connId: number, txId: number, name: string): boolean;
  commit(connId: number, txId: number): Promise<void>;
  rollback(connId: number, txId: number): Promise<void>;
  savepoint(connId: number, txId: number, name: string): Promise<void>;
  releaseSavepoint(connId: number, txId: number, name: string): Promise<void>;
  rollbackToSavepoint(connId: number, txId: number, name: string, release?: boolean | null): Promise<void>;
  takeRows(pageId: number, maxRows: number): RawPage;
  dropRows(pageId: number): void;
  currentTransaction(connId: number): number | null;
  savepoints(connId: number, txId: number): string[];
  openCursor(connId: number, sql: string, params?: Params | null): Promise<number>;
  cursorColumns(cursorId: number): string[];
  fetch(cursorId: number, maxRows: number, options?: RawQueryOptions | null): Promise<RawPage>;
  closeCursor(cursorId: number): Promise<void>;
  connectionInfo(connId: number): RawConnectionInfo;
  busyTimeout(connId: number, ms: number): Promise<void>;
  reset(connId: number): Promise<void>;
  interrupt(connId: number): void;
  pragma(
    connId: number,
    name: string,
    value?: string | number | null,
    options?: RawQueryOptions | null,
  ): Promise<RawResult>;
  loadExtension(connId: number, path: string, entryPoint?: string | null): Promise<void>;
  sync(connId: number): Promise<RawSyncResult>;
  syncUntil(connId: number, frameNo: number): Promise<RawSyncResult>;
  flushReplicator(connId: number): Promise<number | null>;
  replicationIndex(connId: number): Promise<number | null>;
  maxWriteReplicationIndex(connId: number): number | null;
  stats(): RawStats;
  versions(): string[];
}

let loaded: NativeBinding | undefined;

/** The native addon, loaded on first use (see `loader.ts` for where it is looked for). */
export function binding(): NativeBinding {
  if (!loaded) loaded = loadNativeAddon<NativeBinding>().addon;
  return loaded;
}
