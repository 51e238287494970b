/**
 * Reach: the name under which drivers, query runners and entity managers hold their data source.
 *
 * Why: TypeORM 0.3.x calls it `connection`; 1.x calls it `dataSource` (with `connection` left as a
 * deprecated getter). Our driver and query runner are built outside TypeORM's own factories, so
 * `bindDataSource` sets both names on them, and `dataSourceOf` reads whichever one is there (also
 * on TypeORM's own entity managers, for the vector helpers).
 *
 * Verified by: every functional test, since TypeORM's base classes read the data source under their
 * own name on each query; `.ci/run` runs the JavaScript suite on TypeORM 1.x and again on 0.3.x.
 */
import type { DataSource } from "typeorm";

export function bindDataSource(target: object, dataSource: DataSource): void {
  for (const key of ["dataSource", "connection"] as const) {
    if ((target as Record<string, unknown>)[key] === dataSource) continue;
    Object.defineProperty(target, key, { value: dataSource, writable: true, configurable: true, enumerable: false });
  }
}

/** The data source a driver, query runner or entity manager belongs to, on either TypeORM major. */
export function dataSourceOf(target: object): DataSource {
  const holder = target as { dataSource?: DataSource; connection?: DataSource };
  const dataSource = holder.dataSource ?? holder.connection;
  if (!dataSource) throw new Error("typeorm-libsql: no data source is bound to this object");
  return dataSource;
}
