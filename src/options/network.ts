/**
 * The network options of a database on a server (a remote database, or the primary of an embedded
 * replica): how long opening a connection to it, and one call to it, may take. Both are in
 * milliseconds; 0 means no limit. Other kinds of database refuse them.
 */
import { LibSqlOptionsError } from "./errors";
import { integerOption } from "./values";

/** Milliseconds to open a connection (TCP and TLS) to the server before `LIBSQL_TIMEOUT`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Milliseconds one call may wait for the server's answer before `LIBSQL_TIMEOUT`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface NetworkOptionValues {
  readonly connectTimeoutMs?: unknown;
  readonly requestTimeoutMs?: unknown;
}

/** What the native core takes: a limit in milliseconds, or none. */
export interface NetworkTimeouts {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

function timeoutOption(key: keyof NetworkOptionValues, value: unknown, fallback: number): number | undefined {
  const ms = integerOption(key, value, 0) ?? fallback;
  return ms === 0 ? undefined : ms;
}

/**
 * Reads the network options for a database that is (`onServer`) or is not on a server; for the
 * latter, giving one is an error.
 */
export function networkTimeouts(options: NetworkOptionValues, onServer: boolean): NetworkTimeouts {
  if (!onServer) {
    for (const key of ["connectTimeoutMs", "requestTimeoutMs"] as const) {
      if (options[key] !== undefined) {
        throw new LibSqlOptionsError(key, "applies to remote databases and embedded replicas only");
      }
    }
    return {};
  }
  return {
    connectTimeoutMs: timeoutOption("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    requestTimeoutMs: timeoutOption("requestTimeoutMs", options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
  };
}
