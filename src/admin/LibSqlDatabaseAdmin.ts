/**
 * Database administration: the one interface the tenants manager (and anyone else) uses to
 * create, delete, list and fork databases and to mint their tokens, whichever service holds them.
 * Two implementations: `SqldAdmin` (a self-hosted sqld's admin API, databases are namespaces) and
 * `TursoAdmin` (Turso's Platform API, databases in a group). What a service cannot do is refused
 * with `LIBSQL_UNSUPPORTED`, never skipped.
 */
import { LibSqlError } from "../native/errors";

/** Options of `create`; each says which services take it (the others refuse it). */
export interface LibSqlCreateDatabaseOptions {
  /**
   * sqld only: the database's own JWT public key (Ed25519, SPKI PEM or URL-safe base64 of the raw
   * key). The namespace then accepts only tokens signed by the matching private key, and not those
   * of the server's global key: a token per tenant.
   */
  readonly jwtKey?: string;
}

/** Options of `createToken` (Turso). */
export interface LibSqlCreateTokenOptions {
  /** How long the token is valid, in Turso's notation (`"2w"`, `"1d"`, `"30m"`; default: never expires). */
  readonly expiration?: string;
  /** `"full-access"` (default) or `"read-only"`. */
  readonly authorization?: "full-access" | "read-only";
}

/** A database as the service reports it. */
export interface LibSqlDatabaseInfo {
  readonly name: string;
  /** The URL clients connect to, where the service says it (Turso: `libsql://<hostname>`). */
  readonly url?: string;
}

/** Creates, deletes, lists and forks databases on one service, and mints their tokens. */
export interface LibSqlDatabaseAdmin {
  /** Creates database `name`; `LIBSQL_DATABASE_EXISTS` if there is one already. */
  create(name: string, options?: LibSqlCreateDatabaseOptions): Promise<LibSqlDatabaseInfo>;
  /** Deletes database `name` and its data; `LIBSQL_DATABASE_NOT_FOUND` if there is none. */
  delete(name: string): Promise<void>;
  /** The names of the databases (sqld 0.24 has no such route: `LIBSQL_UNSUPPORTED`). */
  list(): Promise<string[]>;
  /** Creates database `target` as a copy of `source` (`LIBSQL_DATABASE_NOT_FOUND`, `LIBSQL_DATABASE_EXISTS`). */
  fork(source: string, target: string): Promise<LibSqlDatabaseInfo>;
  /** A new token for database `name` (sqld mints none: `LIBSQL_UNSUPPORTED`). */
  createToken(name: string, options?: LibSqlCreateTokenOptions): Promise<string>;
}

/** Codes an administration call fails with. */
export type LibSqlAdminErrorCode =
  | "LIBSQL_DATABASE_EXISTS"
  | "LIBSQL_DATABASE_NOT_FOUND"
  | "LIBSQL_AUTH"
  | "LIBSQL_NETWORK"
  | "LIBSQL_TIMEOUT"
  | "LIBSQL_REMOTE_ERROR"
  | "LIBSQL_INVALID_ARGUMENT"
  | "LIBSQL_UNSUPPORTED";

/**
 * A refused or failed administration call. `status` is the HTTP status when the service answered.
 * Messages name the service's address and the database, never a token or key.
 */
export class LibSqlAdminError extends LibSqlError {
  declare readonly code: LibSqlAdminErrorCode;

  constructor(
    code: LibSqlAdminErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(code, message);
    this.name = "LibSqlAdminError";
  }
}

/**
 * A database name both services and host names accept: 1 to 63 lower-case letters, digits and
 * dashes, not starting or ending with a dash (one DNS label, as `<name>.localhost` and Turso's
 * host names need). It is also a safe file name, for one local file per tenant.
 */
export const DATABASE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Throws `LIBSQL_INVALID_ARGUMENT` unless `name` is a valid database name. */
export function checkDatabaseName(name: unknown, what = "database name"): string {
  if (typeof name === "string" && DATABASE_NAME.test(name)) return name;
  const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : typeof name;
  throw new LibSqlAdminError(
    "LIBSQL_INVALID_ARGUMENT",
    `invalid ${what} ${shown}: use 1 to 63 lower-case letters, digits and dashes, not starting or ending with a dash`,
  );
}
