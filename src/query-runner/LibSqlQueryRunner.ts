/**
 * The query runner of the libSQL driver. Unlike TypeORM's SQLite runners (one shared runner on
 * one connection), every runner is independent: single statements borrow a pooled connection,
 * a runner in a transaction holds its own connection (BEGIN IMMEDIATE, so writers queue on the
 * busy timeout rather than fail), nested transactions become savepoints, and `stream()` reads
 * through a native cursor. Failures are `QueryFailedError`s whose `driverError` is a `LibSqlError`.
 */
import {
  type DataSource,
  type Table,
  type TableIndex,
  QueryFailedError,
  QueryResult,
  QueryRunnerAlreadyReleasedError,
  TransactionNotStartedError,
  TypeORMError,
} from "typeorm";
import { Query } from "typeorm/driver/Query";
import type { IsolationLevel } from "typeorm/driver/types/IsolationLevel";
import type { ReadStream } from "typeorm/platform/PlatformTools";
import { AbstractSqliteQueryRunner } from "typeorm/driver/sqlite-abstract/AbstractSqliteQueryRunner";
import { Broadcaster } from "typeorm/subscriber/Broadcaster";
import { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";
import type { LibSqlConnection, LibSqlTransaction, ObjectRow, Result } from "../native";
import type { LibSqlDriver } from "../driver/LibSqlDriver";
import { bindDataSource, dataSourceOf } from "../driver/compat";
import type { LeaseMode } from "../driver/LibSqlConnectionPool";
import { LibSqlCursorStream } from "./LibSqlCursorStream";
import { changesSession, isDataChange, normaliseParameters, statementHead } from "./parameters";
import { dropAllVectorIndexes, findVectorIndexes, vectorIndexSql } from "../vector/queryRunnerSupport";
import type { VectorIndexInfo } from "../vector/schema";

/** Savepoint names of nested transactions: typeorm_1, typeorm_2, … (as TypeORM's SQLite runners). */
function savepointName(depth: number): string {
  return `typeorm_${depth}`;
}

function autocommit(connection: LibSqlConnection): boolean {
  try {
    return connection.isClosed || connection.info().autocommit;
  } catch {
    return true;
  }
}

export class LibSqlQueryRunner extends AbstractSqliteQueryRunner {
  declare driver: LibSqlDriver;

  /** The connection this runner holds exclusively (transaction, session change or `connect()`). */
  private held: LibSqlConnection | undefined;
  private holding: Promise<LibSqlConnection> | undefined;
  private heldByConnect = false;
  private sessionChanged = false;
  private openStreams = 0;
  private transaction: LibSqlTransaction | undefined;
  /** Vector indexes seen by `loadTables`, so that rebuilding a table recreates them faithfully. */
  private readonly vectorIndexes = new Map<string, VectorIndexInfo>();

  constructor(driver: LibSqlDriver) {
    super();
    this.driver = driver;
    bindDataSource(this, dataSourceOf(driver));
    this.broadcaster = new Broadcaster(this);
  }

  /** Holds a pooled connection for this runner until `release()` and returns it. */
  async connect(): Promise<LibSqlConnection> {
    this.assertNotReleased();
    this.heldByConnect = true;
    return this.hold();
  }

  /** Rolls back an open transaction and gives the held connection back to the pool. */
  async release(): Promise<void> {
    if (this.isReleased) return;
    this.isReleased = true;
    this.loadedTables = [];
    this.clearSqlMemory();
    if (this.transaction) {
      const transaction = this.transaction;
      this.transaction = undefined;
      await transaction.rollback().catch(() => undefined);
    }
    this.isTransactionActive = false;
    this.transactionDepth = 0;
    this.heldByConnect = false;
    const pending = this.holding;
    if (pending) await pending.catch(() => undefined);
    if (this.openStreams === 0) await this.letGo();
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<void> {
    this.assertNotReleased();
    const level = isolationLevel ?? (this.owner.options as { isolationLevel?: IsolationLevel }).isolationLevel;
    if (level !== undefined && level !== "SERIALIZABLE") {
      throw new TypeORMError(
        `typeorm-libsql: isolation level "${level}" is not supported; libSQL (SQLite) transactions are always SERIALIZABLE`,
      );
    }
    const wasActive = this.isTransactionActive;
    this.isTransactionActive = true;
    try {
      await this.broadcaster.broadcast("BeforeTransactionStart");
      if (this.transactionDepth === 0) {
        const connection = await this.hold();
        // Lazy: BEGIN travels with the transaction's first statement (one round trip fewer).
        this.transaction = await this.native("BEGIN IMMEDIATE TRANSACTION", () =>
          connection.begin("immediate", { lazy: true }),
        );
      } else {
        const transaction = this.requireTransaction();
        const name = savepointName(this.transactionDepth);
        await this.native(`SAVEPOINT ${name}`, () => transaction.savepoint(name, { lazy: true }));
      }
    } catch (error) {
      this.isTransactionActive = wasActive;
      if (!wasActive) await this.letGoIfIdle();
      throw error;
    }
    this.transactionDepth += 1;
    await this.broadcaster.broadcast("AfterTransactionStart");
  }

  async commitTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast("BeforeTransactionCommit");
    const transaction = this.requireTransaction();
    if (this.transactionDepth > 1) {
      const name = savepointName(this.transactionDepth - 1);
      await this.native(`RELEASE SAVEPOINT ${name}`, () => transaction.releaseSavepoint(name));
      this.transactionDepth -= 1;
    } else {
      // A failed COMMIT (a busy database, a deferred constraint) leaves the transaction open
      // for the caller's rollback.
      await this.native("COMMIT", () => transaction.commit());
      this.endTransaction();
      await this.letGoIfIdle();
    }
    await this.broadcaster.broadcast("AfterTransactionCommit");
  }

  async rollbackTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast("BeforeTransactionRollback");
    const transaction = this.requireTransaction();
    if (this.transactionDepth > 1) {
      const name = savepointName(this.transactionDepth - 1);
      await this.native([`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`], () =>
        transaction.rollbackToSavepoint(name, { release: true }),
      );
      this.transactionDepth -= 1;
    } else {
      try {
        await this.native("ROLLBACK", () => transaction.rollback());
      } finally {
        this.endTransaction();
        await this.letGoIfIdle();
      }
    }
    await this.broadcaster.broadcast("AfterTransactionRollback");
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's QueryRunner contract
  async query(query: string, parameters?: unknown[], useStructuredResult = false): Promise<any> {
    this.assertNotReleased();
    if (parameters !== undefined && parameters !== null && !Array.isArray(parameters)) {
      throw new TypeORMError(
        "typeorm-libsql: parameters must be an array (named placeholders go through the query builder)",
      );
    }
    const values = normaliseParameters(parameters);
    const head = statementHead(query);
    const logger = this.owner.logger;
    logger.logQuery(query, values, this);
    const before = new BroadcasterResult();
    this.broadcaster.broadcastBeforeQueryEvent(before, query, values);
    await before.wait();
    const broadcasterResult = new BroadcasterResult();
    const started = Date.now();
    try {
      const raw = await this.onConnection(changesSession(head), (connection) =>
        this.withTimeout(connection, () => connection.query<ObjectRow>(query, values)),
      );
      const elapsed = Date.now() - started;
      const maxQueryExecutionTime = this.owner.options.maxQueryExecutionTime;
      if (maxQueryExecutionTime && elapsed > maxQueryExecutionTime) logger.logQuerySlow(elapsed, query, values, this);
      const result = this.toQueryResult(raw, head);
      this.broadcaster.broadcastAfterQueryEvent(broadcasterResult, query, values, true, elapsed, result.raw, undefined);
      return useStructuredResult ? result : result.raw;
    } catch (error) {
      logger.logQueryError(error instanceof Error ? error : String(error), query, values, this);
      this.broadcaster.broadcastAfterQueryEvent(broadcasterResult, query, values, false, undefined, undefined, error);
      throw new QueryFailedError(query, values, error instanceof Error ? error : new Error(String(error)));
    } finally {
      await broadcasterResult.wait();
    }
  }

  /**
   * Streams the rows of a query through a native cursor. The stream holds a connection until it
   * ends or is destroyed; `onEnd` / `onError` run once it has closed.
   */
  async stream(
    query: string,
    parameters?: unknown[],
    onEnd?: () => unknown,
    onError?: (error: Error) => unknown,
  ): Promise<ReadStream> {
    this.assertNotReleased();
    const values = normaliseParameters(parameters);
    this.owner.logger.logQuery(query, values, this);
    const pool = this.driver.requirePool();
    const own = !this.held && !this.holding && !this.isTransactionActive;
    const mode: LeaseMode = this.driver.resolvedOptions?.kind === "memory" ? "shared" : "exclusive";
    let connection: LibSqlConnection;
    try {
      connection = own ? await pool.acquire(mode) : await this.hold();
    } catch (error) {
      this.owner.logger.logQueryError(error instanceof Error ? error : String(error), query, values, this);
      throw new QueryFailedError(query, values, error instanceof Error ? error : new Error(String(error)));
    }
    let cursor;
    try {
      cursor = await connection.openCursor(query, values);
    } catch (error) {
      if (own) await pool.release(connection, mode);
      this.owner.logger.logQueryError(error instanceof Error ? error : String(error), query, values, this);
      throw new QueryFailedError(query, values, error instanceof Error ? error : new Error(String(error)));
    }
    this.openStreams += 1;
    const openCursor = cursor;
    const stream = new LibSqlCursorStream(cursor, this.driver.resolvedOptions?.streamBatchSize ?? 256, async () => {
      await openCursor.close().catch(() => undefined);
      this.openStreams -= 1;
      if (own) await pool.release(connection, mode);
      else if (this.isReleased && this.openStreams === 0) await this.letGo();
    });
    let failure: Error | undefined;
    stream.once("error", (error: Error) => {
      failure = error;
    });
    stream.once("close", () => {
      if (failure) onError?.(failure);
      else onEnd?.();
    });
    return stream as unknown as ReadStream;
  }

  /** Migrations run with foreign keys off on a connection the runner keeps until released. */
  async beforeMigration(): Promise<void> {
    this.assertNotReleased();
    const connection = await this.hold();
    this.sessionChanged = true;
    await this.native("PRAGMA foreign_keys = OFF", () => connection.pragma("foreign_keys", "OFF"));
  }

  async afterMigration(): Promise<void> {
    if (!this.held) return;
    const connection = this.held;
    const value = this.driver.resolvedOptions?.foreignKeys === false ? "OFF" : "ON";
    await this.native(`PRAGMA foreign_keys = ${value}`, () => connection.pragma("foreign_keys", value));
  }

  /** Drops vector indexes first: their shadow tables cannot be dropped on their own. */
  async clearDatabase(database?: string): Promise<void> {
    await dropAllVectorIndexes((sql) => this.query(sql));
    await super.clearDatabase(database);
  }

  protected async loadTables(tableNames?: string[]): Promise<Table[]> {
    const tables = await super.loadTables(tableNames);
    for (const [name, info] of await findVectorIndexes(tables, (sql) => this.query(sql))) {
      this.vectorIndexes.set(name, info);
    }
    return tables;
  }

  /** TypeORM reads a vector index back as an index on column `null`; write its real definition. */
  protected createIndexSql(table: Table, index: TableIndex): Query {
    const sql = vectorIndexSql(this.vectorIndexes, table, index);
    return sql === undefined ? super.createIndexSql(table, index) : new Query(sql);
  }

  // -------------------------------------------------------------------------

  /** The data source (`dataSource` in TypeORM 1.x, `connection` in 0.3.x). */
  private get owner(): DataSource {
    return dataSourceOf(this);
  }

  private assertNotReleased(): void {
    if (this.isReleased) throw new QueryRunnerAlreadyReleasedError();
  }

  private requireTransaction(): LibSqlTransaction {
    if (!this.transaction) throw new TransactionNotStartedError();
    return this.transaction;
  }

  private endTransaction(): void {
    this.transaction = undefined;
    this.isTransactionActive = false;
    this.transactionDepth = 0;
  }

  /** Leases a connection exclusively for this runner (once; later calls return the same one). */
  private hold(): Promise<LibSqlConnection> {
    if (this.held) return Promise.resolve(this.held);
    if (!this.holding) {
      this.holding = this.driver
        .requirePool()
        .acquire("exclusive")
        .then(
          (connection) => {
            this.held = connection;
            this.holding = undefined;
            return connection;
          },
          (error: unknown) => {
            this.holding = undefined;
            throw error;
          },
        );
    }
    return this.holding;
  }

  /** Gives the held connection back unless something still needs it. */
  private async letGoIfIdle(): Promise<void> {
    if (this.heldByConnect || this.sessionChanged || this.isTransactionActive || this.openStreams > 0) return;
    await this.letGo();
  }

  private async letGo(): Promise<void> {
    const connection = this.held;
    if (!connection) return;
    this.held = undefined;
    const sessionChanged = this.sessionChanged;
    this.sessionChanged = false;
    await this.driver.pool?.release(connection, "exclusive", sessionChanged);
  }

  /**
   * Runs `work` on the held connection, or on a shared lease for a single autocommit statement.
   * A statement that leaves a transaction open or changes the session keeps its connection.
   */
  private async onConnection<T>(session: boolean, work: (connection: LibSqlConnection) => Promise<T>): Promise<T> {
    if (this.held || this.holding || this.isTransactionActive || session) {
      const connection = await this.hold();
      if (session) this.sessionChanged = true;
      return work(connection);
    }
    const pool = this.driver.requirePool();
    const connection = await pool.acquire("shared");
    try {
      return await work(connection);
    } finally {
      if (!autocommit(connection) && !this.held && !this.isReleased) {
        pool.claim(connection);
        this.held = connection;
        this.sessionChanged = true;
      } else {
        await pool.release(connection, "shared");
      }
    }
  }

  private async withTimeout<T>(connection: LibSqlConnection, work: () => Promise<T>): Promise<T> {
    const timeout = this.driver.resolvedOptions?.queryTimeoutMs;
    if (!timeout) return work();
    const timer = setTimeout(() => {
      try {
        connection.interrupt();
      } catch {
        // The statement finished (or the connection closed) in the meantime.
      }
    }, timeout);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a native transaction call, logging it as the statement it stands for. */
  /** Runs one native call for the control statement(s) named, logging each of them. */
  private async native<T>(statements: string | readonly string[], work: () => Promise<T>): Promise<T> {
    const logger = this.owner.logger;
    const list = typeof statements === "string" ? [statements] : statements;
    for (const sql of list) logger.logQuery(sql, [], this);
    const statement = list.join("; ");
    try {
      return await work();
    } catch (error) {
      logger.logQueryError(error instanceof Error ? error : String(error), statement, [], this);
      throw new QueryFailedError(statement, [], error instanceof Error ? error : new Error(String(error)));
    }
  }

  private toQueryResult(raw: Result<ObjectRow>, head: string): QueryResult {
    const result = new QueryResult();
    if (raw.columns.length > 0) {
      result.raw = raw.rows;
      result.records = raw.rows;
      if (isDataChange(head)) result.affected = raw.rowsAffected;
    } else {
      result.raw = raw.lastInsertRowid;
      result.affected = raw.rowsAffected;
    }
    return result;
  }
}
