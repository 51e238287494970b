/**
 * Reach: the driver's `supportedIsolationLevels` field (TypeORM 1.x; 0.3.x has no such field).
 *
 * Why: TypeORM 1.x checks the `isolationLevel` option against this list in `initialize()`, and a
 * transaction's level in `AbstractSqliteQueryRunner.startTransaction`, which ours replaces. The
 * driver declares the list its query runner accepts (src/driver/isolationLevels.ts), so both
 * checks agree; on 0.3.x the field is inert and the driver and query runner check instead.
 *
 * Verified by: typeorm-seam.test.ts "declares the SQLite isolation levels, so TypeORM refuses
 * others before any work"; transactions.test.ts "accepts READ UNCOMMITTED and SERIALIZABLE …".
 */
import type { Driver } from "typeorm";

type IsolationLevel = Driver["supportedIsolationLevels"][number];

/** Sets the isolation levels a driver declares to TypeORM. */
export function declareIsolationLevels(driver: Driver, levels: readonly IsolationLevel[]): void {
  Object.assign(driver, { supportedIsolationLevels: [...levels] });
}
