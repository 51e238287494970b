/**
 * `TursoAdmin`: database administration on Turso, through its Platform API
 * (https://docs.turso.tech/api-reference): databases of one organisation in one group, and their
 * tokens. A database is created with `POST /v1/organizations/<org>/databases` (`{name, group}`; a
 * fork is a database seeded from another, `seed: {type: "database", name}`), listed with `GET`,
 * deleted with `DELETE …/databases/<name>`, and a token is minted with
 * `POST …/databases/<name>/auth/tokens?expiration=…&authorization=…`. Requests carry the
 * Platform API token as a bearer token; it never appears in messages.
 */
import {
  LibSqlAdminError,
  checkDatabaseName,
  type LibSqlCreateDatabaseOptions,
  type LibSqlCreateTokenOptions,
  type LibSqlDatabaseAdmin,
  type LibSqlDatabaseInfo,
} from "./LibSqlDatabaseAdmin";
import { baseUrl, send, timeoutOf, type AdminEndpoint } from "./http";

/** Options of `new TursoAdmin(…)`. */
export interface TursoAdminOptions {
  /** The organisation's slug (`turso org list`). */
  readonly organization: string;
  /** The group new databases go into, and the one `list()` lists. */
  readonly group: string;
  /** A Platform API token (`turso auth api-tokens mint …`). Never logged. */
  readonly token: string;
  /** The API's URL (default `https://api.turso.tech`). */
  readonly apiUrl?: string;
  /** Milliseconds one call may take (default 30000). */
  readonly timeoutMs?: number;
}

/** A database object of Turso's answers (`Name`, `Hostname`, `group`, …). */
interface TursoDatabase {
  Name?: unknown;
  Hostname?: unknown;
  group?: unknown;
}

function infoOf(database: TursoDatabase | undefined, name: string): LibSqlDatabaseInfo {
  const hostname = typeof database?.Hostname === "string" ? database.Hostname : undefined;
  return hostname ? { name, url: `libsql://${hostname}` } : { name };
}

/** Turso's answer to a token request carries the token as `jwt`. */
function tokenOf(json: unknown, name: string): string {
  const jwt = (json as { jwt?: unknown } | undefined)?.jwt;
  if (typeof jwt === "string" && jwt.length > 0) return jwt;
  throw new LibSqlAdminError("LIBSQL_REMOTE_ERROR", `create a token for \`${name}\`: the answer carried no token`);
}

const EXPIRATION = /^(never|\d+[smhdw](\d+[smhdw])*)$/;

export class TursoAdmin implements LibSqlDatabaseAdmin {
  readonly organization: string;
  readonly group: string;
  readonly #endpoint: AdminEndpoint;

  constructor(options: TursoAdminOptions) {
    this.organization = checkDatabaseName(options.organization, "organization");
    this.group = checkDatabaseName(options.group, "group");
    const token = options.token;
    if (typeof token !== "string" || token.length === 0) {
      throw new LibSqlAdminError("LIBSQL_INVALID_ARGUMENT", "TursoAdmin needs a Platform API token (token)");
    }
    const api = baseUrl(options.apiUrl ?? "https://api.turso.tech", "TursoAdmin apiUrl");
    this.#endpoint = {
      baseUrl: new URL(`v1/organizations/${this.organization}/`, api),
      authorization: () => `Bearer ${token}`,
      timeoutMs: timeoutOf(options.timeoutMs),
    };
  }

  async create(name: string, options: LibSqlCreateDatabaseOptions = {}): Promise<LibSqlDatabaseInfo> {
    checkDatabaseName(name);
    if (options.jwtKey !== undefined) {
      throw new LibSqlAdminError(
        "LIBSQL_UNSUPPORTED",
        `create database \`${name}\`: Turso keeps its databases' keys itself (jwtKey is for sqld); mint tokens with createToken()`,
      );
    }
    return this.createDatabase(name, { name, group: this.group }, `create database \`${name}\``);
  }

  async delete(name: string): Promise<void> {
    checkDatabaseName(name);
    await send(this.#endpoint, { method: "DELETE", path: `databases/${name}`, what: `delete database \`${name}\`` });
  }

  async list(): Promise<string[]> {
    const reply = await send(this.#endpoint, {
      method: "GET",
      path: `databases?group=${encodeURIComponent(this.group)}`,
      what: `list databases of group \`${this.group}\``,
    });
    const databases = (reply.json as { databases?: unknown } | undefined)?.databases;
    if (!Array.isArray(databases)) {
      throw new LibSqlAdminError("LIBSQL_REMOTE_ERROR", "list databases: the answer carried no `databases` list");
    }
    return (databases as TursoDatabase[])
      .filter((database) => database.group === undefined || database.group === this.group)
      .map((database) => database.Name)
      .filter((name): name is string => typeof name === "string");
  }

  async fork(source: string, target: string): Promise<LibSqlDatabaseInfo> {
    checkDatabaseName(source, "source database name");
    checkDatabaseName(target, "target database name");
    return this.createDatabase(
      target,
      { name: target, group: this.group, seed: { type: "database", name: source } },
      `fork database \`${source}\` into \`${target}\``,
    );
  }

  async createToken(name: string, options: LibSqlCreateTokenOptions = {}): Promise<string> {
    checkDatabaseName(name);
    const expiration = options.expiration ?? "never";
    if (!EXPIRATION.test(expiration)) {
      throw new LibSqlAdminError(
        "LIBSQL_INVALID_ARGUMENT",
        `expiration must be "never" or a duration such as "2w", "1d12h", got ${JSON.stringify(expiration)}`,
      );
    }
    const authorization = options.authorization ?? "full-access";
    if (authorization !== "full-access" && authorization !== "read-only") {
      throw new LibSqlAdminError(
        "LIBSQL_INVALID_ARGUMENT",
        `authorization must be "full-access" or "read-only", got ${JSON.stringify(authorization)}`,
      );
    }
    const query = new URLSearchParams({ expiration, authorization });
    const reply = await send(this.#endpoint, {
      method: "POST",
      path: `databases/${name}/auth/tokens?${query.toString()}`,
      what: `create a token for \`${name}\``,
    });
    return tokenOf(reply.json, name);
  }

  /** Shows the organisation and group only: the token stays out of logs and inspection. */
  toJSON(): { organization: string; group: string } {
    return { organization: this.organization, group: this.group };
  }

  private async createDatabase(name: string, body: object, what: string): Promise<LibSqlDatabaseInfo> {
    const reply = await send(this.#endpoint, { method: "POST", path: "databases", body, what });
    return infoOf((reply.json as { database?: TursoDatabase } | undefined)?.database, name);
  }
}
