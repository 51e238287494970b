/**
 * The TypeORM driver for libSQL. It extends TypeORM's `AbstractSqliteDriver`, so the query
 * builders, schema builder and migrations generate the same SQL as for better-sqlite3, and adds:
 * a pool of native connections (one per concurrent transaction), RETURNING for INSERT, UPDATE
 * and DELETE, and connections opened through the native core rather than better-sqlite3.
 */
import * as fs from "fs";
import * as path from "path";
import {
  CannotConnectAlreadyConnectedError,
  type ColumnType,
  type DataSource,
  type EntityMetadata,
  type ObjectLiteral,
  type QueryRunner,
  type ReplicationMode,
  type TableColumn,
} from "typeorm";
import { LibSqlConnection, LibSqlError } from "../native";
import type { LibSqlConnectionOptions } from "../options/LibSqlDataSourceOptions";
import { redactSecrets, resolveLibSqlOptions, type ResolvedLibSqlOptions } from "../options/resolveOptions";
import { LibSqlQueryRunner } from "../query-runner/LibSqlQueryRunner";
import {
  AbstractSqliteDriver,
  ApplyValueTransformers,
  bindDataSource,
  type ColumnMetadata,
  dataSourceOf,
  declareIsolationLevels,
  installInsertReturning,
  type IsolationLevel,
  OrmUtils,
} from "../typeorm";
import {
  attachDatabaseFiles,
  createDirectories,
  type DatabaseFile,
  type MainDatabase,
  resolveDatabaseFile,
  setJournalMode,
} from "./databaseFiles";
import { markLibSqlDriver } from "./driverMark";
import { checkIsolationLevel, SQLITE_ISOLATION_LEVELS } from "./isolationLevels";
import { LibSqlConnectionPool, poolClosed } from "./LibSqlConnectionPool";
import { ReplicaSync } from "./ReplicaSync";
import { normaliseVectorType, vectorFullType } from "../vector/columnTypes";
import {
  hydrateVectorValue,
  installVectorColumnTypes,
  isVectorColumn,
  persistVectorValue,
} from "../vector/driverSupport";

/**
 * TypeORM's error for a second `initialize()` (its constructor takes the data source's name in
 * 0.3.x and nothing in 1.x).
 */
function alreadyConnected(name: string | undefined): Error {
  return Reflect.construct(CannotConnectAlreadyConnectedError, [name]) as Error;
}

/** The statement kinds TypeORM asks about RETURNING support for. */
type ReturningType = "insert" | "update" | "delete";

export class LibSqlDriver extends AbstractSqliteDriver {
  /** The first native connection (TypeORM's SQLite drivers expose their handle here). */
  declare databaseConnection: LibSqlConnection | undefined;

  /** The validated libSQL settings, available once connected. */
  resolvedOptions: ResolvedLibSqlOptions | undefined;

  /** The pool every query runner leases its connections from, available once connected. */
  pool: LibSqlConnectionPool | undefined;

  private readonly insertReturning: boolean;

  /** Whether `connect()` is running. */
  private connecting = false;
  /** Whether `disconnect()` closed the pool (until the next `connect()`). */
  private destroyed = false;

  /** The other database files entities live in, by the path the entity gives. */
  private readonly databaseFiles = new Map<string, DatabaseFile>();

  /** Replication calls and the periodic sync, on an embedded replica once connected. */
  private replicaSync: ReplicaSync | undefined;

  constructor(
    dataSource: DataSource,
    /** The libSQL-specific options this driver opens connections with. */
    readonly libsqlOptions: LibSqlConnectionOptions,
  ) {
    super(dataSource);
    bindDataSource(this, dataSource);
    markLibSqlDriver(this);
    // The levels TypeORM's SQLite drivers accept; all run as SQLite's serializable transactions.
    declareIsolationLevels(this, SQLITE_ISOLATION_LEVELS);
    // libSQL's vector columns: F32_BLOB(n) and F64_BLOB(n) (see src/vector).
    installVectorColumnTypes(this);
    this.insertReturning = installInsertReturning();
  }

  /** Validates the options, opens the first connection and prepares the pool. */
  async connect(): Promise<void> {
    // TypeORM checks this too, but only once a first initialize() has finished: a second call made
    // while the first is still connecting would open a second pool and leak the first.
    if (this.connecting || this.pool) throw alreadyConnected((dataSourceOf(this) as { name?: string }).name);
    this.connecting = true;
    try {
      await this.openPool();
      this.destroyed = false;
    } finally {
      this.connecting = false;
    }
  }

  private async openPool(): Promise<void> {
    // TypeORM 1.x checks this option in initialize(); 0.3.x does not, so check it here for both.
    checkIsolationLevel((dataSourceOf(this).options as { isolationLevel?: IsolationLevel }).isolationLevel);
    const resolved = resolveLibSqlOptions(this.libsqlOptions);
    this.resolvedOptions = resolved;
    // Creates the file's directory. If that fails (a file in the way, no permission), opening
    // fails next and the native core names the cause.
    if (resolved.filePath) {
      await fs.promises.mkdir(path.dirname(resolved.filePath), { recursive: true }).catch(() => undefined);
    }
    const primary = await this.openConnection(resolved);
    try {
      await this.prepareConnection(primary, resolved, true);
    } catch (error) {
      await primary.close().catch(() => undefined);
      throw this.redact(error);
    }
    this.databaseConnection = primary;
    this.pool = new LibSqlConnectionPool(primary, {
      size: resolved.poolSize,
      acquireTimeout: resolved.acquireTimeoutMs,
      describe: resolved.description,
      streamLease: resolved.kind === "memory" ? "shared" : "exclusive",
      pinsStreams: resolved.kind === "remote",
      create: async () => {
        // Another connection to the same database, from any open member (the first one may have
        // been replaced after a failed reset); a new database handle only when none is left.
        const open = this.pool?.connections().find((member) => !member.isClosed);
        const connection = open ? open.connectShared() : await this.openConnection(resolved);
        try {
          await this.prepareConnection(connection, resolved, false);
        } catch (error) {
          await connection.close().catch(() => undefined);
          throw this.redact(error);
        }
        return connection;
      },
      reset: (connection, sessionChanged) => this.resetConnection(connection, resolved, sessionChanged),
    });
    if (resolved.kind === "replica") {
      const logger = () => dataSourceOf(this).logger;
      const replicaSync = new ReplicaSync(
        primary.connectShared(),
        resolved.syncIntervalMs,
        logger,
        resolved.description,
      );
      try {
        // Before initialize() resolves, and so before synchronize and migrations (see ReplicaSync).
        await replicaSync.initialSync((error) => this.explainSyncFailure(resolved, error));
      } catch (error) {
        await replicaSync.stop();
        const pool = this.pool;
        this.pool = undefined;
        this.databaseConnection = undefined;
        await pool.close();
        throw this.redact(error);
      }
      this.replicaSync = replicaSync;
      replicaSync.start();
    }
  }

  /**
   * Attaches the database files of entities in other files (found while TypeORM built the
   * metadata) to the connections open so far; connections opened later attach them as they open.
   */
  async afterConnect(): Promise<void> {
    const files = [...this.databaseFiles.values()];
    if (files.length === 0) return;
    await createDirectories(files);
    const pool = this.requirePool();
    for (const connection of pool.connections()) await attachDatabaseFiles(connection, files);
    const journalMode = this.resolvedOptions?.journalMode;
    if (journalMode) await setJournalMode(pool.primary, files, journalMode);
  }

  /**
   * The table's name as SQL addresses it: `"<schema>"."<table>"` for an entity in another database
   * file, which is then attached (see databaseFiles.ts); as TypeORM's better-sqlite3 driver does.
   */
  buildTableName(tableName: string, schema?: string, database?: string): string {
    if (!database) return tableName;
    const known = this.getAttachedDatabaseHandleByRelativePath(database);
    if (known) return `${known}.${tableName}`;
    const file = resolveDatabaseFile(database, this.mainDatabase());
    if (!file) return tableName;
    this.databaseFiles.set(database, file);
    this.attachedDatabases[database] = {
      attachFilepathAbsolute: file.file,
      attachFilepathRelative: file.name,
      attachHandle: file.handle,
    };
    return `${file.handle}.${tableName}`;
  }

  /** Closes every pooled connection; open transactions roll back. */
  async disconnect(): Promise<void> {
    const replicaSync = this.replicaSync;
    this.replicaSync = undefined;
    await replicaSync?.stop();
    const pool = this.pool;
    this.pool = undefined;
    this.destroyed = true;
    this.databaseConnection = undefined;
    this.queryRunner = undefined;
    await pool?.close();
  }

  /** Every call gives a new query runner; each leases its own native connection when it needs one. */
  createQueryRunner(_mode: ReplicationMode = "master"): QueryRunner {
    return new LibSqlQueryRunner(this);
  }

  /** The pool, or an error explaining that the data source is not initialised, or destroyed. */
  requirePool(): LibSqlConnectionPool {
    if (this.pool) return this.pool;
    if (this.destroyed) throw poolClosed();
    throw new LibSqlError("LIBSQL_NOT_CONNECTED", "the data source is not initialised (call initialize() first)");
  }

  /** Whether `destroy()` closed the pool (and no `initialize()` has opened another since). */
  get wasDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * The replication calls of an embedded replica; a data source in another mode gets
   * `LIBSQL_UNSUPPORTED`, one not initialised `LIBSQL_NOT_CONNECTED`.
   */
  replication(what: string): ReplicaSync {
    this.requirePool();
    if (!this.replicaSync) {
      throw new LibSqlError(
        "LIBSQL_UNSUPPORTED",
        `${what} needs an embedded replica (give "syncUrl"); this data source is ${this.resolvedOptions?.kind ?? "not a replica"}`,
      );
    }
    return this.replicaSync;
  }

  normalizeType(column: {
    type?: ColumnType;
    length?: number | string;
    precision?: number | null;
    scale?: number;
  }): string {
    if (
      typeof column.type === "function" &&
      (column.type as unknown) !== Uint8Array &&
      column.type.prototype instanceof Uint8Array
    ) {
      return "blob";
    }
    if ((column.type as unknown) === Uint8Array) return "blob";
    return normaliseVectorType(column) ?? super.normalizeType(column);
  }

  /** Vector columns are written `F32_BLOB(n)`; everything else as TypeORM's SQLite drivers do. */
  createFullType(column: TableColumn): string {
    return isVectorColumn(column) ? vectorFullType(String(column.type), column.length) : super.createFullType(column);
  }

  /** Vectors (`number[]`, `Float32Array`, `Float64Array`) become libSQL's vector bytes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's Driver contract
  preparePersistentValue(value: any, column: ColumnMetadata): any {
    return isVectorColumn(column) ? persistVectorValue(value, column) : super.preparePersistentValue(value, column);
  }

  /**
   * Stored vectors come back as `number[]`. An integer that `intMode` gives as a bigint or a
   * string stays one in a `Number` column (TypeORM's SQLite driver would convert it to a number:
   * a bigint throws there, a string loses precision), so ids and integers load exactly.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's Driver contract
  prepareHydratedValue(value: any, column: ColumnMetadata): any {
    if (isVectorColumn(column)) return hydrateVectorValue(value, column);
    const intMode = this.resolvedOptions?.intMode;
    const exactInteger = typeof value === "bigint" || (intMode === "string" && typeof value === "string");
    if (column.type === Number && exactInteger) {
      return column.transformer ? ApplyValueTransformers.transformFrom(column.transformer, value) : value;
    }
    return super.prepareHydratedValue(value, column);
  }

  /** libSQL (SQLite 3.45) runs INSERT, UPDATE and DELETE … RETURNING. */
  isReturningSqlSupported(returningType?: ReturningType): boolean {
    return returningType === "insert" || returningType === undefined ? this.insertReturning : true;
  }

  /**
   * Builds the values the database generated for one entity. With RETURNING, `insertResult` is
   * the returned row (values are hydrated as on load); otherwise it is the last insert rowid.
   */
  createGeneratedMap(
    metadata: EntityMetadata,
    insertResult: unknown,
    entityIndex: number,
    entityNum: number,
  ): ObjectLiteral | undefined {
    if (insertResult === null || typeof insertResult !== "object" || ArrayBuffer.isView(insertResult)) {
      return super.createGeneratedMap(metadata, insertResult, entityIndex, entityNum);
    }
    const row = insertResult as Record<string, unknown>;
    let map: ObjectLiteral = {};
    for (const key of Object.keys(row)) {
      const column = metadata.findColumnWithDatabaseName(key);
      if (!column) continue;
      map = OrmUtils.mergeDeep(map, column.createValueMap(this.prepareHydratedValue(row[key], column)));
    }
    return Object.keys(map).length > 0 ? map : undefined;
  }

  protected async createDatabaseConnection(): Promise<LibSqlConnection> {
    return this.requirePool().primary;
  }

  /** Nothing to load: connections come from the native core, never from better-sqlite3. */
  protected loadDependencies(): void {}

  private async openConnection(resolved: ResolvedLibSqlOptions): Promise<LibSqlConnection> {
    try {
      return await LibSqlConnection.openConfigured(resolved.open, resolved.intMode, resolved.yieldIntervalMs);
    } catch (error) {
      throw this.redact(error);
    }
  }

  private async prepareConnection(
    connection: LibSqlConnection,
    resolved: ResolvedLibSqlOptions,
    first: boolean,
  ): Promise<void> {
    // The native core applies the busy timeout as it opens each connection.
    if (resolved.prepareDatabase) await resolved.prepareDatabase(connection);
    if (resolved.kind === "remote" || resolved.kind === "replica") {
      // The server enforces foreign keys itself (and refuses the PRAGMA to a read-only token);
      // one read checks that a remote server answers and accepts the token.
      if (first && resolved.kind === "remote") await connection.execute("SELECT 1");
    } else {
      await connection.pragma("foreign_keys", resolved.foreignKeys ? "ON" : "OFF");
    }
    if (!first && this.databaseFiles.size > 0) await attachDatabaseFiles(connection, [...this.databaseFiles.values()]);
    if (first && resolved.journalMode) {
      const rows = await connection.pragma<{ journal_mode?: string }>("journal_mode", resolved.journalMode);
      const mode = rows[0]?.journal_mode;
      if (typeof mode === "string" && mode.toUpperCase() !== resolved.journalMode) {
        dataSourceOf(this).logger.log(
          "warn",
          `typeorm-libsql: journal mode ${resolved.journalMode} was requested but the database uses ${mode.toUpperCase()}`,
        );
      }
    }
  }

  private async resetConnection(
    connection: LibSqlConnection,
    resolved: ResolvedLibSqlOptions,
    sessionChanged: boolean,
  ): Promise<void> {
    if (!connection.info().autocommit) await connection.execute("ROLLBACK");
    if (!sessionChanged) return;
    // The server stream the runner's session lived on ends with it.
    if (resolved.kind === "remote") await connection.unpinStream();
    if (resolved.kind !== "remote" && resolved.kind !== "replica") {
      await connection.pragma("foreign_keys", resolved.foreignKeys ? "ON" : "OFF");
      // A READ UNCOMMITTED transaction turned it on (see LibSqlQueryRunner.startTransaction).
      await connection.pragma("read_uncommitted", "OFF");
    }
    // The same database files as every other pooled connection, whatever the runner attached.
    await attachDatabaseFiles(connection, [...this.databaseFiles.values()]);
  }

  /**
   * libSQL reports a replica whose replication handshake failed with LIBSQL_SYNC_ERROR, whether the
   * primary is down or refused the token (its retries drop the cause). One request to the primary
   * as a remote database names the cause (LIBSQL_AUTH, LIBSQL_NETWORK); otherwise the error stands.
   */
  private async explainSyncFailure(resolved: ResolvedLibSqlOptions, error: unknown): Promise<unknown> {
    const target = resolved.open.target;
    if (!(error instanceof LibSqlError) || error.code !== "LIBSQL_SYNC_ERROR" || target.kind !== "replica") {
      return error;
    }
    const { syncUrl, authToken, connectTimeoutMs, requestTimeoutMs } = target;
    const probe = await LibSqlConnection.openConfigured(
      { ...resolved.open, target: { kind: "remote", url: syncUrl, authToken, connectTimeoutMs, requestTimeoutMs } },
      resolved.intMode,
    ).catch((cause: unknown) => cause);
    if (!(probe instanceof LibSqlConnection)) return probe instanceof LibSqlError ? probe : error;
    try {
      await probe.execute("SELECT 1");
      return error;
    } catch (cause) {
      return cause instanceof LibSqlError ? cause : error;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  /** The main database, from the validated options once connected. */
  private mainDatabase(): MainDatabase {
    const resolved = this.resolvedOptions ?? resolveLibSqlOptions(this.libsqlOptions);
    return { kind: resolved.kind, filePath: resolved.filePath, description: resolved.description };
  }

  private redact(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const secrets = [this.libsqlOptions.authToken, this.libsqlOptions.encryptionKey];
    error.message = redactSecrets(error.message, secrets);
    if (error.stack) error.stack = redactSecrets(error.stack, secrets);
    return error;
  }
}
