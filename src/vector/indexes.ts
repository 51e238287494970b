/**
 * Creating and dropping libSQL vector indexes (`CREATE INDEX … (libsql_vector_idx(col, …))`),
 * which TypeORM's `@Index` cannot express. libSQL refuses bound parameters in index expressions,
 * so every setting is validated and written as a literal; names are validated and quoted.
 *
 * TypeORM's synchronize drops indexes its entities do not declare: declare the index on the
 * entity with `@Index("name", { synchronize: false })` so that synchronize leaves it alone.
 */
import type { EntityTarget, ObjectLiteral } from "typeorm";
import { LibSqlError } from "../native";
import { checkIndexName, quoteIdentifier } from "./identifiers";
import { createVectorIndexSql, indexExists, readVectorColumn, readVectorIndex, type VectorMetric } from "./schema";
import { resolveColumn, resolveTable, resolveTarget, type VectorTarget } from "./target";

/** How the index stores neighbour vectors (libSQL's `compress_neighbors`). */
export type VectorNeighbourCompression = "float1bit" | "float8" | "float16" | "floatb16" | "float32";

export interface CreateVectorIndexOptions {
  /** The index name: letters, digits and underscores (a libSQL requirement). */
  name: string;
  /** An entity (class, schema or name) or a table name. */
  table: EntityTarget<ObjectLiteral>;
  /** The vector column: a property path of the entity, or a column name. */
  column: string;
  /** Distance metric: `"cosine"` (libSQL's default) or `"l2"`. */
  metric?: VectorMetric;
  /** libSQL's `compress_neighbors` setting. */
  compressNeighbors?: VectorNeighbourCompression;
  /** libSQL's `max_neighbors` setting (a positive integer). */
  maxNeighbors?: number;
  /** libSQL's `alpha` setting (a positive number). */
  alpha?: number;
  /** libSQL's `search_l` setting (a positive integer). */
  searchL?: number;
  /** libSQL's `insert_l` setting (a positive integer). */
  insertL?: number;
  /** Do nothing when an index of that name already exists. */
  ifNotExists?: boolean;
}

export interface DropVectorIndexOptions {
  name: string;
  /** Do nothing when there is no such index. */
  ifExists?: boolean;
}

const COMPRESSIONS: readonly VectorNeighbourCompression[] = ["float1bit", "float8", "float16", "floatb16", "float32"];

function invalid(message: string): LibSqlError {
  return new LibSqlError("LIBSQL_INVALID_ARGUMENT", `typeorm-libsql: ${message}`);
}

function positiveInteger(option: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`vector index option "${option}" must be a positive integer, got ${String(value)}`);
  }
  return String(value);
}

/** The `'key=value'` settings for libsql_vector_idx, validated. */
export function vectorIndexSettings(options: CreateVectorIndexOptions): string[] {
  const settings: string[] = [];
  if (options.metric !== undefined) {
    if (options.metric !== "cosine" && options.metric !== "l2") {
      throw invalid(`vector index option "metric" must be "cosine" or "l2", got ${String(options.metric)}`);
    }
    settings.push(`metric=${options.metric}`);
  }
  if (options.compressNeighbors !== undefined) {
    if (!COMPRESSIONS.includes(options.compressNeighbors)) {
      throw invalid(
        `vector index option "compressNeighbors" must be one of ${COMPRESSIONS.join(", ")}, got ${String(options.compressNeighbors)}`,
      );
    }
    settings.push(`compress_neighbors=${options.compressNeighbors}`);
  }
  const maxNeighbors = positiveInteger("maxNeighbors", options.maxNeighbors);
  if (maxNeighbors) settings.push(`max_neighbors=${maxNeighbors}`);
  if (options.alpha !== undefined) {
    if (typeof options.alpha !== "number" || !Number.isFinite(options.alpha) || options.alpha <= 0) {
      throw invalid(`vector index option "alpha" must be a positive number, got ${String(options.alpha)}`);
    }
    settings.push(`alpha=${options.alpha}`);
  }
  const searchL = positiveInteger("searchL", options.searchL);
  if (searchL) settings.push(`search_l=${searchL}`);
  const insertL = positiveInteger("insertL", options.insertL);
  if (insertL) settings.push(`insert_l=${insertL}`);
  return settings;
}

/**
 * Creates a vector index. Works inside transactions and migrations (pass the query runner);
 * rows already in the table are indexed.
 */
export async function createVectorIndex(target: VectorTarget, options: CreateVectorIndexOptions): Promise<void> {
  const { dataSource, manager } = resolveTarget(target);
  const name = checkIndexName(options.name);
  const { tableName, metadata } = resolveTable(dataSource, options.table);
  const column = resolveColumn(metadata, options.column);
  const settings = vectorIndexSettings(options);
  const existing = await indexExists(manager, name);
  if (existing !== undefined) {
    if (options.ifNotExists) return;
    throw invalid(`an index named ${JSON.stringify(existing)} already exists`);
  }
  // libSQL's own message for a column without a dimension count is "unexpected vector column type".
  await readVectorColumn(manager, tableName, column);
  await manager.query(createVectorIndexSql(name, tableName, column, settings));
}

/** Drops a vector index (and libSQL's shadow table behind it). Ordinary indexes are refused. */
export async function dropVectorIndex(target: VectorTarget, options: string | DropVectorIndexOptions): Promise<void> {
  const { manager } = resolveTarget(target);
  const { name: given, ifExists = false } = typeof options === "string" ? { name: options } : options;
  const name = checkIndexName(given);
  const existing = await indexExists(manager, name);
  if (existing === undefined) {
    if (ifExists) return;
    throw invalid(`there is no index named ${JSON.stringify(name)}`);
  }
  if (!(await readVectorIndex(manager, existing))) {
    throw invalid(`index ${JSON.stringify(existing)} is not a vector index (drop it with queryRunner.dropIndex)`);
  }
  await manager.query(`DROP INDEX ${quoteIdentifier(existing)}`);
}
