/**
 * Adds `RETURNING` to INSERT statements of libSQL data sources. TypeORM's InsertQueryBuilder
 * computes the returning column list for every driver but writes the clause only for PostgreSQL,
 * MySQL/MariaDB and Oracle (UPDATE and DELETE write it for every driver that reports support).
 * This wraps `createInsertExpression` once per TypeORM copy; the wrapper changes nothing for data
 * sources whose driver is not a `LibSqlDriver`.
 */
import { InsertQueryBuilder } from "typeorm";

const PATCHED = Symbol.for("typeorm-libsql.insert-returning");
/** Set on every LibSqlDriver instance, so copies of this package recognise each other's drivers. */
export const LIBSQL_DRIVER_MARK = Symbol.for("typeorm-libsql.driver");

interface PatchableInsertBuilder {
  createInsertExpression(): string;
  createReturningExpression(type: "insert"): string;
  dataSource?: { driver?: object };
  connection?: { driver?: object };
}

type PatchableProto = PatchableInsertBuilder & { [PATCHED]?: boolean };

export function isLibSqlDriver(driver: unknown): boolean {
  return typeof driver === "object" && driver !== null && LIBSQL_DRIVER_MARK in driver;
}

/** Installs the wrapper; returns false if this TypeORM version has no place to hook. */
export function installInsertReturning(): boolean {
  const proto = InsertQueryBuilder.prototype as unknown as PatchableProto;
  if (proto[PATCHED]) return true;
  const original = proto.createInsertExpression;
  if (typeof original !== "function" || typeof proto.createReturningExpression !== "function") return false;
  proto.createInsertExpression = function (this: PatchableInsertBuilder): string {
    const sql = original.call(this);
    const driver = (this.dataSource ?? this.connection)?.driver;
    if (!isLibSqlDriver(driver)) return sql;
    const returning = this.createReturningExpression("insert");
    if (!returning || / RETURNING /i.test(sql.slice(Math.max(0, sql.length - returning.length - 12)))) return sql;
    return `${sql} RETURNING ${returning}`;
  };
  Object.defineProperty(proto, PATCHED, { value: true });
  return true;
}
