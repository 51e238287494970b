/**
 * libSQL vector search for TypeORM: vector column types, vector indexes and nearest-neighbour
 * queries.
 */
export { VectorColumn, type VectorColumnOptions } from "./VectorColumn";
export type { VectorColumnType } from "./columnTypes";
export type { VectorInput } from "./codec";
export {
  createVectorIndex,
  dropVectorIndex,
  type CreateVectorIndexOptions,
  type DropVectorIndexOptions,
  type VectorNeighbourCompression,
} from "./indexes";
export {
  vectorTopK,
  vectorDistance,
  vectorDistanceCos,
  vectorDistanceL2,
  type VectorTopKOptions,
  type VectorTopKEntityOptions,
  type VectorEntityMatch,
  type VectorRowMatch,
  type VectorDistanceOptions,
  type VectorDistanceExpression,
} from "./search";
export type { VectorMetric } from "./schema";
export type { VectorTarget } from "./target";
