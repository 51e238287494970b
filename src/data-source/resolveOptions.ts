/**
 * Validates `LibSqlConnectionOptions` and turns them into the settings the driver works with:
 * what kind of database the URL names, where a local file lives, and every default filled in.
 * Messages name the offending option and never contain a secret.
 */
import * as path from "path";
import type { IntMode, LibSqlConnection } from "../native";
import type { LibSqlConnectionOptions, LibSqlJournalMode } from "./LibSqlDataSourceOptions";

export type LibSqlDatabaseKind = "memory" | "file" | "remote" | "replica";

export interface ResolvedLibSqlOptions {
  kind: LibSqlDatabaseKind;
  /** What the native core opens (an absolute path for local files). */
  url: string;
  /** Absolute path of the local file (files and replicas). */
  filePath?: string;
  /** A secret-free description of the database, used as TypeORM's `database`. */
  description: string;
  authToken?: string;
  syncUrl?: string;
  syncInterval?: number;
  readYourWrites?: boolean;
  encryptionKey?: string;
  busyTimeout: number;
  intMode: IntMode;
  statementCacheSize?: number;
  prepareDatabase?: (connection: LibSqlConnection) => void | Promise<void>;
  journalMode?: LibSqlJournalMode;
  foreignKeys: boolean;
  poolSize: number;
  acquireTimeout: number;
  queryTimeout?: number;
  streamBatchSize: number;
}

/** Thrown for an invalid option; `option` names it. */
export class LibSqlOptionsError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`typeorm-libsql: invalid option "${option}": ${message}`);
    this.name = "LibSqlOptionsError";
  }
}

export const DEFAULT_BUSY_TIMEOUT = 5000;
export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_ACQUIRE_TIMEOUT = 30000;
export const DEFAULT_STREAM_BATCH_SIZE = 256;

const REMOTE_SCHEMES = ["libsql://", "https://", "http://", "wss://", "ws://"];
const JOURNAL_MODES: readonly LibSqlJournalMode[] = ["WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"];
const INT_MODES: readonly IntMode[] = ["number", "bigint", "string"];

interface Target {
  kind: "memory" | "file" | "remote";
  filePath?: string;
  description: string;
}

/** Strips credentials and query strings from a remote URL so it can be shown. */
export function describeRemoteUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return url.split(/[?#]/)[0].replace(/\/\/[^@/]*@/, "//");
  }
}

/** Classifies a URL or path the way the native core does (without throwing). */
export function classifyTarget(location: string): Target | string {
  const trimmed = location.trim();
  if (trimmed === "") return 'is empty (use ":memory:" for an in-memory database)';
  if (trimmed === ":memory:" || trimmed === "file::memory:") return { kind: "memory", description: ":memory:" };
  const lower = trimmed.toLowerCase();
  if (REMOTE_SCHEMES.some((scheme) => lower.startsWith(scheme))) {
    return { kind: "remote", description: describeRemoteUrl(trimmed) };
  }
  let filePath = trimmed;
  if (lower.startsWith("file:")) {
    const rest = trimmed.slice("file:".length);
    if (rest.includes("?")) return "file: URLs with query parameters are not supported; use the options instead";
    filePath = rest.startsWith("//") ? rest.slice(2).replace(/^localhost/, "") : rest;
    if (filePath === "") return "the file: URL names no path";
  } else if (lower.includes("://")) {
    return `unsupported URL scheme "${lower.split("://")[0]}": use a path, file:, libsql://, https:// or http://`;
  }
  return { kind: "file", filePath: path.resolve(filePath), description: filePath };
}

/** The `database` TypeORM sees, derived leniently (the constructor must not throw). */
export function describeDatabase(options: LibSqlConnectionOptions): string {
  const location = options.url ?? options.database;
  if (typeof location !== "string") return "";
  const target = classifyTarget(location);
  return typeof target === "string" ? "" : target.description;
}

/** The native core takes 32-bit unsigned counts and durations. */
const U32_MAX = 4_294_967_295;

function integer(
  options: LibSqlConnectionOptions,
  key: keyof LibSqlConnectionOptions,
  min: number,
  max = U32_MAX,
): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new LibSqlOptionsError(key, `expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return "a function";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}

function optionalString(
  options: LibSqlConnectionOptions,
  key: keyof LibSqlConnectionOptions,
  secret = false,
): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new LibSqlOptionsError(key, `expected a non-empty string${secret ? "" : `, got ${describeValue(value)}`}`);
  }
  return value;
}

/** Validates the options; throws `LibSqlOptionsError` naming the first bad one. */
export function resolveLibSqlOptions(options: LibSqlConnectionOptions): ResolvedLibSqlOptions {
  const { url, database } = options;
  if (url !== undefined && database !== undefined) {
    throw new LibSqlOptionsError("url", 'give either "url" or "database", not both');
  }
  const key = url !== undefined ? "url" : "database";
  const location = url ?? database;
  if (location === undefined) {
    throw new LibSqlOptionsError("url", 'is required (a path, a file: URL, ":memory:", or a libsql:// / https:// URL)');
  }
  if (typeof location !== "string") {
    throw new LibSqlOptionsError(key, `expected a string, got ${describeValue(location)}`);
  }
  const target = classifyTarget(location);
  if (typeof target === "string") throw new LibSqlOptionsError(key, target);
  if (key === "database" && target.kind === "remote") {
    throw new LibSqlOptionsError("database", 'names a local path; give remote databases as "url"');
  }

  const authToken = optionalString(options, "authToken", true);
  const encryptionKey = optionalString(options, "encryptionKey", true);
  const syncUrl = optionalString(options, "syncUrl");
  let kind: LibSqlDatabaseKind = target.kind;
  if (syncUrl !== undefined) {
    if (target.kind !== "file") {
      throw new LibSqlOptionsError(
        "syncUrl",
        `an embedded replica needs a local file as "${key}", not ${target.kind === "memory" ? ":memory:" : "a remote URL"}`,
      );
    }
    const remote = classifyTarget(syncUrl);
    if (typeof remote === "string" || remote.kind !== "remote") {
      throw new LibSqlOptionsError("syncUrl", "expected a libsql://, https:// or http:// URL");
    }
    kind = "replica";
  }
  // Seconds here; the native core takes milliseconds in 32 bits.
  const syncInterval = integer(options, "syncInterval", 1, Math.floor(U32_MAX / 1000));
  if (options.readYourWrites !== undefined && typeof options.readYourWrites !== "boolean") {
    throw new LibSqlOptionsError("readYourWrites", `expected a boolean, got ${describeValue(options.readYourWrites)}`);
  }
  if (kind !== "replica") {
    if (syncInterval !== undefined)
      throw new LibSqlOptionsError("syncInterval", 'applies to embedded replicas only (set "syncUrl")');
    if (options.readYourWrites !== undefined) {
      throw new LibSqlOptionsError("readYourWrites", 'applies to embedded replicas only (set "syncUrl")');
    }
  }
  if (kind === "memory" && encryptionKey !== undefined) {
    throw new LibSqlOptionsError("encryptionKey", "encryption at rest applies to database files, not to :memory:");
  }
  if (kind === "remote" && encryptionKey !== undefined) {
    throw new LibSqlOptionsError("encryptionKey", "encryption at rest applies to local files and embedded replicas");
  }

  const busyTimeout = integer(options, "busyTimeout", 0) ?? DEFAULT_BUSY_TIMEOUT;
  const intMode = options.intMode ?? "number";
  if (!INT_MODES.includes(intMode)) {
    throw new LibSqlOptionsError("intMode", `expected one of ${INT_MODES.join(", ")}, got ${describeValue(intMode)}`);
  }
  const statementCacheSize = integer(options, "statementCacheSize", 0);
  if (options.prepareDatabase !== undefined && typeof options.prepareDatabase !== "function") {
    throw new LibSqlOptionsError(
      "prepareDatabase",
      `expected a function, got ${describeValue(options.prepareDatabase)}`,
    );
  }
  let journalMode: LibSqlJournalMode | undefined;
  if (options.journalMode !== undefined) {
    const upper =
      typeof options.journalMode === "string" ? (options.journalMode.toUpperCase() as LibSqlJournalMode) : undefined;
    if (!upper || !JOURNAL_MODES.includes(upper)) {
      throw new LibSqlOptionsError(
        "journalMode",
        `expected one of ${JOURNAL_MODES.join(", ")}, got ${describeValue(options.journalMode)}`,
      );
    }
    if (kind !== "file") throw new LibSqlOptionsError("journalMode", "applies to local database files only");
    journalMode = upper;
  } else if (kind === "file") {
    journalMode = "WAL";
  }
  if (options.foreignKeys !== undefined && typeof options.foreignKeys !== "boolean") {
    throw new LibSqlOptionsError("foreignKeys", `expected a boolean, got ${describeValue(options.foreignKeys)}`);
  }
  if (options.foreignKeys === false && (kind === "remote" || kind === "replica")) {
    throw new LibSqlOptionsError(
      "foreignKeys",
      "cannot be turned off for a remote database or an embedded replica: the server enforces foreign keys on every connection it serves",
    );
  }
  let poolSize = integer(options, "poolSize", 1);
  if (kind === "memory") {
    if (poolSize !== undefined && poolSize !== 1) {
      throw new LibSqlOptionsError(
        "poolSize",
        "must be 1 for :memory: (every connection would be a separate database)",
      );
    }
    poolSize = 1;
  }
  const acquireTimeout = integer(options, "acquireTimeout", 0) ?? DEFAULT_ACQUIRE_TIMEOUT;
  const queryTimeout = integer(options, "queryTimeout", 1);
  const streamBatchSize = integer(options, "streamBatchSize", 1) ?? DEFAULT_STREAM_BATCH_SIZE;

  return {
    kind,
    url: target.kind === "file" ? target.filePath! : location.trim(),
    filePath: target.filePath,
    description: target.description,
    authToken,
    syncUrl,
    syncInterval,
    readYourWrites: options.readYourWrites,
    encryptionKey,
    busyTimeout,
    intMode,
    statementCacheSize,
    prepareDatabase: options.prepareDatabase,
    journalMode,
    foreignKeys: options.foreignKeys ?? true,
    poolSize: poolSize ?? DEFAULT_POOL_SIZE,
    acquireTimeout,
    queryTimeout,
    streamBatchSize,
  };
}

/** Replaces every occurrence of the given secrets in a message. */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let result = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join("[redacted]");
  }
  return result;
}
