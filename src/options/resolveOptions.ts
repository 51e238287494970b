/**
 * Validates `LibSqlConnectionOptions` and turns them into the settings the driver works with:
 * what kind of database the URL names, where a local file lives, the native configuration every
 * connection is opened with, and every default filled in. The rules of opening a database are
 * shared with `LibSqlConnection.open` (`open.ts`); this module adds the data source's own options.
 * Messages name the offending option and never contain a secret.
 */
import type { IntMode, LibSqlConnection, NativeOpenConfig } from "../native";
import { LibSqlOptionsError } from "./errors";
import {
  LIBSQL_OPTION_KEYS,
  TYPEORM_OPTION_KEYS,
  TYPEORM_OTHER_OPTION_KEYS,
  type LibSqlConnectionOptions,
  type LibSqlJournalMode,
} from "./LibSqlDataSourceOptions";
import { checkOptionNames } from "./names";
import {
  classifyLocation,
  intModeOption,
  resolveOpen,
  yieldIntervalOption,
  type GivenOption,
  type LibSqlDatabaseKind,
} from "./open";
import { classifyTarget } from "./target";
import { booleanOption, describeValue, integerOption, oneOfOption } from "./values";

export type { LibSqlDatabaseKind } from "./open";

/** The validated settings; every duration's unit is in its name. */
export interface ResolvedLibSqlOptions {
  kind: LibSqlDatabaseKind;
  /** Absolute path of the local file (files and replicas). */
  filePath?: string;
  /** A secret-free description of the database, used as TypeORM's `database`. */
  description: string;
  /** What every connection is opened with (classified, validated, defaults filled in). */
  open: NativeOpenConfig;
  intMode: IntMode;
  /** Milliseconds inline statements may hold the event loop before a result waits for it to turn. */
  yieldIntervalMs: number;
  prepareDatabase?: (connection: LibSqlConnection) => void | Promise<void>;
  journalMode?: LibSqlJournalMode;
  foreignKeys: boolean;
  poolSize: number;
  acquireTimeoutMs: number;
  queryTimeoutMs?: number;
  streamBatchSize: number;
  /** Embedded replica: milliseconds between the syncs the driver runs (none: sync only when asked). */
  syncIntervalMs?: number;
}

export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 30000;
export const DEFAULT_STREAM_BATCH_SIZE = 256;

const JOURNAL_MODES: readonly LibSqlJournalMode[] = ["WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"];

/** The `database` TypeORM sees, derived leniently (the constructor must not throw). */
export function describeDatabase(options: LibSqlConnectionOptions): string {
  const location = options.url ?? options.database;
  if (typeof location !== "string") return "";
  const target = classifyTarget(location);
  return typeof target === "string" ? "" : target.description;
}

/** `syncIntervalMs`: milliseconds between the syncs of an embedded replica. */
function syncIntervalOption(options: LibSqlConnectionOptions): GivenOption<number> | undefined {
  const ms = integerOption("syncIntervalMs", options.syncIntervalMs, 1);
  return ms === undefined ? undefined : { key: "syncIntervalMs", value: ms };
}

function journalModeOption(options: LibSqlConnectionOptions, kind: LibSqlDatabaseKind): LibSqlJournalMode | undefined {
  if (options.journalMode === undefined) return kind === "file" ? "WAL" : undefined;
  const upper = typeof options.journalMode === "string" ? options.journalMode.toUpperCase() : options.journalMode;
  const mode = oneOfOption("journalMode", upper, JOURNAL_MODES);
  if (kind !== "file") throw new LibSqlOptionsError("journalMode", "applies to local database files only");
  return mode;
}

function poolSizeOption(options: LibSqlConnectionOptions, kind: LibSqlDatabaseKind): number {
  const poolSize = integerOption("poolSize", options.poolSize, 1);
  if (kind !== "memory") return poolSize ?? DEFAULT_POOL_SIZE;
  if (poolSize !== undefined && poolSize !== 1) {
    throw new LibSqlOptionsError("poolSize", "must be 1 for :memory: (every connection would be a separate database)");
  }
  return 1;
}

/**
 * What is wrong with the names of a data source's options, if anything: a `type` (the data
 * source is always libSQL), an option of better-sqlite3, or a near miss of a libSQL option or of
 * one of TypeORM's common options (see `names.ts`; other names are ignored).
 */
export function optionNamesProblem(options: object): LibSqlOptionsError | undefined {
  try {
    const { type } = options as { type?: unknown };
    if (type !== undefined) {
      throw new LibSqlOptionsError(
        "type",
        `leave it out: a LibSqlDataSource is always libSQL (it tells TypeORM "better-sqlite3" itself, ` +
          `so that TypeORM takes its SQLite code paths); got ${describeValue(type)}`,
      );
    }
    const rest = { ...options } as Record<string, unknown>;
    delete rest.type;
    checkOptionNames(
      rest,
      [...LIBSQL_OPTION_KEYS, ...TYPEORM_OPTION_KEYS, ...TYPEORM_OTHER_OPTION_KEYS],
      "LibSqlDataSource",
    );
    return undefined;
  } catch (error) {
    if (error instanceof LibSqlOptionsError) return error;
    throw error;
  }
}

/** Validates the options; throws `LibSqlOptionsError` naming the first bad one. */
export function resolveLibSqlOptions(options: LibSqlConnectionOptions): ResolvedLibSqlOptions {
  const { url, database } = options;
  if (url !== undefined && database !== undefined) {
    throw new LibSqlOptionsError("url", 'give either "url" or "database", not both');
  }
  const locationKey = url === undefined && database !== undefined ? "database" : "url";
  const target = classifyLocation(locationKey, url ?? database);
  if (locationKey === "database" && target.kind === "remote") {
    throw new LibSqlOptionsError("database", 'names a local path; give remote databases as "url"');
  }
  const syncInterval = syncIntervalOption(options);
  const opened = resolveOpen(target, locationKey, options, syncInterval);
  const intMode = intModeOption(options.intMode);
  if (options.prepareDatabase !== undefined && typeof options.prepareDatabase !== "function") {
    throw new LibSqlOptionsError(
      "prepareDatabase",
      `expected a function, got ${describeValue(options.prepareDatabase)}`,
    );
  }
  return {
    kind: opened.kind,
    filePath: opened.filePath,
    description: opened.description,
    open: withoutNativeSyncInterval(opened.config),
    intMode,
    yieldIntervalMs: yieldIntervalOption(options),
    prepareDatabase: options.prepareDatabase,
    journalMode: journalModeOption(options, opened.kind),
    foreignKeys: foreignKeysOption(options, opened.kind),
    poolSize: poolSizeOption(options, opened.kind),
    acquireTimeoutMs: integerOption("acquireTimeoutMs", options.acquireTimeoutMs, 0) ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: integerOption("queryTimeoutMs", options.queryTimeoutMs, 1),
    streamBatchSize: integerOption("streamBatchSize", options.streamBatchSize, 1) ?? DEFAULT_STREAM_BATCH_SIZE,
    syncIntervalMs: syncInterval?.value,
  };
}

/** `foreignKeys` (default on); a server enforces foreign keys itself, so it cannot be turned off there. */
function foreignKeysOption(options: LibSqlConnectionOptions, kind: LibSqlDatabaseKind): boolean {
  const value = booleanOption("foreignKeys", options.foreignKeys) ?? true;
  if (!value && (kind === "remote" || kind === "replica")) {
    throw new LibSqlOptionsError(
      "foreignKeys",
      "cannot be turned off for a remote database or an embedded replica: the server enforces foreign keys on every connection it serves",
    );
  }
  return value;
}

/**
 * The data source runs a replica's periodic sync itself (see `src/driver/ReplicaSync.ts`), so
 * that its failures reach the logger; libSQL's own background sync, which only traces them, stays
 * off.
 */
function withoutNativeSyncInterval(config: NativeOpenConfig): NativeOpenConfig {
  if (config.target.kind !== "replica") return config;
  return { ...config, target: { ...config.target, syncIntervalMs: undefined } };
}

/** Replaces every occurrence of the given secrets in a message. */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let result = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join("[redacted]");
  }
  return result;
}
