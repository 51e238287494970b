/**
 * Keeping vector indexes intact through TypeORM's SQLite schema code, which only knows indexes on
 * plain columns. It reads a vector index back with column `null`, so rebuilding a table (any
 * column change under synchronize or a generated migration) would write `CREATE INDEX … ("null")`;
 * and `dropSchema` drops libSQL's shadow tables one by one, which fails once the index that owns
 * them has gone with its table. `LibSqlQueryRunner` calls these two hooks.
 */
import type { Table } from "typeorm";
import { createVectorIndexSql, readVectorIndexes, type VectorIndexInfo } from "./schema";
import { quoteIdentifier } from "./identifiers";

type Query = (sql: string) => Promise<unknown>;

/**
 * After TypeORM has loaded tables: the vector indexes among their indexes (TypeORM saw an
 * expression, so a `null` column), by name, to be recreated faithfully by `vectorIndexSql`.
 */
export async function findVectorIndexes(tables: readonly Table[], query: Query): Promise<Map<string, VectorIndexInfo>> {
  const suspect = tables.some((table) => table.indices.some((index) => index.columnNames.some((name) => !name)));
  if (!suspect) return new Map();
  return readVectorIndexes(query);
}

/** The CREATE INDEX statement for a vector index TypeORM wants to (re)create on `table`, if it is one. */
export function vectorIndexSql(
  known: ReadonlyMap<string, VectorIndexInfo>,
  table: Table,
  index: { name?: string; columnNames: readonly (string | null | undefined)[] },
): string | undefined {
  const info = index.name === undefined ? undefined : known.get(index.name);
  if (!info || index.columnNames.some((name) => name && name !== info.column)) return undefined;
  return createVectorIndexSql(info.name, table.name, info.column, info.settings);
}

/** Drops every vector index (with its shadow table), so that the tables can then be dropped in any order. */
export async function dropAllVectorIndexes(query: Query): Promise<void> {
  for (const name of (await readVectorIndexes(query)).keys()) {
    await query(`DROP INDEX IF EXISTS ${quoteIdentifier(name)}`);
  }
}
