/**
 * `@VectorColumn({ dimensions: 3 })`: a typed shorthand for `@Column({ type: "F32_BLOB", length: 3 })`.
 * TypeORM's `ColumnType` union has no vector types, so the plain `@Column` spelling needs a cast
 * in TypeScript; this decorator does not.
 */
import { Column, type ColumnOptions, type ColumnType } from "typeorm";
import { LibSqlError } from "../native";
import type { VectorColumnType } from "./columnTypes";

export interface VectorColumnOptions extends Omit<
  ColumnOptions,
  "type" | "length" | "precision" | "scale" | "array" | "enum" | "enumName"
> {
  /** The number of dimensions every stored vector has. */
  dimensions: number;
  /** The element type: `"F32_BLOB"` (32-bit floats, the default) or `"F64_BLOB"`. */
  type?: VectorColumnType;
}

export function VectorColumn(options: VectorColumnOptions): PropertyDecorator {
  const { dimensions, type = "F32_BLOB", ...rest } = options;
  if (!Number.isSafeInteger(dimensions) || dimensions <= 0) {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `typeorm-libsql: @VectorColumn needs "dimensions" as a positive integer, got ${String(dimensions)}`,
    );
  }
  if (type !== "F32_BLOB" && type !== "F64_BLOB") {
    throw new LibSqlError(
      "LIBSQL_UNSUPPORTED",
      `typeorm-libsql: @VectorColumn supports the types F32_BLOB and F64_BLOB, got ${String(type)}`,
    );
  }
  return Column({ ...rest, type: type as unknown as ColumnType, length: dimensions });
}
