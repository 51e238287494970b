/**
 * Bridges TypeORM 0.3.x and 1.x: drivers and query runners hold their data source as
 * `connection` in 0.3.x and as `dataSource` in 1.x (where `connection` is a deprecated getter).
 * `bindDataSource` makes both names answer on either version.
 */
import type { DataSource } from "typeorm";

export function bindDataSource(target: object, dataSource: DataSource): void {
  for (const key of ["dataSource", "connection"] as const) {
    if ((target as Record<string, unknown>)[key] === dataSource) continue;
    Object.defineProperty(target, key, { value: dataSource, writable: true, configurable: true, enumerable: false });
  }
}

/** The data source a driver or query runner belongs to, on either TypeORM major. */
export function dataSourceOf(target: object): DataSource {
  const holder = target as { dataSource?: DataSource; connection?: DataSource };
  const dataSource = holder.dataSource ?? holder.connection;
  if (!dataSource) throw new Error("typeorm-libsql: no data source is bound to this object");
  return dataSource;
}
