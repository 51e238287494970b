/**
 * Readers for single option values: each checks one value's type and range, returns it typed,
 * and otherwise throws a `LibSqlOptionsError` naming the option. Units are the caller's: a
 * reader never converts.
 */
import { LibSqlOptionsError } from "./errors";

/** The native core takes 32-bit unsigned counts and durations. */
export const U32_MAX = 4_294_967_295;

/** A short, secret-free description of a rejected value. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return "a function";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}

/** An optional integer from `min` to `max`. */
export function integerOption(key: string, value: unknown, min: number, max = U32_MAX): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new LibSqlOptionsError(key, `expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** An optional non-empty string; a secret's value is never shown. */
export function stringOption(key: string, value: unknown, secret = false): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new LibSqlOptionsError(key, `expected a non-empty string${secret ? "" : `, got ${describeValue(value)}`}`);
  }
  return value;
}

export function booleanOption(key: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new LibSqlOptionsError(key, `expected a boolean, got ${describeValue(value)}`);
  return value;
}

/** One of a fixed set of strings. */
export function oneOfOption<T extends string>(key: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new LibSqlOptionsError(key, `expected one of ${allowed.join(", ")}, got ${describeValue(value)}`);
  }
  return value as T;
}
