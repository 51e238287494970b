/**
 * The typed face of the native core: `LibSqlConnection`, which opens a database and hands out the
 * statement, transaction and cursor handles of `handles.ts`. Every method is a thin wrapper over
 * one native call, which runs inline when it is short and cannot wait, off the JavaScript thread
 * otherwise (see docs/execution-model.md); every failure is a `LibSqlError`.
 */
import {
  classifyLocation,
  DEFAULT_YIELD_INTERVAL_MS,
  intModeOption,
  OPEN_OPTION_KEYS,
  resolveOpen,
  yieldIntervalOption,
} from "../options/open";
import { checkOptionNames, type EveryKeyListed } from "../options/names";
import { integerOption } from "../options/values";
import {
  binding,
  InlineStats,
  IntMode,
  NativeBlocks,
  NativeOpenConfig,
  Params,
  RawConnectionInfo,
  RawQueryOptions,
  RawStats,
  RawSyncResult,
  RowMode,
  TransactionBehaviour,
} from "./binding";
import { wrapAsync, wrapSync } from "./errors";
import { LibSqlCursor, LibSqlStatement, LibSqlTransaction } from "./handles";
import { collect, MaybePromise, packOptions, resultNow, RESULT_PAGE_ROWS } from "./now";
import type { ArrayRow, BatchItem, ObjectRow, QueryOptions, Result } from "./types";

/** What `LibSqlConnection.open` takes. A number with a unit carries it in its name. */
export interface OpenOptions {
  /** A path, a `file:` URL, `:memory:`, or a remote URL (`libsql://`, `https://`, `http://`, `ws(s)://`). */
  url: string;
  /** Token for a remote database or the primary of an embedded replica. */
  authToken?: string;
  /** Makes `url` (a local file) an embedded replica of this remote primary. */
  syncUrl?: string;
  /** Milliseconds between automatic syncs of an embedded replica. */
  syncIntervalMs?: number;
  /** Embedded replica: whether a connection sees its own writes before the next sync. */
  readYourWrites?: boolean;
  /** Remote database or replica primary: milliseconds to open a connection (default 10000; 0: no limit). */
  connectTimeoutMs?: number;
  /** Remote database or replica primary: milliseconds one call may wait (default 30000; 0: no limit). */
  requestTimeoutMs?: number;
  /** Encryption at rest for local files and replicas. */
  encryptionKey?: string;
  /** Milliseconds a connection waits for a lock before `SQLITE_BUSY` (default 5000; local only). */
  busyTimeoutMs?: number;
  /** Prepared statements cached per connection (default 64; 0 turns the cache off). */
  statementCacheSize?: number;
  /**
   * Milliseconds one statement may run inline on the JavaScript thread (local connections;
   * default 1; 0 runs every statement off the thread). See docs/execution-model.md.
   */
  inlineBudgetMs?: number;
  /**
   * Milliseconds inline statements may hold the event loop, across a chain of them, before the
   * next result waits for the loop to turn (default 2; 0: never wait). See the README's execution
   * model.
   */
  yieldIntervalMs?: number;
  /**
   * Whether the statement cache sees through integer literals in value positions (`WHERE id = 1`
   * runs as `WHERE id = ?` with 1 bound), so that one prepared statement serves every id (default
   * true; local connections only). See docs/inline-performance.md.
   */
  normaliseLiterals?: boolean;
  /** Default integer mode for this connection's results (per-call options override it). */
  intMode?: IntMode;
}

/** Compiles only while `OPEN_OPTION_KEYS` (the names `open` takes) names every option of `OpenOptions`. */
const everyOpenOptionListed: EveryKeyListed<OpenOptions, (typeof OPEN_OPTION_KEYS)[number]> = true;
void everyOpenOptionListed;

export class LibSqlConnection {
  private closed = false;

  private constructor(
    /** The native connection id. */
    readonly id: number,
    private readonly intMode: IntMode,
    /** Milliseconds inline work may hold the event loop before a result waits for it to turn. */
    private readonly yieldIntervalMs: number,
  ) {}

  /**
   * Opens a database (local file, `:memory:`, remote, or embedded replica) and one connection.
   * Invalid options are refused with a `LibSqlOptionsError` (a `LibSqlError` naming the option).
   */
  static async open(options: OpenOptions): Promise<LibSqlConnection> {
    checkOptionNames(options ?? {}, OPEN_OPTION_KEYS, "LibSqlConnection.open");
    const target = classifyLocation("url", options.url);
    const syncIntervalMs = integerOption("syncIntervalMs", options.syncIntervalMs, 1);
    const { config } = resolveOpen(
      target,
      "url",
      options,
      syncIntervalMs === undefined ? undefined : { key: "syncIntervalMs", value: syncIntervalMs },
    );
    return LibSqlConnection.openConfigured(config, intModeOption(options.intMode), yieldIntervalOption(options));
  }

  /**
   * Opens a connection from a configuration already validated by `src/options` (the data source
   * resolves its options once and opens with this). Not part of the public API.
   * @internal
   */
  static async openConfigured(
    config: NativeOpenConfig,
    intMode: IntMode,
    yieldIntervalMs: number = DEFAULT_YIELD_INTERVAL_MS,
  ): Promise<LibSqlConnection> {
    const id = await wrapAsync(() => binding().open(config));
    return new LibSqlConnection(id, intMode, yieldIntervalMs);
  }

  /** Another connection to the same database (for `:memory:`, a new, separate database). */
  connectShared(): LibSqlConnection {
    return new LibSqlConnection(
      wrapSync(() => binding().connectShared(this.id)),
      this.intMode,
      this.yieldIntervalMs,
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private opts(options: QueryOptions | undefined, rowMode: RowMode): RawQueryOptions {
    return { intMode: options?.intMode ?? this.intMode, rowMode, pageRows: RESULT_PAGE_ROWS };
  }

  /** The query options packed as the addon reads them fastest (see `now.ts`). */
  private packed(options: QueryOptions | undefined, rowMode: RowMode): number {
    return packOptions(options?.intMode ?? this.intMode, rowMode);
  }

  /** Runs one statement; rows are arrays in column order. */
  async execute(sql: string, params?: Params, options?: QueryOptions): Promise<Result<ArrayRow>> {
    return this.executeNow(sql, params, options);
  }

  /** Runs one statement; rows are objects keyed by column name. */
  async query<Row extends object = ObjectRow>(
    sql: string,
    params?: Params,
    options?: QueryOptions,
  ): Promise<Result<Row>> {
    return this.queryNow<Row>(sql, params, options);
  }

  /**
   * `execute`, giving the result itself when the statement ran inline and a Promise only when it
   * ran off the thread (see `now.ts`). For the driver.
   * @internal
   */
  executeNow(sql: string, params?: Params, options?: QueryOptions): MaybePromise<Result<ArrayRow>> {
    return resultNow(
      () => binding().run(this.id, sql, params ?? null, this.packed(options, "array")),
      this.yieldIntervalMs,
    ) as MaybePromise<Result<ArrayRow>>;
  }

  /**
   * `query`, giving the result itself when the statement ran inline (see `executeNow`).
   * @internal
   */
  queryNow<Row extends object = ObjectRow>(
    sql: string,
    params?: Params,
    options?: QueryOptions,
  ): MaybePromise<Result<Row>> {
    return resultNow(
      () => binding().run(this.id, sql, params ?? null, this.packed(options, "object")),
      this.yieldIntervalMs,
    ) as MaybePromise<Result<Row>>;
  }

  /** Several statements in one native call; `transactional` makes it all-or-nothing. */
  async batch(
    statements: BatchItem[],
    options: QueryOptions & { transactional?: boolean } = {},
  ): Promise<Result<ObjectRow>[]> {
    const items = statements.map((s) => ({ sql: s.sql, params: s.params }));
    const results = await wrapAsync(() =>
      binding().batch(this.id, items, options.transactional ?? true, this.opts(options, "object")),
    );
    for (const result of results) await collect(result);
    return results as Result<ObjectRow>[];
  }

  /** Runs an SQL script (several statements, no parameters), optionally all-or-nothing. */
  async executeScript(sql: string, options: { transactional?: boolean } = {}): Promise<void> {
    await wrapAsync(() => binding().executeScript(this.id, sql, options.transactional ?? false));
  }

  async prepare(sql: string): Promise<LibSqlStatement> {
    const id = await wrapAsync(() => binding().prepare(this.id, sql));
    return new LibSqlStatement(id, this.intMode, this.yieldIntervalMs);
  }

  /**
   * Begins a transaction. With `lazy`, BEGIN is sent together with the next statement (one round
   * trip fewer); a failure to begin, such as `SQLITE_BUSY`, is then that statement's error, and
   * BEGIN is tried again with the one after.
   */
  async begin(
    behaviour: TransactionBehaviour = "deferred",
    options: { lazy?: boolean } = {},
  ): Promise<LibSqlTransaction> {
    if (options.lazy) {
      const lazy = wrapSync(() => binding().beginLazy(this.id, behaviour));
      if (lazy !== null) return new LibSqlTransaction(this.id, lazy, this.yieldIntervalMs);
    }
    const id = await wrapAsync(() => binding().begin(this.id, behaviour));
    return new LibSqlTransaction(this.id, id, this.yieldIntervalMs);
  }

  /**
   * `begin(behaviour, { lazy: true })`: the transaction at once when the connection is idle (its
   * BEGIN goes with the next statement), or a Promise when it has to wait.
   * @internal
   */
  beginNow(behaviour: TransactionBehaviour): MaybePromise<LibSqlTransaction> {
    const lazy = wrapSync(() => binding().beginLazy(this.id, behaviour));
    if (lazy !== null) return new LibSqlTransaction(this.id, lazy, this.yieldIntervalMs);
    return this.begin(behaviour);
  }

  /** The transaction this connection holds, if any. */
  currentTransaction(): number | null {
    return wrapSync(() => binding().currentTransaction(this.id)) ?? null;
  }

  async openCursor(sql: string, params?: Params, options?: QueryOptions): Promise<LibSqlCursor> {
    const id = await wrapAsync(() => binding().openCursor(this.id, sql, params ?? null));
    return new LibSqlCursor(id, options?.intMode ?? this.intMode);
  }

  info(): RawConnectionInfo {
    return wrapSync(() => binding().connectionInfo(this.id));
  }

  /**
   * How this connection's calls ran so far: inline on the JavaScript thread, off it, and how often
   * an inline attempt met `SQLITE_BUSY` or a read was stopped at the budget (see
   * docs/execution-model.md).
   */
  inlineStats(): InlineStats {
    return wrapSync(() => binding().inlineStats(this.id));
  }

  /** Changes how long one statement of this connection may run inline, in milliseconds (0: never). */
  setInlineBudget(ms: number): void {
    wrapSync(() => binding().setInlineBudget(this.id, ms));
  }

  async busyTimeout(ms: number): Promise<void> {
    await wrapAsync(() => binding().busyTimeout(this.id, ms));
  }

  async reset(): Promise<void> {
    await wrapAsync(() => binding().reset(this.id));
  }

  /**
   * Remote databases: keeps this connection's statements on one server stream (one connection on
   * the server), inside and outside transactions, until `unpinStream()`, so that a PRAGMA or a
   * TEMP table holds for the statements after it. Nothing on other databases.
   * @internal
   */
  pinStream(): void {
    wrapSync(() => binding().pinStream(this.id));
  }

  /**
   * Ends what `pinStream()` began: the server stream is closed (a transaction still open on it is
   * rolled back by the server) and statements outside transactions go back to one stream each.
   * @internal
   */
  async unpinStream(): Promise<void> {
    await wrapAsync(() => binding().unpinStream(this.id));
  }

  /**
   * Interrupts the statement running on this connection; it fails with `SQLITE_INTERRUPT`. On a
   * remote database the request in flight is cancelled and fails with `LIBSQL_TIMEOUT` (the server
   * may still complete it).
   */
  interrupt(): void {
    wrapSync(() => binding().interrupt(this.id));
  }

  /** `PRAGMA name` or `PRAGMA name = value` (the name is validated, the value quoted). */
  async pragma<Row extends object = ObjectRow>(name: string, value?: string | number): Promise<Row[]> {
    const result = await collect(
      await wrapAsync(() => binding().pragma(this.id, name, value ?? null, this.opts(undefined, "object"))),
    );
    return result.rows as Row[];
  }

  /** Loads an SQLite extension (local and replica only); loading is enabled just for this call. */
  async loadExtension(path: string, entryPoint?: string): Promise<void> {
    await wrapAsync(() => binding().loadExtension(this.id, path, entryPoint ?? null));
  }

  /** Embedded replica: pulls new frames from the primary. */
  async sync(): Promise<RawSyncResult> {
    return wrapAsync(() => binding().sync(this.id));
  }

  async syncUntil(frameNo: number): Promise<RawSyncResult> {
    return wrapAsync(() => binding().syncUntil(this.id, frameNo));
  }

  async flushReplicator(): Promise<number | null> {
    return (await wrapAsync(() => binding().flushReplicator(this.id))) ?? null;
  }

  async replicationIndex(): Promise<number | null> {
    return (await wrapAsync(() => binding().replicationIndex(this.id))) ?? null;
  }

  maxWriteReplicationIndex(): number | null {
    return wrapSync(() => binding().maxWriteReplicationIndex(this.id));
  }

  /** Closes the connection; an open transaction is rolled back, statements and cursors freed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await wrapAsync(() => binding().close(this.id));
  }
}

/** How many native handles of each kind are open (for leak checks). */
export function nativeStats(): RawStats {
  return binding().stats();
}

/**
 * The stretches of native work on the JavaScript thread (inline statements, turning results into
 * JavaScript values) since the last reset, process-wide: the longest in milliseconds, the total
 * and how many. With `reset`, counting starts afresh.
 */
export function nativeLoopBlocks(reset = false): NativeBlocks {
  return binding().nativeBlocks(reset);
}

/** [addon version, SQLite version of the libsql engine]. */
export function nativeVersions(): string[] {
  return binding().versions();
}
