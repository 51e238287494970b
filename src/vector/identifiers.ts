/**
 * Validating and quoting the identifiers the vector helpers put into SQL. Names are always
 * quoted; index names are held to what libSQL's vector indexes accept (it builds its shadow
 * table names from them unquoted, so `"my idx"` or `"my-idx"` fail with "unable to initialize
 * diskann").
 */
import { LibSqlError } from "../native";

const SIMPLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function refuse(what: string, name: unknown, rule: string): never {
  throw new LibSqlError(
    "LIBSQL_INVALID_IDENTIFIER",
    `typeorm-libsql: invalid ${what} ${JSON.stringify(name) ?? String(name)}: ${rule}`,
  );
}

/** A double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table or column name: any non-empty string without NUL characters. */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("\0")) {
    refuse(what, name, "expected a non-empty string without NUL characters");
  }
  return name;
}

/** A vector index name: letters, digits and underscores, not starting with a digit. */
export function checkIndexName(name: unknown): string {
  if (typeof name !== "string" || !SIMPLE.test(name)) {
    refuse("vector index name", name, "libSQL vector indexes need letters, digits and underscores only");
  }
  return name;
}

/** A query-builder column reference (`alias.property` or `property`), left for TypeORM to map. */
export function checkColumnReference(reference: unknown): string {
  if (typeof reference !== "string" || !reference.split(".").every((part) => SIMPLE.test(part))) {
    refuse("column reference", reference, 'expected "alias.property" with letters, digits and underscores');
  }
  return reference;
}

/** A query-builder parameter name. */
export function checkParameterName(name: unknown): string {
  if (typeof name !== "string" || !SIMPLE.test(name)) {
    refuse("parameter name", name, "expected letters, digits and underscores");
  }
  return name;
}
