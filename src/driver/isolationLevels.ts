/**
 * Transaction isolation levels. The driver accepts exactly the levels TypeORM's SQLite drivers
 * accept (READ UNCOMMITTED and SERIALIZABLE) and refuses the others as they do, with a
 * `TypeORMError`. Every transaction runs as an SQLite transaction, which is serializable: READ
 * UNCOMMITTED gets the stronger level, as the SQL standard allows (PostgreSQL does the same). It
 * would only differ in SQLite's shared-cache mode, which these connections do not use.
 */
import { TypeORMError } from "typeorm";
import type { IsolationLevel } from "../typeorm";

/** The levels TypeORM's SQLite drivers accept; both run as SERIALIZABLE here. */
export const SQLITE_ISOLATION_LEVELS: readonly IsolationLevel[] = ["READ UNCOMMITTED", "SERIALIZABLE"];

/** Throws TypeORM's error for a level the SQLite drivers refuse; an absent level passes. */
export function checkIsolationLevel(level: IsolationLevel | undefined): void {
  if (!level || SQLITE_ISOLATION_LEVELS.includes(level)) return;
  throw new TypeORMError(
    `${String(level)} isolation level is not supported: SQLite supports ` +
      `${SQLITE_ISOLATION_LEVELS.join(" and ")} (both run as SERIALIZABLE transactions)`,
  );
}
