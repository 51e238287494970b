/**
 * The query runner of the libSQL driver: TypeORM's `QueryRunner` role. Unlike TypeORM's SQLite
 * runners (one shared runner on one connection), every runner is independent; which pooled
 * connection it uses, and when it gives it back, is its `ConnectionLease`. A transaction begins
 * with BEGIN IMMEDIATE (so writers queue on the busy timeout rather than fail), lazily: BEGIN
 * travels with the first statement. Nested transactions become savepoints, and `stream()` reads
 * through a native cursor. Failures are `QueryFailedError`s whose `driverError` is a `LibSqlError`.
 */
import {
  type DataSource,
  type Table,
  type TableColumn,
  type TableIndex,
  QueryFailedError,
  QueryResult,
  QueryRunnerAlreadyReleasedError,
  TransactionNotStartedError,
  TypeORMError,
} from "typeorm";
import type { ReadStream } from "fs";
import type { LibSqlConnection, LibSqlTransaction, MaybePromise, ObjectRow, Result } from "../native";
import type { LibSqlConnectionPool } from "../driver/LibSqlConnectionPool";
import type { ResolvedLibSqlOptions } from "../options/resolveOptions";
import {
  type AbstractSqliteDriver,
  AbstractSqliteQueryRunner,
  bindDataSource,
  Broadcaster,
  BroadcasterResult,
  dataSourceOf,
  type IsolationLevel,
  Query,
} from "../typeorm";
import { checkIsolationLevel } from "../driver/isolationLevels";
import { ConnectionLease, type StreamCursor } from "./ConnectionLease";
import { withQueryTimeout } from "./queryTimeout";
import { LibSqlCursorStream } from "./LibSqlCursorStream";
import { changesSession, isDataChange, normaliseParameters, statementHead } from "./parameters";
import { dropAllVectorIndexes, findVectorIndexes, vectorIndexSql } from "../vector/queryRunnerSupport";
import type { VectorIndexInfo } from "../vector/schema";
import { RebuildGuard } from "./tableRebuild";
import { clearDatabase } from "./clearDatabase";
import { qualifyForeignKeysInDatabaseFiles } from "../driver/databaseFiles";
import { alterColumnSql, planColumnAlterations, type SchemaSql } from "./alterColumn";

/**
 * A transaction-control statement: the text TypeORM's SQLite runners pass to `query()` (which
 * subscribers and spies see), what libSQL runs for it (logged), and the native call doing that.
 */
interface ControlStatement {
  readonly sql: string;
  readonly runs: string | readonly string[];
  readonly work: () => MaybePromise<unknown>;
}

/**
 * What a runner needs of its driver beyond TypeORM's SQLite driver: the pool it leases
 * connections from and the validated settings (`LibSqlDriver` is one).
 */
export interface LibSqlRunnerDriver extends AbstractSqliteDriver {
  readonly resolvedOptions: ResolvedLibSqlOptions | undefined;
  /** The pool; throws while there is none (not initialised, or destroyed). */
  requirePool(): LibSqlConnectionPool;
}

/** Savepoint names of nested transactions: typeorm_1, typeorm_2, … (as TypeORM's SQLite runners). */
function savepointName(depth: number): string {
  return `typeorm_${depth}`;
}

export class LibSqlQueryRunner extends AbstractSqliteQueryRunner {
  declare driver: LibSqlRunnerDriver;

  /** The pooled connection this runner uses, and what keeps it. */
  private readonly lease: ConnectionLease;
  /** The open native transaction (savepoints are nested inside it). */
  private transaction: LibSqlTransaction | undefined;
  /**
   * The transaction-control statement the runner is about to pass to `query()` (see
   * `controlQuery`), and the native call that runs it.
   */
  private control: ControlStatement | undefined;
  /** Whether the open transaction has run no statement yet. */
  private transactionUntouched = false;
  /** What keeps table rebuilds from losing rows (see tableRebuild.ts). */
  private readonly rebuildGuard = new RebuildGuard(
    (sql) => this.rows(sql),
    () => this.driver.resolvedOptions?.foreignKeys !== false,
  );
  /** Vector indexes seen by `loadTables`, so that rebuilding a table recreates them faithfully. */
  private readonly vectorIndexes = new Map<string, VectorIndexInfo>();

  constructor(driver: LibSqlRunnerDriver) {
    super();
    this.driver = driver;
    bindDataSource(this, dataSourceOf(driver));
    this.broadcaster = new Broadcaster(this);
    this.lease = new ConnectionLease(() => driver.requirePool(), this);
  }

  /** Holds a pooled connection for this runner until `release()` and returns it. */
  async connect(): Promise<LibSqlConnection> {
    this.assertNotReleased();
    return this.lease.keepUntilReleased();
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
    await this.lease.end();
  }

  /**
   * Starts a transaction (a savepoint when one is open). As in TypeORM's SQLite runners, the
   * transaction-control statements pass through `query()` between the Before… and After…
   * subscriber events, and on a local database a given isolation level sets
   * `PRAGMA read_uncommitted` (on, for READ UNCOMMITTED; off, otherwise) in the transaction.
   */
  async startTransaction(isolationLevel?: IsolationLevel): Promise<void> {
    this.assertNotReleased();
    const level = isolationLevel ?? (this.owner.options as { isolationLevel?: IsolationLevel }).isolationLevel;
    // Every accepted level runs as SQLite's serializable transaction (see isolationLevels.ts).
    checkIsolationLevel(level);
    const wasActive = this.isTransactionActive;
    this.isTransactionActive = true;
    try {
      await this.broadcaster.broadcast("BeforeTransactionStart");
      if (this.transactionDepth === 0) {
        const held = this.lease.acquireExclusiveNow();
        const connection = held instanceof Promise ? await held : held;
        // Lazy: BEGIN travels with the transaction's first statement (one round trip fewer).
        await this.controlQuery("BEGIN TRANSACTION", "BEGIN IMMEDIATE TRANSACTION", () => {
          const begun = connection.beginNow("immediate");
          if (!(begun instanceof Promise)) this.transaction = begun;
          return begun instanceof Promise ? begun.then((transaction) => (this.transaction = transaction)) : begun;
        });
        // A server refuses the pragma (it only matters to SQLite's shared cache, which libSQL's
        // servers do not offer), so it is set on local databases only.
        const kind = this.driver.resolvedOptions?.kind;
        if (level && kind !== "remote" && kind !== "replica") {
          await this.query(`PRAGMA read_uncommitted = ${level === "READ UNCOMMITTED" ? "true" : "false"}`);
        }
      } else {
        const transaction = this.requireTransaction();
        const name = savepointName(this.transactionDepth);
        await this.controlQuery(`SAVEPOINT ${name}`, `SAVEPOINT ${name}`, () => transaction.savepointNow(name));
      }
    } catch (error) {
      if (this.transactionDepth === 0 && this.transaction) {
        const transaction = this.transaction;
        this.transaction = undefined;
        await transaction.rollback().catch(() => undefined);
      }
      this.isTransactionActive = wasActive;
      if (!wasActive) await this.lease.returnIfUnneeded();
      throw error;
    }
    this.transactionDepth += 1;
    this.transactionUntouched = this.transactionDepth === 1;
    await this.broadcaster.broadcast("AfterTransactionStart");
  }

  async commitTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast("BeforeTransactionCommit");
    const transaction = this.requireTransaction();
    if (this.transactionDepth > 1) {
      const name = savepointName(this.transactionDepth - 1);
      await this.controlQuery(`RELEASE SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`, () =>
        transaction.releaseSavepointNow(name),
      );
      this.transactionDepth -= 1;
    } else {
      await this.rebuildGuard.beforeCommit();
      // A failed COMMIT (a busy database, a deferred constraint) leaves the transaction open
      // for the caller's rollback.
      await this.controlQuery("COMMIT", "COMMIT", () => transaction.commitNow());
      this.endTransaction();
      await this.lease.returnIfUnneeded(true);
    }
    await this.broadcaster.broadcast("AfterTransactionCommit");
  }

  async rollbackTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast("BeforeTransactionRollback");
    const transaction = this.requireTransaction();
    if (this.transactionDepth > 1) {
      const name = savepointName(this.transactionDepth - 1);
      await this.controlQuery(
        `ROLLBACK TO SAVEPOINT ${name}`,
        [`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`],
        () => transaction.undoSavepointNow(name),
      );
      this.transactionDepth -= 1;
    } else {
      let clean = false;
      try {
        await this.controlQuery("ROLLBACK", "ROLLBACK", () => transaction.rollbackNow());
        clean = true;
      } finally {
        this.endTransaction();
        await this.lease.returnIfUnneeded(clean);
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
    const control = this.control;
    if (control !== undefined && control.sql === query) {
      this.control = undefined;
      return this.runControlStatement(control.runs, control.work);
    }
    const values = normaliseParameters(parameters);
    const head = statementHead(query);
    this.transactionUntouched = false;
    const logger = this.owner.logger;
    logger.logQuery(query, values, this);
    const before = new BroadcasterResult();
    this.broadcaster.broadcastBeforeQueryEvent(before, query, values);
    if (before.promises.length > 0) await before.wait();
    const broadcasterResult = new BroadcasterResult();
    const started = Date.now();
    try {
      if (head.startsWith("DROP") || head.startsWith("ALTER")) {
        await this.rebuildGuard.beforeSchemaStatement(query, head, this.isTransactionActive);
      }
      // A statement that ran inline comes back at once, without a Promise (see ConnectionLease.runNow).
      const now = this.lease.runNow(changesSession(head), (connection) =>
        withQueryTimeout(
          this.driver.resolvedOptions?.queryTimeoutMs,
          connection,
          connection.queryNow<ObjectRow>(query, values),
        ),
      );
      const raw = now instanceof Promise ? await now : now;
      const elapsed = Date.now() - started;
      const maxQueryExecutionTime = this.owner.options.maxQueryExecutionTime;
      if (maxQueryExecutionTime && elapsed > maxQueryExecutionTime) logger.logQuerySlow(elapsed, query, values, this);
      const result = this.toQueryResult(raw, head);
      this.broadcaster.broadcastAfterQueryEvent(broadcasterResult, query, values, true, elapsed, result.raw, undefined);
      return useStructuredResult ? result : result.raw;
    } catch (error) {
      const failure = this.queryFailed(query, values, error);
      this.broadcaster.broadcastAfterQueryEvent(broadcasterResult, query, values, false, undefined, undefined, error);
      throw failure;
    } finally {
      if (broadcasterResult.promises.length > 0) await broadcasterResult.wait();
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
    const opening = this.lease.openCursor(query, values);
    let opened: StreamCursor;
    try {
      opened = await opening;
    } catch (error) {
      throw this.queryFailed(query, values, error);
    }
    const batchSize = this.driver.resolvedOptions?.streamBatchSize ?? 256;
    const stream = new LibSqlCursorStream(opened.cursor, batchSize, opened.close);
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
    const connection = await this.lease.acquireForSessionChange();
    // A transaction ignores the pragma. migration:revert opens its transaction first; while nothing
    // has run in it, it is begun again after the pragma (no subscriber sees a new transaction).
    const restart = this.transaction !== undefined && this.transactionDepth === 1 && this.transactionUntouched;
    if (restart) await this.requireTransaction().rollbackNow();
    await this.runControlStatement("PRAGMA foreign_keys = OFF", () => connection.pragma("foreign_keys", "OFF"));
    if (restart) this.transaction = await connection.beginNow("immediate");
    this.rebuildGuard.migrating = true;
  }

  async afterMigration(): Promise<void> {
    this.rebuildGuard.migrating = false;
    const connection = this.lease.heldConnection;
    if (!connection) return;
    const value = this.driver.resolvedOptions?.foreignKeys === false ? "OFF" : "ON";
    await this.runControlStatement(`PRAGMA foreign_keys = ${value}`, () => connection.pragma("foreign_keys", value));
  }

  /**
   * As TypeORM's SQLite runner, with vector indexes dropped first (their shadow tables cannot be
   * dropped on their own) and the tables in an order no foreign key can object to (see
   * clearDatabase.ts); foreign keys are then set back as the data source's options say.
   */
  async clearDatabase(database?: string): Promise<void> {
    await dropAllVectorIndexes((sql) => this.query(sql));
    const schema = database ? this.driver.getAttachedDatabaseHandleByRelativePath(database) : undefined;
    await clearDatabase(this, this.rows, schema, this.driver.resolvedOptions?.foreignKeys !== false);
  }

  /**
   * TypeORM's table rebuild, unless libSQL's ALTER COLUMN gives the same table (alterColumn.ts),
   * in a transaction of its own (a savepoint inside one), guarded: refused while foreign keys are
   * on and rows reference the table, rolled back if it leaves foreign key violations
   * (tableRebuild.ts). Generating SQL only (`migration:generate`) writes the same statements.
   */
  protected async recreateTable(newTable: Table, oldTable: Table, migrateData = true): Promise<void> {
    const rebuild = () => super.recreateTable(newTable, oldTable, migrateData);
    if (this.sqlMemoryMode) return this.changeTable(oldTable, newTable, migrateData ? oldTable : undefined, rebuild);
    await this.startTransaction();
    try {
      // Compared with the table as the database has it: TypeORM may pass a Table changed in place.
      const [actual] = migrateData ? await this.loadTables([oldTable.name]) : [];
      await this.changeTable(oldTable, newTable, actual, () => this.rebuildGuard.rebuild(oldTable.name, rebuild));
    } catch (error) {
      await this.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    await this.commitTransaction();
  }

  /** ALTER COLUMN for what differs from `actual` when that gives `newTable`; otherwise `rebuild`. */
  private async changeTable(oldTable: Table, newTable: Table, actual: Table | undefined, rebuild: () => Promise<void>) {
    const alterations = actual && planColumnAlterations(actual, newTable, this.schemaSql);
    if (!alterations) return rebuild();
    const table = this.escapePath(oldTable);
    const sql = (column: TableColumn) => new Query(alterColumnSql(table, column, this.buildCreateColumnSql(column)));
    await this.executeQueries(
      alterations.map((a) => sql(a.to)),
      alterations.map((a) => sql(a.from)),
    );
    this.replaceCachedTable(oldTable, newTable);
  }

  protected async loadTables(tableNames?: string[]): Promise<Table[]> {
    const tables = await super.loadTables(tableNames);
    qualifyForeignKeysInDatabaseFiles(tables);
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

  /** Runs one of the runner's own checks and gives its rows. */
  private readonly rows = (sql: string) => this.query(sql) as Promise<Record<string, unknown>[]>;

  /** The SQL TypeORM's SQLite runner writes for tables, columns and indexes (see alterColumn.ts). */
  private readonly schemaSql: SchemaSql = {
    table: (table) => this.createTableSql(table, true).query,
    column: (column) => this.buildCreateColumnSql(column),
    indexes: (table) => table.indices.map((index) => this.createIndexSql(table, index).query),
    fullType: (column) => this.driver.createFullType(column),
  };

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
    this.rebuildGuard.forget();
    this.transaction = undefined;
    this.isTransactionActive = false;
    this.transactionDepth = 0;
  }

  /**
   * Passes a transaction-control statement through `query()` as TypeORM's SQLite runners do (so
   * subscribers and anything wrapping `query()` see `sql`), where it runs as `work`: the native
   * transaction call, logged as the statement(s) `runs` names.
   */
  private async controlQuery(sql: string, runs: string | readonly string[], work: () => MaybePromise<unknown>) {
    this.control = { sql, runs, work };
    try {
      await this.query(sql);
    } finally {
      this.control = undefined;
    }
  }

  /**
   * Runs one native call standing for the control statement(s) named (BEGIN, SAVEPOINT, COMMIT,
   * a pragma …): each is logged as a query, and a failure as the statements joined by "; ".
   */
  private runControlStatement<T>(statements: string | readonly string[], work: () => MaybePromise<T>): MaybePromise<T> {
    const list = typeof statements === "string" ? [statements] : statements;
    const logger = this.owner.logger;
    for (const sql of list) logger.logQuery(sql, [], this);
    const failed = (error: unknown): never => {
      throw this.queryFailed(list.join("; "), [], error);
    };
    try {
      const out = work();
      return out instanceof Promise ? out.catch(failed) : out;
    } catch (error) {
      return failed(error);
    }
  }

  /** The one way this runner fails a statement: log the error, and wrap it as TypeORM does. */
  private queryFailed(query: string, parameters: unknown[], error: unknown): QueryFailedError {
    this.owner.logger.logQueryError(error instanceof Error ? error : String(error), query, parameters, this);
    return new QueryFailedError(query, parameters, error instanceof Error ? error : new Error(String(error)));
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
