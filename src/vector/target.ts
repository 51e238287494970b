/**
 * What the vector helpers run against: a data source, an entity manager (for example the one a
 * transaction hands you) or a query runner (as in a migration). Each becomes an entity manager
 * bound to the right connection, after checking that the data source runs on this driver.
 */
import {
  InstanceChecker,
  type DataSource,
  type EntityManager,
  type EntityMetadata,
  type EntityTarget,
  type ObjectLiteral,
  type QueryRunner,
} from "typeorm";
import { LibSqlError } from "../native";
import { dataSourceOf } from "../typeorm";
import { LIBSQL_DRIVER_MARK } from "../driver/driverMark";
import { checkName } from "./identifiers";

/** Anything the vector helpers accept to run their SQL through. */
export type VectorTarget = DataSource | EntityManager | QueryRunner;

export interface ResolvedTarget {
  dataSource: DataSource;
  manager: EntityManager;
}

function isQueryRunner(target: VectorTarget): target is QueryRunner {
  return typeof (target as QueryRunner).release === "function" && "manager" in target;
}

export function resolveTarget(target: VectorTarget): ResolvedTarget {
  let dataSource: DataSource;
  let manager: EntityManager;
  if (InstanceChecker.isDataSource(target)) {
    dataSource = target;
    manager = target.manager;
  } else if (isQueryRunner(target)) {
    manager = target.manager;
    dataSource = dataSourceOf(manager);
  } else {
    manager = target;
    dataSource = dataSourceOf(manager);
  }
  const driver = dataSource.driver as unknown as Record<PropertyKey, unknown>;
  if (driver[LIBSQL_DRIVER_MARK] !== true) {
    throw new LibSqlError(
      "LIBSQL_UNSUPPORTED",
      "typeorm-libsql: vector helpers need a LibSqlDataSource (libSQL's vector functions exist only there)",
    );
  }
  return { dataSource, manager };
}

/** The entity metadata for a target, when it names an entity the data source knows. */
export function metadataFor(dataSource: DataSource, target: EntityTarget<ObjectLiteral>): EntityMetadata | undefined {
  return dataSource.hasMetadata(target) ? dataSource.getMetadata(target) : undefined;
}

/** A table name from an entity (class, schema or entity name) or a plain table name. */
export function resolveTable(
  dataSource: DataSource,
  table: EntityTarget<ObjectLiteral>,
): { tableName: string; metadata?: EntityMetadata } {
  const metadata = metadataFor(dataSource, table);
  if (metadata) return { tableName: metadata.tableName, metadata };
  if (typeof table !== "string") {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      "typeorm-libsql: the entity given is not part of this data source",
    );
  }
  return { tableName: checkName("table name", table) };
}

/** A column's database name from a property path (with metadata) or the column name itself. */
export function resolveColumn(metadata: EntityMetadata | undefined, column: string): string {
  checkName("column name", column);
  if (!metadata) return column;
  const found = metadata.findColumnWithPropertyPath(column) ?? metadata.findColumnWithDatabaseName(column);
  if (!found) {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `typeorm-libsql: entity ${metadata.name} has no column ${JSON.stringify(column)}`,
    );
  }
  return found.databaseName;
}
