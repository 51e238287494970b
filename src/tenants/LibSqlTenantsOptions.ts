/**
 * The options of `LibSqlTenants` (a database per tenant), and their checks: where each tenant's
 * database is, the TypeORM options every tenant's data source shares, and the limits on open
 * data sources.
 */
import type { LibSqlConnectionOptions, LibSqlDataSourceOptions } from "../options/LibSqlDataSourceOptions";
import type { LibSqlDatabaseAdmin } from "../admin/LibSqlDatabaseAdmin";
import { LibSqlOptionsError } from "../options/errors";

/**
 * Where one tenant's database is: a remote URL and its token (`{ url, authToken }`), or a local
 * file (`{ url: "./tenants/acme.db" }`), with any other connection option of that tenant.
 */
export type LibSqlTenantConnection = LibSqlConnectionOptions;

/** The data source options all tenants share (entities, migrations, subscribers, logging, …). */
export type LibSqlTenantDataSourceOptions = Omit<
  LibSqlDataSourceOptions,
  "url" | "database" | "authToken" | "syncUrl" | "encryptionKey" | "migrationsRun"
>;

/** Options of `new LibSqlTenants(…)`. */
export interface LibSqlTenantsOptions {
  /** Where tenant `tenant`'s database is (called on each open of its data source). */
  readonly connection: (tenant: string) => LibSqlTenantConnection | Promise<LibSqlTenantConnection>;
  /**
   * What each tenant's data source is given besides its connection. Migrations run on a tenant's
   * first open in this process, all pending ones in one transaction (`migrationsTransactionMode`
   * must be `"all"`, TypeORM's default); `migrationsRun` is the manager's to decide.
   */
  readonly dataSource?: LibSqlTenantDataSourceOptions;
  /** The most data sources open at once, opening and closing ones included (default 16). */
  readonly maxOpen?: number;
  /** Milliseconds a data source may stay unused before it closes (default 60000; 0: never). */
  readonly idleTimeoutMs?: number;
  /** Milliseconds `get` may wait for a free place when all `maxOpen` are in use (default 30000). */
  readonly acquireTimeoutMs?: number;
  /** Creates and deletes tenants' databases (`SqldAdmin`, `TursoAdmin`); needed by `create`/`delete`. */
  readonly admin?: LibSqlDatabaseAdmin;
}

/** The options with their defaults, checked. */
export interface ResolvedTenantsOptions {
  readonly connection: LibSqlTenantsOptions["connection"];
  readonly dataSource: LibSqlTenantDataSourceOptions;
  readonly maxOpen: number;
  readonly idleTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly admin: LibSqlDatabaseAdmin | undefined;
}

function count(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new LibSqlOptionsError(option, `must be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}

/** Checks the options and fills in the defaults; throws `LibSqlOptionsError`. */
export function resolveTenantsOptions(options: LibSqlTenantsOptions): ResolvedTenantsOptions {
  if (typeof options?.connection !== "function") {
    throw new LibSqlOptionsError("connection", "must be a function from a tenant id to its connection options");
  }
  const dataSource = { ...(options.dataSource ?? {}) } as Record<string, unknown>;
  for (const key of ["url", "database", "authToken", "syncUrl", "encryptionKey", "migrationsRun"]) {
    if (key in dataSource) {
      throw new LibSqlOptionsError(
        `dataSource.${key}`,
        key === "migrationsRun"
          ? "leave it out: the manager runs each tenant's migrations itself, once, under a transaction"
          : "give it per tenant, from the connection function",
      );
    }
  }
  const mode = dataSource.migrationsTransactionMode;
  if (mode !== undefined && mode !== "all") {
    throw new LibSqlOptionsError(
      "dataSource.migrationsTransactionMode",
      `must be "all" (or left out): a tenant's pending migrations run in the one transaction that ` +
        `keeps two processes from applying them both; got ${JSON.stringify(mode)}`,
    );
  }
  return {
    connection: options.connection,
    dataSource: dataSource as LibSqlTenantDataSourceOptions,
    maxOpen: count("maxOpen", options.maxOpen, 16, 1),
    idleTimeoutMs: count("idleTimeoutMs", options.idleTimeoutMs, 60_000, 0),
    acquireTimeoutMs: count("acquireTimeoutMs", options.acquireTimeoutMs, 30_000, 1),
    admin: options.admin,
  };
}
