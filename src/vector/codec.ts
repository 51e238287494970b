/**
 * Converting vectors between JavaScript and the bytes libSQL stores. F32_BLOB values are the
 * raw little-endian float32s (what `vector32()` produces, no trailing byte); F64_BLOB values are
 * little-endian float64s followed by one type byte, 2 (what `vector64()` produces: without it,
 * libSQL would read the bytes as float32s).
 */
import { LibSqlError } from "../native";
import type { VectorElementKind } from "./columnTypes";

/** What a vector may be given as. */
export type VectorInput = readonly number[] | Float32Array | Float64Array;

/** The trailing type byte libSQL appends to F64_BLOB values. */
const F64_TYPE_BYTE = 2;

const BYTES: Record<VectorElementKind, number> = { f32: 4, f64: 8 };

function invalid(message: string): LibSqlError {
  return new LibSqlError("LIBSQL_INVALID_PARAM", `typeorm-libsql: ${message}`);
}

/**
 * Encodes a vector for binding. `dimensions`, when given, must match; `label` names the column or
 * argument in error messages. NaN, ±Infinity and values a float32 cannot hold are refused.
 */
export function encodeVector(
  value: unknown,
  kind: VectorElementKind,
  dimensions: number | undefined,
  label: string,
): Buffer {
  const isVector = Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
  if (!isVector) {
    const what = value === null ? "null" : ArrayBuffer.isView(value) ? value.constructor.name : typeof value;
    throw invalid(`${label} expects a vector (number[], Float32Array or Float64Array), got ${what}`);
  }
  const items = value as ArrayLike<unknown>;
  if (items.length === 0) throw invalid(`${label} expects a non-empty vector`);
  if (dimensions !== undefined && items.length !== dimensions) {
    throw invalid(`${label} expects a vector of ${dimensions} dimensions, got ${items.length}`);
  }
  const size = BYTES[kind];
  const buffer = Buffer.alloc(items.length * size + (kind === "f64" ? 1 : 0));
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    if (typeof item !== "number" || !Number.isFinite(item)) {
      throw invalid(`${label} expects finite numbers, got ${String(item)} at position ${i}`);
    }
    if (kind === "f32") {
      buffer.writeFloatLE(item, i * size);
      if (!Number.isFinite(buffer.readFloatLE(i * size))) {
        throw invalid(`${label}: ${item} at position ${i} is out of range for a 32-bit float`);
      }
    } else {
      buffer.writeDoubleLE(item, i * size);
    }
  }
  if (kind === "f64") buffer[buffer.length - 1] = F64_TYPE_BYTE;
  return buffer;
}

/**
 * Decodes a stored vector into numbers. Anything that is not a well-formed vector of the column's
 * type and dimension count is an error rather than a guess.
 */
export function decodeVector(
  value: unknown,
  kind: VectorElementKind,
  dimensions: number | undefined,
  label: string,
): number[] {
  if (!(value instanceof Uint8Array)) {
    throw new LibSqlError(
      "LIBSQL_INVALID_VECTOR",
      `typeorm-libsql: ${label} holds a ${typeof value}, not a ${kind === "f32" ? "F32_BLOB" : "F64_BLOB"} vector`,
    );
  }
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const size = BYTES[kind];
  const payload = kind === "f64" ? bytes.length - 1 : bytes.length;
  const wellFormed =
    payload > 0 && payload % size === 0 && (kind === "f32" || bytes[bytes.length - 1] === F64_TYPE_BYTE);
  const count = Math.floor(payload / size);
  if (!wellFormed || (dimensions !== undefined && count !== dimensions)) {
    throw new LibSqlError(
      "LIBSQL_INVALID_VECTOR",
      `typeorm-libsql: ${label} holds ${bytes.length} bytes, which is not a ${kind === "f32" ? "F32_BLOB" : "F64_BLOB"} vector` +
        (dimensions === undefined ? "" : ` of ${dimensions} dimensions`),
    );
  }
  const result = new Array<number>(count);
  for (let i = 0; i < count; i += 1) {
    result[i] = kind === "f32" ? bytes.readFloatLE(i * size) : bytes.readDoubleLE(i * size);
  }
  return result;
}
