/**
 * Migrations of one tenant's database, safe against another process migrating it at the same
 * time. TypeORM's `executePendingMigrations` reads which migrations ran before it opens its
 * transaction, so two processes could both find one pending and both run it. Here the whole of it
 * (the migrations table, the read, the migrations and their records) runs inside one
 * `BEGIN IMMEDIATE` transaction: SQLite and sqld give the write lock to one of them; the other
 * waits (busy timeout), then reads the migrations table after the first committed and finds
 * nothing to do.
 */
import { MigrationExecutor } from "typeorm";
import type { LibSqlDataSource } from "../data-source/LibSqlDataSource";

/** Runs the pending migrations of `dataSource` in one write transaction; resolves with how many ran. */
export async function migrateExclusively(dataSource: LibSqlDataSource): Promise<number> {
  if (dataSource.migrations.length === 0) return 0;
  const runner = dataSource.createQueryRunner();
  try {
    // The runner's transactions are BEGIN IMMEDIATE: the write lock is taken before the read.
    await runner.startTransaction();
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = "all";
    const applied = await executor.executePendingMigrations();
    await runner.commitTransaction();
    return applied.length;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
