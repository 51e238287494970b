/**
 * The mark every `LibSqlDriver` carries, so that code meeting a TypeORM driver (the INSERT …
 * RETURNING wrapper, the vector helpers) can tell ours apart. It is a registered symbol, so two
 * copies of this package in one process recognise each other's drivers.
 */
export const LIBSQL_DRIVER_MARK = Symbol.for("typeorm-libsql.driver");

/** Marks a driver as a libSQL driver (once, in its constructor). */
export function markLibSqlDriver(driver: object): void {
  Object.defineProperty(driver, LIBSQL_DRIVER_MARK, { value: true });
}

export function isLibSqlDriver(driver: unknown): boolean {
  return typeof driver === "object" && driver !== null && LIBSQL_DRIVER_MARK in driver;
}
