/**
 * Errors of the native core as JavaScript sees them: a `LibSqlError` with a stable `code` (an
 * SQLite extended result name such as `SQLITE_CONSTRAINT_UNIQUE`, or one of our `LIBSQL_*` codes)
 * and `rawCode`, the numeric SQLite result code where SQLite gave one.
 */

export class LibSqlError extends Error {
  /** `SQLITE_*` extended result name, or a `LIBSQL_*` code of this driver. */
  readonly code: string;
  /** The SQLite (extended) result code, when SQLite produced the error. */
  readonly rawCode?: number;

  constructor(code: string, message: string, rawCode?: number) {
    super(message);
    this.name = "LibSqlError";
    this.code = code;
    if (rawCode !== undefined) this.rawCode = rawCode;
  }
}

const ENCODED = /^([A-Z][A-Z0-9_]*)(?:\[(-?\d+)\])?: ([\s\S]*)$/;

/**
 * Turns an error thrown by the addon into a `LibSqlError` (other values pass through).
 * @internal
 */
export function toLibSqlError(error: unknown): unknown {
  if (error instanceof LibSqlError || !(error instanceof Error)) return error;
  const match = ENCODED.exec(error.message);
  if (match) {
    const raw = match[2] === undefined ? undefined : Number(match[2]);
    const converted = new LibSqlError(match[1], match[3], raw);
    if (error.stack)
      converted.stack = `${converted.name}: ${converted.message}\n${error.stack.split("\n").slice(1).join("\n")}`;
    return converted;
  }
  // napi-rs rejects arguments of the wrong type before our code runs.
  return new LibSqlError("LIBSQL_INVALID_ARGUMENT", error.message);
}

/**
 * Calls `fn`, converting native errors (sync or async) into `LibSqlError`s.
 * @internal
 */
export async function wrapAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toLibSqlError(error);
  }
}

/**
 * `wrapAsync` for a call that returns at once.
 * @internal
 */
export function wrapSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toLibSqlError(error);
  }
}
