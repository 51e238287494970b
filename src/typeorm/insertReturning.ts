/**
 * Reach: a wrapper around `InsertQueryBuilder.prototype.createInsertExpression` (a protected method).
 *
 * Why: TypeORM's InsertQueryBuilder computes the RETURNING column list for every driver but writes
 * the clause only for PostgreSQL, MySQL/MariaDB and Oracle (UPDATE and DELETE write it for every
 * driver that reports support). The wrapper appends `RETURNING …` for data sources whose driver is a
 * `LibSqlDriver` and changes nothing for any other. It is installed once per copy of TypeORM; if the
 * two methods it needs are missing, it installs nothing and the driver reports INSERT … RETURNING
 * as unsupported, so TypeORM falls back to re-selecting generated values.
 *
 * Verified by: crud.test.ts "is a TypeORM DataSource that TypeORM treats as SQLite" (the install
 * succeeded) and "returns rows from INSERT, UPDATE and DELETE … RETURNING"; bulk.test.ts "inserts
 * 10,000 rows in one insert() and returns every generated value" (without RETURNING, TypeORM's
 * re-select of that many rows fails).
 */
import { InsertQueryBuilder } from "typeorm";
import { isLibSqlDriver } from "../driver/driverMark";

const PATCHED = Symbol.for("typeorm-libsql.insert-returning");

interface PatchableInsertBuilder {
  createInsertExpression(): string;
  createReturningExpression(type: "insert"): string;
  dataSource?: { driver?: object };
  connection?: { driver?: object };
}

type PatchableProto = PatchableInsertBuilder & { [PATCHED]?: boolean };

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
