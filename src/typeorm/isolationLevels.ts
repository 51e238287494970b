/**
 * Reach: the driver's `supportedIsolationLevels` field (TypeORM 1.x; 0.3.x has no such field).
 *
 * Why: TypeORM 1.x checks the `isolationLevel` option against this list in `initialize()`, and a
 * transaction's level in `AbstractSqliteQueryRunner.startTransaction`, which ours replaces. The
 * SQLite list includes READ UNCOMMITTED (a shared-cache setting that does not apply here); libSQL
 * transactions are always SERIALIZABLE, so the driver declares only that and refuses the others
 * rather than fake them. On 0.3.x the field is inert and the query runner refuses instead.
 *
 * Verified by: typeorm-seam.test.ts "declares SERIALIZABLE as the only isolation level, so others
 * fail before any work"; transactions.test.ts "accepts SERIALIZABLE and refuses other isolation
 * levels clearly".
 */
import type { Driver } from "typeorm";

type IsolationLevel = Driver["supportedIsolationLevels"][number];

/** Sets the isolation levels a driver declares to TypeORM. */
export function declareIsolationLevels(driver: Driver, levels: readonly IsolationLevel[]): void {
  Object.assign(driver, { supportedIsolationLevels: [...levels] });
}
