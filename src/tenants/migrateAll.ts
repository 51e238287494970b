/**
 * `migrateAll`: brings many tenants' databases up to date, a few at a time, reporting progress and
 * collecting failures without stopping the others (one tenant's server down or refusing is that
 * tenant's failure, not the run's).
 */
import { LibSqlOptionsError } from "../options/errors";

/** Where a `migrateAll` run is, after each tenant. */
export interface LibSqlMigrateProgress {
  /** Tenants brought up to date so far (including those that had nothing to apply). */
  readonly done: number;
  /** Tenants whose migration failed so far. */
  readonly failed: number;
  readonly total: number;
  /** The tenant just finished. */
  readonly tenant: string;
  /** Migrations applied to it (0 on failure or when it was up to date). */
  readonly applied: number;
  /** Why it failed, if it did. */
  readonly error?: Error;
}

/** Options of `migrateAll`. */
export interface LibSqlMigrateAllOptions {
  /** Tenants migrated at once (default 4). */
  readonly concurrency?: number;
  /** Called after each tenant, successful or not. */
  readonly onProgress?: (progress: LibSqlMigrateProgress) => void;
}

/** What a `migrateAll` run did. */
export interface LibSqlMigrateSummary {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  /** Migrations applied, over all tenants. */
  readonly applied: number;
  /** Tenants to which at least one migration was applied. */
  readonly migrated: string[];
  /** Each failed tenant with its error. */
  readonly failures: { tenant: string; error: Error }[];
}

/** Runs `migrate` for each tenant, `concurrency` at a time; never rejects for a tenant's failure. */
export async function migrateEach(
  tenants: Iterable<string>,
  migrate: (tenant: string) => Promise<number>,
  options: LibSqlMigrateAllOptions = {},
): Promise<LibSqlMigrateSummary> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new LibSqlOptionsError("concurrency", `must be an integer of at least 1, got ${String(concurrency)}`);
  }
  const queue = [...new Set(tenants)];
  const total = queue.length;
  let done = 0;
  let failed = 0;
  let applied = 0;
  const migrated: string[] = [];
  const failures: { tenant: string; error: Error }[] = [];
  const report = (progress: LibSqlMigrateProgress) => {
    try {
      options.onProgress?.(progress);
    } catch {
      // A progress callback that throws must not stop the run.
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const tenant = queue[next];
      next += 1;
      try {
        const count = await migrate(tenant);
        done += 1;
        applied += count;
        if (count > 0) migrated.push(tenant);
        report({ done, failed, total, tenant, applied: count });
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        failed += 1;
        failures.push({ tenant, error });
        report({ done, failed, total, tenant, applied: 0, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { total, done, failed, applied, migrated, failures };
}
