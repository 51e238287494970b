/**
 * `LibSqlTenants`: a database per tenant from TypeORM. It opens one `LibSqlDataSource` per tenant
 * on demand and keeps at most `maxOpen` of them (opening and closing ones included): when the
 * limit is reached the least recently used idle one closes, and one unused for `idleTimeoutMs`
 * closes by itself. Concurrent `get`s of one tenant share one open; no `get` is ever given a data
 * source that is closing. A tenant's migrations run on its first open in this process, once,
 * under a write transaction (see `migrations.ts`); `migrateAll` brings many tenants up to date.
 * `create` and `delete` go through a `LibSqlDatabaseAdmin`.
 */
import { LibSqlDataSource } from "../data-source/LibSqlDataSource";
import type { LibSqlDataSourceOptions } from "../options/LibSqlDataSourceOptions";
import { LibSqlError } from "../native/errors";
import {
  LibSqlAdminError,
  checkDatabaseName,
  type LibSqlCreateDatabaseOptions,
  type LibSqlDatabaseAdmin,
  type LibSqlDatabaseInfo,
} from "../admin/LibSqlDatabaseAdmin";
import { migrateExclusively } from "./migrations";
import { migrateEach, type LibSqlMigrateAllOptions, type LibSqlMigrateSummary } from "./migrateAll";
import { resolveTenantsOptions, type LibSqlTenantsOptions, type ResolvedTenantsOptions } from "./LibSqlTenantsOptions";

/** One tenant's data source, from the start of its open to the end of its close. */
interface Entry {
  readonly tenant: string;
  state: "opening" | "open" | "closing";
  ready: Promise<LibSqlDataSource>;
  /** Callers holding it now: a `run`, or a `get` waiting for the open. Held entries never close. */
  pins: number;
  lastUsed: number;
  /** Whether the open checked the migrations, and how many it applied. */
  migratedOnOpen: boolean;
  applied: number;
  closed?: Promise<void>;
}

/** How many data sources the manager has open, and has opened and closed. */
export interface LibSqlTenantsStats {
  /** Data sources in existence: opening, open or closing (never above `maxOpen`). */
  readonly open: number;
  /** Open data sources no caller holds (candidates for closing). */
  readonly idle: number;
  /** The most there ever were at once. */
  readonly peakOpen: number;
  /** Opens that succeeded, and closes, since the manager was created. */
  readonly opened: number;
  readonly closed: number;
}

/**
 * The error of a tenant's open: the driver's `LibSqlError` (TypeORM may wrap it in a
 * `QueryFailedError`) with the same code, its message prefixed with the tenant's id.
 */
function tenantError(tenant: string, error: unknown): unknown {
  const driverError = (error as { driverError?: unknown } | undefined)?.driverError;
  const cause = error instanceof LibSqlError ? error : driverError instanceof LibSqlError ? driverError : undefined;
  if (!cause) return error;
  const wrapped = new LibSqlError(cause.code, `tenant \`${tenant}\`: ${cause.message}`, cause.rawCode);
  (wrapped as { cause?: unknown }).cause = error;
  return wrapped;
}

export class LibSqlTenants {
  private readonly options: ResolvedTenantsOptions;
  private readonly entries = new Map<string, Entry>();
  /** Tenants whose migrations this process has run (or found up to date). */
  private readonly migrated = new Set<string>();
  private readonly deleting = new Map<string, Promise<void>>();
  private waiters: (() => void)[] = [];
  private readonly sweeper: NodeJS.Timeout | undefined;
  private shutDown = false;
  private peakOpen = 0;
  private opened = 0;
  private closedCount = 0;

  constructor(options: LibSqlTenantsOptions) {
    this.options = resolveTenantsOptions(options);
    const idle = this.options.idleTimeoutMs;
    if (idle > 0) {
      this.sweeper = setInterval(() => this.closeIdle(), Math.max(10, Math.min(1_000, Math.floor(idle / 2))));
      this.sweeper.unref();
    }
  }

  /**
   * Tenant `tenant`'s initialised data source, opening it (and running its pending migrations, on
   * its first open in this process) if need be. A data source you keep may be closed once it is
   * idle and others are wanted: call `get` each time (it is cheap once open), or use `run`.
   */
  async get(tenant: string): Promise<LibSqlDataSource> {
    const { entry, dataSource } = await this.acquire(tenant);
    this.release(entry);
    return dataSource;
  }

  /** Runs `work` with tenant `tenant`'s data source, which stays open until `work` settles. */
  async run<T>(tenant: string, work: (dataSource: LibSqlDataSource) => Promise<T> | T): Promise<T> {
    const { entry, dataSource } = await this.acquire(tenant);
    try {
      return await work(dataSource);
    } finally {
      this.release(entry);
    }
  }

  /** Brings tenant `tenant`'s database up to date; resolves with how many migrations ran. */
  async migrate(tenant: string): Promise<number> {
    const { entry, dataSource, opened } = await this.acquire(tenant);
    try {
      if (opened && entry.migratedOnOpen) return entry.applied;
      const applied = await migrateExclusively(dataSource).catch((error: unknown) => {
        throw tenantError(tenant, error);
      });
      this.migrated.add(tenant);
      return applied;
    } finally {
      this.release(entry);
    }
  }

  /** Migrates every tenant of `tenants`, `concurrency` at a time; failures are collected, not thrown. */
  migrateAll(tenants: Iterable<string>, options: LibSqlMigrateAllOptions = {}): Promise<LibSqlMigrateSummary> {
    this.checkOpen();
    return migrateEach(tenants, (tenant) => this.migrate(tenant), options);
  }

  /** Creates tenant `tenant`'s database through the admin; its migrations run on its first `get`. */
  async create(tenant: string, options?: LibSqlCreateDatabaseOptions): Promise<LibSqlDatabaseInfo> {
    checkDatabaseName(tenant, "tenant id");
    const admin = this.admin("create");
    const info = await admin.create(tenant, options);
    this.migrated.delete(tenant);
    return info;
  }

  /**
   * Closes tenant `tenant`'s data source (work still running on it fails), then deletes its
   * database through the admin. `get`s meanwhile wait; later ones fail as the database is gone
   * (`LIBSQL_DATABASE_NOT_FOUND` from a server).
   */
  async delete(tenant: string): Promise<void> {
    checkDatabaseName(tenant, "tenant id");
    const admin = this.admin("delete");
    const deletion = (async () => {
      const entry = this.entries.get(tenant);
      if (entry) await this.closeEntry(entry).catch(() => undefined);
      this.migrated.delete(tenant);
      await admin.delete(tenant);
    })();
    this.deleting.set(tenant, deletion);
    try {
      await deletion;
    } finally {
      this.deleting.delete(tenant);
      this.notify();
    }
  }

  /** How many data sources are open, and have been opened and closed. */
  stats(): LibSqlTenantsStats {
    let idle = 0;
    for (const entry of this.entries.values()) if (entry.state === "open" && entry.pins === 0) idle += 1;
    const { peakOpen, opened } = this;
    return { open: this.entries.size, idle, peakOpen, opened, closed: this.closedCount };
  }

  /** Closes every data source; the manager then refuses further use (`LIBSQL_MISUSE`). */
  async close(): Promise<void> {
    this.shutDown = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.notify();
    const closing = [...this.entries.values()].map((each) => this.closeEntry(each).catch(() => undefined));
    await Promise.all([...closing, ...[...this.deleting.values()].map((each) => each.catch(() => undefined))]);
  }

  private admin(operation: string): LibSqlDatabaseAdmin {
    if (this.options.admin) return this.options.admin;
    throw new LibSqlAdminError(
      "LIBSQL_UNSUPPORTED",
      `${operation}: the tenants manager has no admin (give it a SqldAdmin or TursoAdmin as \`admin\`)`,
    );
  }

  private checkOpen(): void {
    if (this.shutDown) throw new LibSqlError("LIBSQL_MISUSE", "the tenants manager is closed (close() was called)");
  }

  /** Holds tenant `tenant`'s open data source, opening it or waiting for a free place if need be. */
  private async acquire(tenant: string): Promise<{ entry: Entry; dataSource: LibSqlDataSource; opened: boolean }> {
    checkDatabaseName(tenant, "tenant id");
    const deadline = Date.now() + this.options.acquireTimeoutMs;
    for (;;) {
      this.checkOpen();
      const deletion = this.deleting.get(tenant);
      if (deletion) {
        await deletion.catch(() => undefined);
        continue;
      }
      let entry = this.entries.get(tenant);
      if (entry?.state === "closing") {
        await entry.closed?.catch(() => undefined);
        continue;
      }
      let opened = false;
      if (!entry) {
        if (this.entries.size >= this.options.maxOpen) {
          const victim = this.leastRecentlyUsedIdle();
          if (victim) await this.closeEntry(victim).catch(() => undefined);
          else await this.waitForChange(tenant, deadline);
          continue;
        }
        entry = this.open(tenant);
        opened = true;
      }
      entry.pins += 1;
      entry.lastUsed = Date.now();
      let dataSource: LibSqlDataSource;
      try {
        dataSource = await entry.ready;
      } catch (error) {
        entry.pins -= 1;
        throw error;
      }
      // Closed meanwhile (by `delete` or `close`): never hand it out; open afresh.
      if (entry.state === "open" && this.entries.get(tenant) === entry) return { entry, dataSource, opened };
      this.release(entry);
    }
  }

  private release(entry: Entry): void {
    entry.pins -= 1;
    entry.lastUsed = Date.now();
    if (entry.pins === 0) this.notify();
  }

  private open(tenant: string): Entry {
    const entry: Entry = {
      tenant,
      state: "opening",
      ready: Promise.resolve(undefined as unknown as LibSqlDataSource),
      pins: 0,
      lastUsed: Date.now(),
      migratedOnOpen: false,
      applied: 0,
    };
    this.entries.set(tenant, entry);
    this.peakOpen = Math.max(this.peakOpen, this.entries.size);
    entry.ready = this.initialise(entry).then(
      (dataSource) => {
        this.opened += 1;
        if (entry.state === "opening") entry.state = "open";
        return dataSource;
      },
      (error: unknown) => {
        if (this.entries.get(tenant) === entry) this.entries.delete(tenant);
        this.notify();
        throw error;
      },
    );
    // Every caller awaits `ready`; this only keeps a failure nobody waits for from going unhandled.
    entry.ready.catch(() => undefined);
    return entry;
  }

  private async initialise(entry: Entry): Promise<LibSqlDataSource> {
    const { tenant } = entry;
    let dataSource: LibSqlDataSource | undefined;
    try {
      const connection = await this.options.connection(tenant);
      const options = { ...this.options.dataSource, ...connection } as LibSqlDataSourceOptions;
      dataSource = new LibSqlDataSource(options);
      await dataSource.initialize();
      if (!this.migrated.has(tenant)) {
        entry.applied = await migrateExclusively(dataSource);
        entry.migratedOnOpen = true;
        this.migrated.add(tenant);
      }
      return dataSource;
    } catch (error) {
      if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
      throw tenantError(tenant, error);
    }
  }

  private closeEntry(entry: Entry): Promise<void> {
    if (entry.closed) return entry.closed;
    entry.state = "closing";
    entry.closed = entry.ready
      .then(
        async (dataSource) => {
          try {
            if (dataSource.isInitialized) await dataSource.destroy();
          } finally {
            this.closedCount += 1;
          }
        },
        () => undefined,
      )
      .finally(() => {
        if (this.entries.get(entry.tenant) === entry) this.entries.delete(entry.tenant);
        this.notify();
      });
    return entry.closed;
  }

  private leastRecentlyUsedIdle(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state !== "open" || entry.pins > 0) continue;
      if (!oldest || entry.lastUsed < oldest.lastUsed) oldest = entry;
    }
    return oldest;
  }

  private closeIdle(): void {
    const before = Date.now() - this.options.idleTimeoutMs;
    for (const entry of this.entries.values()) {
      if (entry.state === "open" && entry.pins === 0 && entry.lastUsed <= before) {
        this.closeEntry(entry).catch(() => undefined);
      }
    }
  }

  /** Waits until a data source closes or is let go (or the deadline passes: `LIBSQL_TIMEOUT`). */
  private async waitForChange(tenant: string, deadline: number): Promise<void> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new LibSqlError(
        "LIBSQL_TIMEOUT",
        `tenant \`${tenant}\`: no place to open it within ${this.options.acquireTimeoutMs} ms: all ` +
          `${this.options.maxOpen} data sources (maxOpen) are in use (acquireTimeoutMs)`,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, remaining);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
