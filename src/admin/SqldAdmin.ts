/**
 * `SqldAdmin`: database administration on a self-hosted sqld, whose databases are namespaces
 * (sqld started with `--enable-namespaces --admin-listen-addr <host:port>`). It speaks sqld's
 * admin API: `POST /v1/namespaces/<name>/create`, `DELETE /v1/namespaces/<name>` and
 * `POST /v1/namespaces/<from>/fork/<to>`. sqld (0.24) has no route that lists namespaces and
 * mints no tokens: `list()` and `createToken()` refuse with `LIBSQL_UNSUPPORTED`.
 */
import {
  LibSqlAdminError,
  checkDatabaseName,
  type LibSqlCreateDatabaseOptions,
  type LibSqlDatabaseAdmin,
  type LibSqlDatabaseInfo,
} from "./LibSqlDatabaseAdmin";
import { baseUrl, send, timeoutOf, type AdminEndpoint } from "./http";

/** Options of `new SqldAdmin(…)`. */
export interface SqldAdminOptions {
  /** The admin API's URL (sqld's `--admin-listen-addr`), e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  /** sqld's `--admin-auth-key`, if it was started with one. Never logged. */
  readonly authKey?: string;
  /** Milliseconds one call may take (default 30000). */
  readonly timeoutMs?: number;
}

/**
 * sqld answers most refusals with 400 and a message; "already exists" is told apart by it
 * (`Namespace \`acme\` already exists`).
 */
function classify(status: number, reason: string) {
  if (status === 400 && /already exists/i.test(reason)) return "LIBSQL_DATABASE_EXISTS" as const;
  return undefined;
}

export class SqldAdmin implements LibSqlDatabaseAdmin {
  readonly #endpoint: AdminEndpoint;

  constructor(options: SqldAdminOptions) {
    const authKey = options.authKey;
    this.#endpoint = {
      baseUrl: baseUrl(options.url, "SqldAdmin url"),
      // sqld takes its admin key as `Authorization: Basic <key>`, the key as given.
      authorization: () => (authKey === undefined ? undefined : `Basic ${authKey}`),
      timeoutMs: timeoutOf(options.timeoutMs),
      classify,
    };
  }

  /** The admin API's address (without credentials). */
  get url(): string {
    return this.#endpoint.baseUrl.href;
  }

  async create(name: string, options: LibSqlCreateDatabaseOptions = {}): Promise<LibSqlDatabaseInfo> {
    checkDatabaseName(name);
    const body = options.jwtKey === undefined ? {} : { jwt_key: options.jwtKey };
    await send(this.#endpoint, {
      method: "POST",
      path: `v1/namespaces/${name}/create`,
      body,
      what: `create database \`${name}\``,
    });
    return { name };
  }

  async delete(name: string): Promise<void> {
    checkDatabaseName(name);
    await send(this.#endpoint, {
      method: "DELETE",
      path: `v1/namespaces/${name}`,
      what: `delete database \`${name}\``,
    });
  }

  async list(): Promise<string[]> {
    throw new LibSqlAdminError(
      "LIBSQL_UNSUPPORTED",
      "list databases: sqld's admin API (0.24) has no route that lists namespaces; keep the list of tenants in your own records",
    );
  }

  async fork(source: string, target: string): Promise<LibSqlDatabaseInfo> {
    checkDatabaseName(source, "source database name");
    checkDatabaseName(target, "target database name");
    await send(this.#endpoint, {
      method: "POST",
      path: `v1/namespaces/${source}/fork/${target}`,
      what: `fork database \`${source}\` into \`${target}\``,
    });
    return { name: target };
  }

  async createToken(name: string): Promise<string> {
    checkDatabaseName(name);
    throw new LibSqlAdminError(
      "LIBSQL_UNSUPPORTED",
      `create a token for \`${name}\`: sqld mints no tokens; create the database with its own jwtKey and sign ` +
        "its tokens with the matching Ed25519 private key (see docs/tenants.md)",
    );
  }

  /** Shows the address only: the admin key stays out of logs and inspection. */
  toJSON(): { url: string } {
    return { url: this.url };
  }
}
