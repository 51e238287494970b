/**
 * The rules for opening a database, shared by `LibSqlConnection.open` and the data source: which
 * options fit which kind of database (replicas, encryption, tokens), their defaults, and the
 * already-classified configuration handed to the native core, which trusts it and checks none
 * of this again. Durations are in milliseconds here; a caller whose option is in another unit
 * converts it before calling.
 */
import type { IntMode, NativeOpenConfig } from "../native/binding";
import { LibSqlOptionsError } from "./errors";
import { networkTimeouts, type NetworkOptionValues } from "./network";
import { classifyTarget, type Target } from "./target";
import { booleanOption, describeValue, integerOption, oneOfOption, stringOption } from "./values";

export type LibSqlDatabaseKind = "memory" | "file" | "remote" | "replica";

/** Milliseconds a local connection waits for a lock before `SQLITE_BUSY`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** Prepared statements the native core caches per connection. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 64;
export const DEFAULT_INT_MODE: IntMode = "number";
/**
 * Milliseconds one statement may hold the JavaScript thread when it runs inline on a local
 * connection (see docs/execution-model.md); 0 turns inline execution off.
 */
export const DEFAULT_INLINE_BUDGET_MS = 1;
/** The largest inline budget accepted: the inline path is for short statements. */
export const MAX_INLINE_BUDGET_MS = 1000;
/**
 * Milliseconds a chain of inline statements may hold one turn of the event loop before a result
 * waits for the next turn (see `src/native/loopTurns.ts`); 0 never waits.
 */
export const DEFAULT_YIELD_INTERVAL_MS = 2;
/** The largest yield interval accepted. */
export const MAX_YIELD_INTERVAL_MS = 1000;

const INT_MODES: readonly IntMode[] = ["number", "bigint", "string"];

/**
 * The names of the options of opening a database, which `LibSqlConnection.open` takes and the
 * data source takes too, spelled the same way and in the same units.
 */
export const OPEN_OPTION_KEYS = [
  "url",
  "authToken",
  "syncUrl",
  "syncIntervalMs",
  "readYourWrites",
  "connectTimeoutMs",
  "requestTimeoutMs",
  "encryptionKey",
  "busyTimeoutMs",
  "statementCacheSize",
  "inlineBudgetMs",
  "yieldIntervalMs",
  "normaliseLiterals",
  "intMode",
] as const;

/** The options of opening a database that both entry points spell the same way. */
export interface OpenOptionValues extends NetworkOptionValues {
  readonly authToken?: unknown;
  readonly syncUrl?: unknown;
  readonly readYourWrites?: unknown;
  readonly encryptionKey?: unknown;
  readonly busyTimeoutMs?: unknown;
  readonly statementCacheSize?: unknown;
  readonly inlineBudgetMs?: unknown;
  readonly normaliseLiterals?: unknown;
}

/** An option already read and converted by the caller, with the name it was given as. */
export interface GivenOption<T> {
  readonly key: string;
  readonly value: T;
}

export interface ResolvedOpen {
  kind: LibSqlDatabaseKind;
  /** Absolute path of the local file (files and replicas). */
  filePath?: string;
  /** A secret-free description of the database. */
  description: string;
  /** What the native core opens: classified, validated, every default filled in. */
  config: NativeOpenConfig;
}

/** Classifies the database location given as option `key`. */
export function classifyLocation(key: string, value: unknown): Target {
  if (typeof value !== "string") {
    throw new LibSqlOptionsError(
      key,
      value === undefined
        ? 'is required (a path, a file: URL, ":memory:", or a libsql:// / https:// URL)'
        : `expected a string, got ${describeValue(value)}`,
    );
  }
  const target = classifyTarget(value);
  if (typeof target === "string") throw new LibSqlOptionsError(key, target);
  return target;
}

/** `yieldIntervalMs`: how long inline statements may hold the event loop (see `loopTurns.ts`). */
export function yieldIntervalOption(options: { readonly yieldIntervalMs?: unknown }): number {
  return (
    integerOption("yieldIntervalMs", options.yieldIntervalMs, 0, MAX_YIELD_INTERVAL_MS) ?? DEFAULT_YIELD_INTERVAL_MS
  );
}

/** `intMode`: how SQLite integers come back. */
export function intModeOption(value: unknown): IntMode {
  return oneOfOption("intMode", value, INT_MODES) ?? DEFAULT_INT_MODE;
}

/**
 * Checks the options of opening `target` (given as option `locationKey`) against each other and
 * builds the native configuration. `syncIntervalMs` is read by the caller, which knows its unit.
 */
export function resolveOpen(
  target: Target,
  locationKey: string,
  options: OpenOptionValues,
  syncIntervalMs?: GivenOption<number>,
): ResolvedOpen {
  const authToken = stringOption("authToken", options.authToken, true);
  const encryptionKey = stringOption("encryptionKey", options.encryptionKey, true);
  const syncUrl = stringOption("syncUrl", options.syncUrl);
  const readYourWrites = booleanOption("readYourWrites", options.readYourWrites);
  if (syncUrl !== undefined) {
    if (target.kind !== "file") {
      const given = target.kind === "memory" ? ":memory:" : "a remote URL";
      throw new LibSqlOptionsError(
        "syncUrl",
        `an embedded replica needs a local file as "${locationKey}", not ${given}`,
      );
    }
    const primary = classifyTarget(syncUrl);
    if (typeof primary === "string" || primary.kind !== "remote") {
      throw new LibSqlOptionsError("syncUrl", "expected a libsql://, https:// or http:// URL");
    }
  } else {
    if (syncIntervalMs !== undefined) {
      throw new LibSqlOptionsError(syncIntervalMs.key, 'applies to embedded replicas only (set "syncUrl")');
    }
    if (readYourWrites !== undefined) {
      throw new LibSqlOptionsError("readYourWrites", 'applies to embedded replicas only (set "syncUrl")');
    }
  }
  if (encryptionKey !== undefined && target.kind === "memory") {
    throw new LibSqlOptionsError(
      "encryptionKey",
      "encryption at rest applies to database files, not to :memory:",
      "LIBSQL_UNSUPPORTED",
    );
  }
  if (encryptionKey !== undefined && target.kind === "remote") {
    throw new LibSqlOptionsError(
      "encryptionKey",
      "encryption at rest applies to local files and embedded replicas, not to remote connections",
      "LIBSQL_UNSUPPORTED",
    );
  }
  if (options.busyTimeoutMs !== undefined && target.kind === "remote") {
    // sqld refuses `PRAGMA busy_timeout`: a remote server waits for its locks by its own rules.
    throw new LibSqlOptionsError(
      "busyTimeoutMs",
      "a remote server keeps its own busy timeout (sqld refuses PRAGMA busy_timeout); the option applies to local files, :memory: and embedded replicas",
      "LIBSQL_UNSUPPORTED",
    );
  }
  if (authToken !== undefined && target.kind === "file" && syncUrl === undefined) {
    throw new LibSqlOptionsError("authToken", 'is only used with remote URLs and embedded replicas ("syncUrl")');
  }
  const busyTimeoutMs = integerOption("busyTimeoutMs", options.busyTimeoutMs, 0) ?? DEFAULT_BUSY_TIMEOUT_MS;
  const statementCacheSize =
    integerOption("statementCacheSize", options.statementCacheSize, 0) ?? DEFAULT_STATEMENT_CACHE_SIZE;

  const timeouts = networkTimeouts(options, target.kind === "remote" || syncUrl !== undefined);
  const inlineBudgetMs =
    integerOption("inlineBudgetMs", options.inlineBudgetMs, 0, MAX_INLINE_BUDGET_MS) ?? DEFAULT_INLINE_BUDGET_MS;

  const normaliseLiterals = booleanOption("normaliseLiterals", options.normaliseLiterals) ?? true;

  const settings = { busyTimeoutMs, statementCacheSize, inlineBudgetMs, normaliseLiterals };
  switch (target.kind) {
    case "memory":
      return { kind: "memory", description: target.description, config: { target: { kind: "memory" }, ...settings } };
    case "remote":
      return {
        kind: "remote",
        description: target.description,
        config: { target: { kind: "remote", url: target.location, authToken, ...timeouts }, ...settings },
      };
    case "file": {
      const path = target.location;
      if (syncUrl === undefined) {
        return {
          kind: "file",
          filePath: path,
          description: target.description,
          config: { target: { kind: "file", path, encryptionKey }, ...settings },
        };
      }
      return {
        kind: "replica",
        filePath: path,
        description: target.description,
        config: {
          target: {
            kind: "replica",
            path,
            syncUrl,
            authToken,
            syncIntervalMs: syncIntervalMs?.value,
            readYourWrites,
            encryptionKey,
            ...timeouts,
          },
          ...settings,
        },
      };
    }
  }
}
