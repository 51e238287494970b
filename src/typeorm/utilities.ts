/**
 * Reach: three of TypeORM's utility classes, which are not exported from the root. Using them
 * keeps our conversions exactly those of TypeORM's own SQLite drivers.
 *
 * - `DateUtils.mixedDateToUtcDatetimeString`: a `Date` parameter becomes the UTC datetime string
 *   TypeORM's SQLite drivers bind. Verified by: errors.test.ts "converts parameters as TypeORM's
 *   SQLite drivers do"; types.test.ts "finds by dates, booleans and enums through query parameters".
 * - `OrmUtils.mergeDeep`: merges the value maps of a RETURNING row into one generated map (embedded
 *   columns). Verified by: crud.test.ts "saves many entities with generated values in one statement"
 *   and "creates, reads, updates and deletes through a repository".
 * - `ApplyValueTransformers`: a vector column's transformer runs before encoding and after decoding,
 *   as TypeORM runs transformers for every other column. Verified by: typeorm-seam.test.ts
 *   "applies a column transformer before encoding and after decoding a vector".
 */
export { DateUtils } from "typeorm/util/DateUtils";
export { OrmUtils } from "typeorm/util/OrmUtils";
export { ApplyValueTransformers } from "typeorm/util/ApplyValueTransformers";
