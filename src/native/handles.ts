/**
 * The handles a `LibSqlConnection` hands out: prepared statements, transactions (with their
 * savepoints) and cursors. Each method is a thin wrapper over one native call; the `*Now`
 * variants give the result itself when the call ran inline (see `now.ts`).
 */
import { binding, IntMode, Params, RawStatementInfo, RowMode } from "./binding";
import type { ArrayRow, ObjectRow, QueryOptions, Result } from "./types";
import { wrapAsync, wrapSync } from "./errors";
import { doneNow, MaybePromise, packOptions, resultNow } from "./now";

export class LibSqlStatement {
  constructor(
    readonly id: number,
    private readonly intMode: IntMode,
    /** Milliseconds inline work may hold the event loop before a result waits for it to turn. */
    private readonly yieldIntervalMs: number,
  ) {}

  info(): RawStatementInfo {
    return wrapSync(() => binding().statementInfo(this.id));
  }

  async execute(params?: Params, options?: QueryOptions): Promise<Result<ArrayRow>> {
    return this.executeNow(params, options);
  }

  async query<Row extends object = ObjectRow>(params?: Params, options?: QueryOptions): Promise<Result<Row>> {
    return this.queryNow<Row>(params, options);
  }

  /**
   * `execute`, giving the result itself when the statement ran inline (see `now.ts`).
   * @internal
   */
  executeNow(params?: Params, options?: QueryOptions): MaybePromise<Result<ArrayRow>> {
    const packed = packOptions(options?.intMode ?? this.intMode, "array");
    return resultNow(
      () => binding().runStatement(this.id, params ?? null, packed),
      this.yieldIntervalMs,
    ) as MaybePromise<Result<ArrayRow>>;
  }

  /**
   * `query`, giving the result itself when the statement ran inline (see `now.ts`).
   * @internal
   */
  queryNow<Row extends object = ObjectRow>(params?: Params, options?: QueryOptions): MaybePromise<Result<Row>> {
    const packed = packOptions(options?.intMode ?? this.intMode, "object");
    return resultNow(
      () => binding().runStatement(this.id, params ?? null, packed),
      this.yieldIntervalMs,
    ) as MaybePromise<Result<Row>>;
  }

  async finalize(): Promise<void> {
    await wrapAsync(() => binding().finalize(this.id));
  }
}

export class LibSqlTransaction {
  constructor(
    /** The connection that owns this transaction. */
    readonly connId: number,
    readonly id: number,
    /** Milliseconds inline work may hold the event loop before a result waits for it to turn. */
    private readonly yieldIntervalMs: number,
  ) {}

  async commit(): Promise<void> {
    await this.commitNow();
  }

  async rollback(): Promise<void> {
    await this.rollbackNow();
  }

  /**
   * `commit`, finished at once when it ran inline, or a Promise (see `now.ts`).
   * @internal
   */
  commitNow(): MaybePromise<void> {
    return doneNow(() => binding().endTransaction(this.connId, this.id, true), this.yieldIntervalMs);
  }

  /**
   * `rollback`, finished at once when it ran inline, or a Promise (see `now.ts`).
   * @internal
   */
  rollbackNow(): MaybePromise<void> {
    return doneNow(() => binding().endTransaction(this.connId, this.id, false), this.yieldIntervalMs);
  }

  /** Opens a savepoint; with `lazy`, SAVEPOINT is sent together with the next statement. */
  async savepoint(name: string, options: { lazy?: boolean } = {}): Promise<void> {
    if (options.lazy && wrapSync(() => binding().savepointLazy(this.connId, this.id, name))) return;
    await wrapAsync(() => binding().savepoint(this.connId, this.id, name));
  }

  /**
   * `savepoint(name, { lazy: true })`, done at once when the connection is idle, or a Promise.
   * @internal
   */
  savepointNow(name: string): MaybePromise<void> {
    if (wrapSync(() => binding().savepointLazy(this.connId, this.id, name))) return;
    return wrapAsync(() => binding().savepoint(this.connId, this.id, name));
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.releaseSavepointNow(name);
  }

  /** Rolls back to the savepoint; with `release`, also releases it (one native call for both). */
  async rollbackToSavepoint(name: string, options: { release?: boolean } = {}): Promise<void> {
    if (options.release) await this.undoSavepointNow(name);
    else await doneNow(() => binding().endSavepoint(this.connId, this.id, name, true, false), this.yieldIntervalMs);
  }

  /**
   * `releaseSavepoint`, finished at once when it ran inline, or a Promise (see `now.ts`).
   * @internal
   */
  releaseSavepointNow(name: string): MaybePromise<void> {
    return doneNow(() => binding().endSavepoint(this.connId, this.id, name, false), this.yieldIntervalMs);
  }

  /**
   * `rollbackToSavepoint(name, { release: true })`, finished at once when it ran inline, or a
   * Promise (see `now.ts`).
   * @internal
   */
  undoSavepointNow(name: string): MaybePromise<void> {
    return doneNow(() => binding().endSavepoint(this.connId, this.id, name, true), this.yieldIntervalMs);
  }

  savepoints(): string[] {
    return wrapSync(() => binding().savepoints(this.connId, this.id));
  }
}

export class LibSqlCursor implements AsyncIterable<ObjectRow> {
  private finished = false;

  constructor(
    readonly id: number,
    private readonly intMode: IntMode,
  ) {}

  columns(): string[] {
    return wrapSync(() => binding().cursorColumns(this.id));
  }

  /** Up to `maxRows` more rows, as objects; an empty page with `done` once exhausted. */
  async fetch(maxRows: number, rowMode: RowMode = "object"): Promise<{ rows: unknown[]; done: boolean }> {
    const page = await wrapAsync(() => binding().fetch(this.id, maxRows, packOptions(this.intMode, rowMode, 0)));
    if (page.done) this.finished = true;
    return page;
  }

  get done(): boolean {
    return this.finished;
  }

  async close(): Promise<void> {
    await wrapAsync(() => binding().closeCursor(this.id));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ObjectRow> {
    try {
      while (!this.finished) {
        const page = await this.fetch(256);
        for (const row of page.rows) yield row as ObjectRow;
      }
    } finally {
      await this.close().catch(() => undefined);
    }
  }
}
