/**
 * Nearest-neighbour queries: `vectorTopK` asks a vector index (`vector_top_k`) for the k nearest
 * rows and returns them nearest first with their distance, and `vectorDistance` builds a
 * `vector_distance_cos` / `vector_distance_l2` expression with its parameter for the query
 * builder (exact search without an index). Values are always bound as parameters.
 */
import type { EntityTarget, ObjectLiteral } from "typeorm";
import { LibSqlError } from "../native";
import type { VectorColumnType } from "./columnTypes";
import { encodeVector, type VectorInput } from "./codec";
import { checkColumnReference, checkIndexName, checkParameterName, quoteIdentifier } from "./identifiers";
import { indexExists, readVectorColumn, readVectorIndex, type VectorMetric } from "./schema";
import { resolveTarget, type VectorTarget } from "./target";

export interface VectorTopKOptions {
  /** The vector index to search (its exact name). */
  index: string;
  /** The query vector; its dimension count must match the indexed column. */
  vector: VectorInput;
  /** How many neighbours to return: an integer ≥ 1. */
  k: number;
}

export interface VectorTopKEntityOptions<T extends ObjectLiteral> extends VectorTopKOptions {
  /** The entity of the indexed table; matches come back as entities. */
  entity: EntityTarget<T>;
}

/** One nearest neighbour as an entity. */
export interface VectorEntityMatch<T> {
  entity: T;
  /** The distance in the index's metric (cosine distance or L2). */
  distance: number;
}

/** One nearest neighbour as a rowid. */
export interface VectorRowMatch {
  /** The row's rowid (a number, or a bigint / string with `intMode`). */
  id: number | bigint | string;
  distance: number;
}

const DISTANCE_FUNCTION: Record<VectorMetric, string> = { cosine: "vector_distance_cos", l2: "vector_distance_l2" };

function invalid(message: string): LibSqlError {
  return new LibSqlError("LIBSQL_INVALID_ARGUMENT", `typeorm-libsql: ${message}`);
}

function checkK(k: unknown): number {
  // k = 0 makes libSQL 0.9.30 corrupt its heap and abort the process; it is refused here.
  if (typeof k !== "number" || !Number.isSafeInteger(k) || k < 1) {
    throw invalid(`vectorTopK needs "k" as an integer ≥ 1, got ${String(k)}`);
  }
  return k;
}

/**
 * The `k` rows nearest to `vector` by a vector index, nearest first. With `entity`, matches are
 * entities (relations are not loaded); without, rowids. Distances use the index's metric.
 */
export async function vectorTopK<T extends ObjectLiteral>(
  target: VectorTarget,
  options: VectorTopKEntityOptions<T>,
): Promise<VectorEntityMatch<T>[]>;
export async function vectorTopK(target: VectorTarget, options: VectorTopKOptions): Promise<VectorRowMatch[]>;
export async function vectorTopK<T extends ObjectLiteral>(
  target: VectorTarget,
  options: VectorTopKOptions | VectorTopKEntityOptions<T>,
): Promise<VectorEntityMatch<T>[] | VectorRowMatch[]> {
  const { dataSource, manager } = resolveTarget(target);
  const name = checkIndexName(options.index);
  const k = checkK(options.k);
  const index = await readVectorIndex(manager, name);
  if (!index) {
    const other = await indexExists(manager, name);
    throw invalid(
      other === undefined
        ? `there is no vector index named ${JSON.stringify(name)}`
        : other === name
          ? `index ${JSON.stringify(name)} is not a vector index`
          : `there is no vector index named ${JSON.stringify(name)} (vector_top_k needs the exact spelling ${JSON.stringify(other)})`,
    );
  }
  const column = await readVectorColumn(manager, index.table, index.column);
  const vector = encodeVector(options.vector, column.kind, column.dimensions, `vectorTopK on index ${name}`);
  const distance = (placeholder: string): string =>
    `${DISTANCE_FUNCTION[index.metric]}("t".${quoteIdentifier(index.column)}, ${placeholder})`;

  if (!("entity" in options) || options.entity === undefined) {
    const rows = (await manager.query(
      `SELECT "k"."id" AS "id", ${distance("?")} AS "distance" FROM vector_top_k(?, ?, ?) AS "k" ` +
        `JOIN ${quoteIdentifier(index.table)} AS "t" ON "t"."rowid" = "k"."id" ORDER BY "distance", "k"."id"`,
      [vector, name, vector, k],
    )) as Array<{ id: number | bigint | string; distance: number }>;
    return rows.map((row) => ({ id: row.id, distance: row.distance }));
  }

  const metadata = dataSource.getMetadata(options.entity);
  if (metadata.tableName !== index.table) {
    throw invalid(
      `index ${JSON.stringify(name)} is on table ${JSON.stringify(index.table)}, not on ${metadata.name}'s table`,
    );
  }
  const alias = "t";
  const { entities, raw } = await manager
    .createQueryBuilder(options.entity, alias)
    .addSelect(distance(":libsqlTopKVector"), "libsql_distance")
    .where(`"${alias}"."rowid" IN (SELECT "id" FROM vector_top_k(:libsqlTopKIndex, :libsqlTopKVector, :libsqlTopKK))`)
    .setParameters({ libsqlTopKIndex: name, libsqlTopKVector: vector, libsqlTopKK: k })
    .orderBy("libsql_distance", "ASC")
    .getRawAndEntities();
  if (entities.length !== raw.length) {
    throw new LibSqlError("LIBSQL_UNSUPPORTED", "typeorm-libsql: vectorTopK could not match rows to entities");
  }
  return entities.map((entity, i) => ({
    entity,
    distance: Number((raw[i] as Record<string, unknown>).libsql_distance),
  }));
}

export interface VectorDistanceOptions {
  /** The column's element type, which decides how the vector is encoded (default F32_BLOB). */
  type?: VectorColumnType;
  /** The parameter name to bind the vector as (default: a generated unique name). */
  parameter?: string;
}

/** A distance expression and the parameters it needs, for `addSelect`, `where` and `orderBy`. */
export interface VectorDistanceExpression {
  expression: string;
  parameters: Record<string, Buffer>;
}

let parameterCounter = 0;

/**
 * `vector_distance_cos(alias.property, :p)` (or `_l2`) with the vector bound as `p`:
 *
 * ```ts
 * const d = vectorDistance("doc.embedding", query, "cosine");
 * qb.addSelect(d.expression, "distance").setParameters(d.parameters).orderBy("distance").limit(5);
 * ```
 */
export function vectorDistance(
  column: string,
  vector: VectorInput,
  metric: VectorMetric = "cosine",
  options: VectorDistanceOptions = {},
): VectorDistanceExpression {
  const reference = checkColumnReference(column);
  if (metric !== "cosine" && metric !== "l2") throw invalid(`metric must be "cosine" or "l2", got ${String(metric)}`);
  const type = options.type ?? "F32_BLOB";
  if (type !== "F32_BLOB" && type !== "F64_BLOB") {
    throw new LibSqlError("LIBSQL_UNSUPPORTED", `typeorm-libsql: vector type ${String(type)} is not supported`);
  }
  const parameter =
    options.parameter === undefined ? `libsqlVector${(parameterCounter += 1)}` : checkParameterName(options.parameter);
  const bytes = encodeVector(vector, type === "F32_BLOB" ? "f32" : "f64", undefined, `vectorDistance on ${reference}`);
  return {
    expression: `${DISTANCE_FUNCTION[metric]}(${reference}, :${parameter})`,
    parameters: { [parameter]: bytes },
  };
}

/** `vectorDistance(column, vector, "cosine", options)`. */
export function vectorDistanceCos(
  column: string,
  vector: VectorInput,
  options?: VectorDistanceOptions,
): VectorDistanceExpression {
  return vectorDistance(column, vector, "cosine", options);
}

/** `vectorDistance(column, vector, "l2", options)`. */
export function vectorDistanceL2(
  column: string,
  vector: VectorInput,
  options?: VectorDistanceOptions,
): VectorDistanceExpression {
  return vectorDistance(column, vector, "l2", options);
}
