/**
 * Result shapes: the functions the native addon calls to build result objects and rows (see
 * native/src/node/convert/shapes.rs). Setting properties one by one through Node-API costs a trip
 * through V8's generic property code for every column of every row; a function compiled for the
 * result's columns builds each row with one object literal instead. The addon asks for the
 * functions of a shape once, with its column names and declared types, and keeps them.
 */

type Append = (rows: unknown[], ...values: unknown[]) => void;
type MakeResult = (
  rows: unknown[],
  rowsAffected: number,
  lastInsertRowid: number | bigint | string | null,
  more: number | undefined,
) => unknown;

/** A property name in an object literal: quoted, and computed for `__proto__` (which a literal would otherwise take as the prototype). */
function property(name: string): string {
  return name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

/**
 * The functions of one shape: append a row as an object, append a row as an array, and make the
 * result object (with copies of the column names and types, so that results never share arrays).
 */
export function makeShape(columns: string[], columnTypes: (string | null)[]): [Append, Append, MakeResult] {
  const values = columns.map((_, i) => `v${i}`);
  const params = ["rows", ...values];
  // A later column of the same name wins, as when properties are set one by one.
  const fields = columns.map((name, i) => `${property(name)}: v${i}`);
  // Generated code, from column names only, each written as a JSON string literal.
  const objectRow = new Function(...params, `rows.push({ ${fields.join(", ")} });`) as Append;
  const arrayRow = new Function(...params, `rows.push([${values.join(", ")}]);`) as Append;
  const names = columns.slice();
  const types = columnTypes.slice();
  const result: MakeResult = (rows, rowsAffected, lastInsertRowid, more) =>
    more === undefined
      ? { columns: names.slice(), columnTypes: types.slice(), rows, rowsAffected, lastInsertRowid }
      : { columns: names.slice(), columnTypes: types.slice(), rows, rowsAffected, lastInsertRowid, more };
  return [objectRow, arrayRow, result];
}
