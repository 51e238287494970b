/**
 * What the driver does for vector columns: it teaches TypeORM the F32_BLOB and F64_BLOB types
 * (with their dimension count as the length), writes them as `F32_BLOB(n)` in DDL, and converts
 * values to and from libSQL's bytes. `LibSqlDriver` calls these; all the logic lives here.
 */
import type { ColumnType } from "typeorm";
import { ApplyValueTransformers, type ColumnMetadata } from "../typeorm";
import { dimensionsOf, VECTOR_COLUMN_TYPES, vectorKindOf } from "./columnTypes";
import { decodeVector, encodeVector } from "./codec";

interface TypeLists {
  supportedDataTypes: ColumnType[];
  withLengthColumnTypes: ColumnType[];
}

/** Adds the vector types to a driver's supported types and to the types that take a length. */
export function installVectorColumnTypes(driver: TypeLists): void {
  const extra = VECTOR_COLUMN_TYPES as unknown as ColumnType[];
  driver.supportedDataTypes = [...driver.supportedDataTypes, ...extra];
  driver.withLengthColumnTypes = [...driver.withLengthColumnTypes, ...extra];
}

/** Whether a column (metadata or table column) has a vector type. */
export function isVectorColumn(column: { type?: unknown }): boolean {
  return vectorKindOf(column.type) !== undefined;
}

function label(column: ColumnMetadata): string {
  return `column ${column.entityMetadata?.name ?? "?"}.${column.propertyPath}`;
}

/** The bytes to store for a vector column's value (after the column's transformer). */
export function persistVectorValue(value: unknown, column: ColumnMetadata): unknown {
  if (column.transformer) value = ApplyValueTransformers.transformTo(column.transformer, value);
  if (value === null || value === undefined) return value;
  const kind = vectorKindOf(column.type);
  if (!kind) return value;
  return encodeVector(value, kind, dimensionsOf(column.length), label(column));
}

/** The `number[]` for a stored vector (then the column's transformer). */
export function hydrateVectorValue(value: unknown, column: ColumnMetadata): unknown {
  const kind = vectorKindOf(column.type);
  const decoded =
    value === null || value === undefined || !kind
      ? value
      : decodeVector(value, kind, dimensionsOf(column.length), label(column));
  return column.transformer ? ApplyValueTransformers.transformFrom(column.transformer, decoded) : decoded;
}
