/**
 * The options a `LibSqlDataSource` accepts: TypeORM's common data source options plus the libSQL
 * connection settings (local file, `:memory:`, remote server or embedded replica).
 */
import type { BaseDataSourceOptions } from "../typeorm";
import type { IntMode, LibSqlConnection } from "../native";
import type { EveryKeyListed } from "./names";
import { OPEN_OPTION_KEYS } from "./open";

/** SQLite journal modes accepted by `journalMode`. */
export type LibSqlJournalMode = "WAL" | "DELETE" | "TRUNCATE" | "PERSIST" | "MEMORY" | "OFF";

/**
 * The libSQL-specific settings (everything a `LibSqlDataSource` adds to TypeORM's options). A
 * number with a unit carries it in its name; every duration is in milliseconds.
 */
export interface LibSqlConnectionOptions {
  /**
   * Where the database lives: a bare path (`./data/app.db`), a `file:` URL, `:memory:`, or a
   * remote URL (`libsql://…`, `https://…`, `http://…`, `ws(s)://…`). Give either `url` or
   * `database`.
   */
  readonly url?: string;
  /** A local database path (an alternative to `url` for local files and `:memory:`). */
  readonly database?: string;
  /** Token for a remote database or the primary of an embedded replica. Never logged. */
  readonly authToken?: string;
  /** Embedded replica: the remote primary to sync from (`url` is then the local replica file). */
  readonly syncUrl?: string;
  /**
   * Embedded replica: milliseconds between automatic syncs, run by the data source in the
   * background (queries never wait for one); a failed sync is logged as a warning, the next
   * success as info.
   */
  readonly syncIntervalMs?: number;
  /** Embedded replica: whether a connection sees its own writes before the next sync. */
  readonly readYourWrites?: boolean;
  /**
   * Remote database or replica primary: milliseconds to open a connection to the server (TCP and
   * TLS) before `LIBSQL_TIMEOUT` (default 10000; 0: no limit).
   */
  readonly connectTimeoutMs?: number;
  /**
   * Remote database or replica primary: milliseconds one call may wait for the server's answer (a
   * statement, a batch, a COMMIT, a sync) before `LIBSQL_TIMEOUT` (default 30000; 0: no limit).
   */
  readonly requestTimeoutMs?: number;
  /** Encryption-at-rest key for local files and replicas. Never logged. */
  readonly encryptionKey?: string;
  /**
   * Milliseconds a local connection waits for a lock before failing with `SQLITE_BUSY` (default
   * 5000). Refused on a remote URL (`LIBSQL_UNSUPPORTED`): a server keeps its own busy timeout.
   */
  readonly busyTimeoutMs?: number;
  /**
   * How SQLite integers come back: `"number"` (default, as TypeORM's SQLite drivers; a value
   * beyond ±(2^53 - 1) fails the query with `LIBSQL_INTEGER_OVERFLOW` rather than lose precision),
   * `"bigint"` or `"string"`.
   */
  readonly intMode?: IntMode;
  /** Prepared statements cached per connection by the native core. */
  readonly statementCacheSize?: number;
  /**
   * Milliseconds one statement may hold the event loop when it runs inline, on the JavaScript
   * thread, on a local file, `:memory:` or an embedded replica's local reads (default 1; `0` runs
   * every statement off the thread). See docs/execution-model.md.
   */
  readonly inlineBudgetMs?: number;
  /**
   * Milliseconds a chain of inline statements may hold the event loop before the next result
   * waits for the loop to turn, so that timers, I/O and other requests run at least this often
   * (default 2; `0` never waits). See the README's execution model.
   */
  readonly yieldIntervalMs?: number;
  /**
   * Whether the statement cache sees through integer literals in value positions: TypeORM writes
   * ids into its SQL (`WHERE "id" = 1`, `"id" IN (1, 2)`), which then runs as one prepared
   * statement with the ids bound instead of being parsed and planned for every id (default
   * `true`; local files, `:memory:` and a replica's local reads). See docs/inline-performance.md.
   */
  readonly normaliseLiterals?: boolean;
  /** Called for every pooled connection once it is open, before TypeORM uses it. */
  readonly prepareDatabase?: (connection: LibSqlConnection) => void | Promise<void>;
  /** Journal mode set on local database files (default `"WAL"`); ignored for other databases. */
  readonly journalMode?: LibSqlJournalMode;
  /** `PRAGMA foreign_keys = ON` on every connection (default `true`, as TypeORM's SQLite drivers). */
  readonly foreignKeys?: boolean;
  /**
   * Native connections in the pool (default 4; always 1 for `:memory:`, where every connection
   * would be a separate database).
   */
  readonly poolSize?: number;
  /** Milliseconds a query runner waits for a pooled connection before failing (default 30000). */
  readonly acquireTimeoutMs?: number;
  /**
   * Milliseconds after which a running query is interrupted (`SQLITE_INTERRUPT`); off by default.
   * On a remote database its request is cancelled instead (`LIBSQL_TIMEOUT`).
   */
  readonly queryTimeoutMs?: number;
  /** Rows fetched per native call when streaming (default 256). */
  readonly streamBatchSize?: number;
}

/** Options of `new LibSqlDataSource(…)`. */
export interface LibSqlDataSourceOptions extends Omit<BaseDataSourceOptions, "type">, LibSqlConnectionOptions {
  /**
   * Not accepted: a `LibSqlDataSource` is always libSQL (TypeORM itself is told "better-sqlite3",
   * see docs/typeorm.md). `initialize()` refuses any `type`, `"libsql"` included.
   */
  readonly type?: never;
}

/**
 * TypeORM's common data source options (`BaseDataSourceOptions` of TypeORM 1.x, without `type`),
 * which a `LibSqlDataSource` passes on to TypeORM. `npm run typecheck` fails if TypeORM adds one.
 */
export const TYPEORM_OPTION_KEYS = [
  "entities",
  "subscribers",
  "isolationLevel",
  "migrations",
  "migrationsTableName",
  "migrationsTransactionMode",
  "metadataTableName",
  "namingStrategy",
  "logging",
  "logger",
  "maxQueryExecutionTime",
  "poolSize",
  "synchronize",
  "migrationsRun",
  "dropSchema",
  "entityPrefix",
  "entitySkipConstructor",
  "extra",
  "relationLoadStrategy",
  "typename",
  "cache",
  "isolateWhereStatements",
  "invalidWhereValuesBehavior",
] as const satisfies readonly Exclude<keyof BaseDataSourceOptions, "type">[];

/** Compiles only while every TypeORM option is listed above. */
const everyTypeOrmOptionListed: EveryKeyListed<BaseDataSourceOptions, "type" | (typeof TYPEORM_OPTION_KEYS)[number]> =
  true;
void everyTypeOrmOptionListed;

/**
 * Further option names TypeORM itself may put on a data source's options: `name` (TypeORM 0.3.x)
 * and `baseDirectory` (set by its options reader for configuration files).
 */
export const TYPEORM_OTHER_OPTION_KEYS = ["name", "baseDirectory"] as const;

/** Keys of `LibSqlConnectionOptions` (kept apart from TypeORM's own options). */
export const LIBSQL_OPTION_KEYS = [
  ...OPEN_OPTION_KEYS,
  "database",
  "prepareDatabase",
  "journalMode",
  "foreignKeys",
  "poolSize",
  "acquireTimeoutMs",
  "queryTimeoutMs",
  "streamBatchSize",
] as const satisfies readonly (keyof LibSqlConnectionOptions)[];

/** Compiles only while every option of `LibSqlConnectionOptions` is listed above. */
const everyLibSqlOptionListed: EveryKeyListed<LibSqlConnectionOptions, (typeof LIBSQL_OPTION_KEYS)[number]> = true;
void everyLibSqlOptionListed;

/** Option keys whose values are secrets: never logged, never enumerable, never in errors. */
export const SECRET_OPTION_KEYS = ["authToken", "encryptionKey"] as const;
