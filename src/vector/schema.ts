/**
 * Reading vector indexes and vector columns back from the database: which table and column an
 * index covers and with which metric (from its `CREATE INDEX … libsql_vector_idx(…)` text), and a
 * column's element type and dimension count (from its declared type).
 */
import type { EntityManager } from "typeorm";
import { LibSqlError } from "../native";
import { parseDeclaredVectorType, type VectorElementKind } from "./columnTypes";
import { quoteIdentifier } from "./identifiers";

/** The distance metrics libSQL's vector indexes support. */
export type VectorMetric = "cosine" | "l2";

export interface VectorIndexInfo {
  name: string;
  table: string;
  column: string;
  metric: VectorMetric;
  /** The index's settings as written, e.g. `["metric=l2"]`. */
  settings: string[];
}

export interface VectorColumnInfo {
  kind: VectorElementKind;
  dimensions: number | undefined;
}

const DEFINITION =
  /libsql_vector_idx\s*\(\s*("(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s,()'"]+)\s*((?:,\s*'(?:[^']|'')*'\s*)*)\)/i;

function unquote(identifier: string): string {
  const first = identifier[0];
  if (first === '"') return identifier.slice(1, -1).replace(/""/g, '"');
  if (first === "`") return identifier.slice(1, -1).replace(/``/g, "`");
  if (first === "[") return identifier.slice(1, -1);
  return identifier;
}

/** Parses the column and metric out of a vector index's CREATE INDEX statement. */
export function parseVectorIndexSql(
  sql: string,
): { column: string; metric: VectorMetric; settings: string[] } | undefined {
  const match = DEFINITION.exec(sql);
  if (!match) return undefined;
  const settings = [...(match[2] ?? "").matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
  const metricSetting = settings.find((setting) => /^metric=/i.test(setting));
  const metric = metricSetting && metricSetting.slice(7).toLowerCase() === "l2" ? "l2" : "cosine";
  return { column: unquote(match[1]), metric, settings };
}

/** The CREATE INDEX statement for a vector index. */
export function createVectorIndexSql(name: string, table: string, column: string, settings: readonly string[]): string {
  const args = [quoteIdentifier(column), ...settings.map((setting) => `'${setting.replace(/'/g, "''")}'`)].join(", ");
  return `CREATE INDEX ${quoteIdentifier(name)} ON ${quoteIdentifier(table)} (libsql_vector_idx(${args}))`;
}

/** Every vector index in the database, by name. */
export async function readVectorIndexes(
  query: (sql: string) => Promise<unknown>,
): Promise<Map<string, VectorIndexInfo>> {
  const rows = (await query(
    `SELECT "name", "tbl_name", "sql" FROM "sqlite_master" WHERE "type" = 'index' AND "sql" LIKE '%libsql_vector_idx%'`,
  )) as Array<{ name: string; tbl_name: string; sql: string | null }>;
  const found = new Map<string, VectorIndexInfo>();
  for (const row of rows) {
    const parsed = row.sql ? parseVectorIndexSql(row.sql) : undefined;
    if (parsed) found.set(row.name, { name: row.name, table: row.tbl_name, ...parsed });
  }
  return found;
}

/** The vector index called `name` (exact spelling, as vector_top_k needs), or undefined. */
export async function readVectorIndex(manager: EntityManager, name: string): Promise<VectorIndexInfo | undefined> {
  const rows = (await manager.query(
    `SELECT "name", "tbl_name", "sql" FROM "sqlite_master" WHERE "type" = 'index' AND "name" = ?`,
    [name],
  )) as Array<{ name: string; tbl_name: string; sql: string | null }>;
  const row = rows[0];
  if (!row?.sql) return undefined;
  const parsed = parseVectorIndexSql(row.sql);
  return parsed ? { name: row.name, table: row.tbl_name, ...parsed } : undefined;
}

/** Whether an index of any kind is called `name` (SQLite compares index names case-insensitively). */
export async function indexExists(manager: EntityManager, name: string): Promise<string | undefined> {
  const rows = (await manager.query(
    `SELECT "name" FROM "sqlite_master" WHERE "type" = 'index' AND "name" = ? COLLATE NOCASE`,
    [name],
  )) as Array<{ name: string }>;
  return rows[0]?.name;
}

/** A vector column's element type and dimension count; a clear error for anything else. */
export async function readVectorColumn(
  manager: EntityManager,
  table: string,
  column: string,
): Promise<VectorColumnInfo> {
  const rows = (await manager.query(`SELECT "name", "type" FROM pragma_table_info(?)`, [table])) as Array<{
    name: string;
    type: string;
  }>;
  if (rows.length === 0) {
    throw new LibSqlError("LIBSQL_INVALID_ARGUMENT", `typeorm-libsql: no table ${JSON.stringify(table)}`);
  }
  const found =
    rows.find((row) => row.name === column) ?? rows.find((row) => row.name.toLowerCase() === column.toLowerCase());
  if (!found) {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `typeorm-libsql: table ${JSON.stringify(table)} has no column ${JSON.stringify(column)}`,
    );
  }
  const parsed = parseDeclaredVectorType(found.type);
  if (!parsed || parsed.dimensions === undefined) {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `typeorm-libsql: column ${JSON.stringify(table)}.${JSON.stringify(found.name)} is declared ${JSON.stringify(found.type)}; ` +
        "vector indexes need F32_BLOB(n) or F64_BLOB(n)",
    );
  }
  return parsed;
}
