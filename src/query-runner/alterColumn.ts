/**
 * libSQL's `ALTER TABLE t ALTER COLUMN c TO c <definition>` in place of TypeORM's table rebuild,
 * where the result is provably the same. A rebuild copies every row into a table whose only
 * difference is the new column definition; when that definition keeps the column's type affinity
 * and changes nothing but its declared type, its default or its NOT NULL, the copied values are
 * the very values already stored (the same affinity converts them the same way), so rewriting the
 * definition in the schema gives the same table: same rows, same root page, indexes untouched.
 * Keys, uniqueness, checks (an enum), generated columns, collation, renames, vector columns, an
 * old definition with a comma in it (libSQL cannot parse it there) and any other change of the
 * table keep the rebuild.
 *
 * libSQL rewrites the definition without looking at the rows, so adding NOT NULL is preceded by a
 * check, on the same connection and in the same transaction, that no row holds NULL there; a NULL
 * refuses the statement with `SQLITE_CONSTRAINT_NOTNULL`, as the rebuild's copy would fail. The
 * check also guards the same statement in a generated migration's SQL.
 */
import type { Table, TableColumn } from "typeorm";
import { LibSqlError } from "../native";

/** SQLite's type affinity of a declared column type (section 3.1 of its datatype page). */
export function affinity(declaredType: string): "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC" {
  const type = declaredType.toUpperCase();
  if (type.includes("INT")) return "INTEGER";
  if (/CHAR|CLOB|TEXT/.test(type)) return "TEXT";
  if (type.includes("BLOB") || type.trim() === "") return "BLOB";
  if (/REAL|FLOA|DOUB/.test(type)) return "REAL";
  return "NUMERIC";
}

/** The SQL TypeORM's SQLite runner writes for a table, a column and an index. */
export interface SchemaSql {
  table(table: Table): string;
  column(column: TableColumn): string;
  indexes(table: Table): string[];
  fullType(column: TableColumn): string;
}

/** One column whose definition changes in place. */
export interface ColumnAlteration {
  from: TableColumn;
  to: TableColumn;
}

/** The attributes an in-place change may touch; anything else keeps the rebuild. */
const ALTERABLE = ["type", "length", "precision", "scale", "width", "zerofill", "unsigned", "default", "isNullable"];

const VECTOR_TYPE = /^F(32|64)_BLOB/i;

/** Whether `from` can become `to` in place (see the module note). */
function alterableColumn(from: TableColumn, to: TableColumn, sql: SchemaSql): boolean {
  // libSQL (0.9) finds the end of the old definition at its first comma, even one inside a string
  // (a DEFAULT '{"a": 1, "b": 2}'), and refuses the statement: such a column keeps the rebuild.
  if (sql.column(from).includes(",")) return false;
  if (from.name !== to.name || from.isPrimary || to.isPrimary || from.isUnique !== to.isUnique) return false;
  const fromType = sql.fullType(from);
  const toType = sql.fullType(to);
  if (VECTOR_TYPE.test(fromType) || VECTOR_TYPE.test(toType) || affinity(fromType) !== affinity(toType)) return false;
  // `to` with the alterable attributes of `from` must be `from`: then nothing else differs.
  const rest = to.clone();
  for (const key of ALTERABLE)
    (rest as unknown as Record<string, unknown>)[key] = (from as unknown as Record<string, unknown>)[key];
  return sql.column(rest) === sql.column(from);
}

/**
 * The columns that change when `oldTable` becomes `newTable`, if every change can be made in place
 * and nothing else about the table changes (none: TypeORM asked to rebuild a table into itself,
 * as its schema builder does when a column's NOT NULL changes); undefined when the table needs a
 * rebuild.
 */
export function planColumnAlterations(
  oldTable: Table,
  newTable: Table,
  sql: SchemaSql,
): ColumnAlteration[] | undefined {
  if (oldTable.name !== newTable.name || oldTable.columns.length !== newTable.columns.length) return undefined;
  const alterations: ColumnAlteration[] = [];
  for (let i = 0; i < oldTable.columns.length; i += 1) {
    const from = oldTable.columns[i];
    const to = newTable.columns[i];
    if (sql.column(from) === sql.column(to) && from.name === to.name) continue;
    if (!alterableColumn(from, to, sql)) return undefined;
    alterations.push({ from, to });
  }
  // The old table with the new column definitions must be the new table, indexes included.
  const altered = oldTable.clone();
  altered.columns = altered.columns.map((column) => alterations.find((a) => a.from.name === column.name)?.to ?? column);
  if (sql.table(altered) !== sql.table(newTable)) return undefined;
  const same = (a: string[], b: string[]) =>
    a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  return same(sql.indexes(oldTable), sql.indexes(newTable)) ? alterations : undefined;
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|\[[^\]]+\]|[\w$]+)`;
const ALTER_COLUMN = new RegExp(
  String.raw`^\s*ALTER\s+TABLE\s+(${NAME}(?:\s*\.\s*${NAME})?)\s+ALTER\s+COLUMN\s+(${NAME})\s+TO\s+([\s\S]*)$`,
  "i",
);

/** `name` without its quotes. */
function unquote(name: string): string {
  const first = name[0];
  if (first === '"' || first === "`")
    return name
      .slice(1, -1)
      .split(first + first)
      .join(first);
  if (first === "[") return name.slice(1, -1);
  return name;
}

/** The table and column of an `ALTER COLUMN` statement whose new definition is NOT NULL, if it is one. */
export function addsNotNull(sql: string): { table: string; schema?: string; column: string } | undefined {
  const match = ALTER_COLUMN.exec(sql);
  if (!match) return undefined;
  // String literals (a DEFAULT 'NOT NULL') do not count.
  const definition = match[3].replace(/'(?:[^']|'')*'/g, "''");
  if (!/\bNOT\s+NULL\b/i.test(definition)) return undefined;
  const parts = match[1].split(new RegExp(String.raw`\s*\.\s*(?=${NAME}$)`));
  const column = unquote(match[2]);
  return parts.length === 2
    ? { schema: unquote(parts[0]), table: unquote(parts[1]), column }
    : { table: unquote(parts[0]), column };
}

/**
 * Before an `ALTER COLUMN … NOT NULL`: refuses it (`SQLITE_CONSTRAINT_NOTNULL`) if a row holds
 * NULL in that column. `run` runs a statement on the connection (and in the transaction) that
 * will run the ALTER.
 */
export async function checkNoNulls(
  run: (sql: string) => Promise<Record<string, unknown>[]>,
  target: { table: string; schema?: string; column: string },
): Promise<void> {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const table = target.schema === undefined ? quote(target.table) : `${quote(target.schema)}.${quote(target.table)}`;
  const rows = await run(`SELECT EXISTS (SELECT 1 FROM ${table} WHERE ${quote(target.column)} IS NULL) AS "held"`);
  if (Number(rows[0]?.held) !== 1) return;
  throw new LibSqlError(
    "SQLITE_CONSTRAINT_NOTNULL",
    `NOT NULL constraint failed: ${target.table}.${target.column} (rows hold NULL there, so the column cannot ` +
      `become NOT NULL; nothing was changed)`,
    1299,
  );
}

/** `ALTER TABLE <table> ALTER COLUMN "c" TO <definition>`. */
export function alterColumnSql(escapedTable: string, column: TableColumn, definition: string): string {
  return `ALTER TABLE ${escapedTable} ALTER COLUMN "${column.name}" TO ${definition}`;
}
