/**
 * The libSQL vector column types the driver understands: their canonical spellings, which of
 * them it can encode, and how to recognise them however a user spells them in `@Column`.
 */
import { LibSqlError } from "../native";

/** The vector column types values are converted for: 32-bit and 64-bit floats. */
export type VectorColumnType = "F32_BLOB" | "F64_BLOB";

/** The element type of a vector column, as the driver encodes it. */
export type VectorElementKind = "f32" | "f64";

/** Lower-case names, as TypeORM reports declared types read back from `PRAGMA table_xinfo`. */
export const VECTOR_COLUMN_TYPES: readonly string[] = ["f32_blob", "f64_blob"];

/** libSQL types the engine knows but whose byte layouts this driver does not encode. */
const UNSUPPORTED = /^(f16|fb16|f8|f1bit)_blob$/i;

/** The element kind of a vector column type (any case), or undefined for other types. */
export function vectorKindOf(type: unknown): VectorElementKind | undefined {
  if (typeof type !== "string") return undefined;
  const lower = type.toLowerCase();
  if (lower === "f32_blob") return "f32";
  if (lower === "f64_blob") return "f64";
  return undefined;
}

/**
 * The normalised (lower-case) type name for a vector column, undefined for other types. Refuses
 * the vector types libSQL has but the driver cannot encode, and vector columns without a length.
 */
export function normaliseVectorType(column: { type?: unknown; length?: number | string }): string | undefined {
  if (typeof column.type !== "string") return undefined;
  if (UNSUPPORTED.test(column.type)) {
    throw new LibSqlError(
      "LIBSQL_UNSUPPORTED",
      `typeorm-libsql: vector column type ${column.type.toUpperCase()} is not supported by the driver; use F32_BLOB or F64_BLOB`,
    );
  }
  const kind = vectorKindOf(column.type);
  if (!kind) return undefined;
  if (dimensionsOf(column.length) === undefined) {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `typeorm-libsql: a ${column.type.toUpperCase()} column needs its dimension count as a positive integer length, got ${column.length === undefined || column.length === "" ? "none" : String(column.length)}`,
    );
  }
  return column.type.toLowerCase();
}

/** The dimension count declared by a column's length, or undefined when it is not a positive integer. */
export function dimensionsOf(length: number | string | undefined): number | undefined {
  const value = typeof length === "string" ? (/^\d+$/.test(length) ? Number(length) : NaN) : length;
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The DDL spelling of a vector column: `F32_BLOB(3)`. */
export function vectorFullType(type: string, length: number | string | undefined): string {
  const dimensions = dimensionsOf(length);
  return dimensions === undefined ? type.toUpperCase() : `${type.toUpperCase()}(${dimensions})`;
}

/** Parses a declared type such as `F32_BLOB(3)` (any case) into its kind and dimension count. */
export function parseDeclaredVectorType(
  declared: string,
): { kind: VectorElementKind; dimensions: number | undefined } | undefined {
  const match = /^\s*(f32_blob|f64_blob)\s*(?:\(\s*(\d+)\s*\))?\s*$/i.exec(declared);
  if (!match) return undefined;
  const kind = vectorKindOf(match[1]);
  return kind ? { kind, dimensions: dimensionsOf(match[2]) } : undefined;
}
