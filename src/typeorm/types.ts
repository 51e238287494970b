/**
 * Types from TypeORM that the package root does not export. They are erased at run time, so they
 * cannot break a running program; `npm run typecheck` fails if TypeORM renames or reshapes them.
 *
 * - `BaseDataSourceOptions` (a deep import): the options every data source takes, which
 *   `LibSqlDataSourceOptions` extends.
 * - `ColumnMetadata` and `IsolationLevel` are derived from public types (`EntityMetadata`,
 *   `QueryRunner`), so they reach nothing.
 */
import type { EntityMetadata, QueryRunner } from "typeorm";

export type { BaseDataSourceOptions } from "typeorm/data-source/BaseDataSourceOptions";

/** TypeORM's metadata of one entity column. */
export type ColumnMetadata = EntityMetadata["columns"][number];

/** The isolation levels TypeORM names. */
export type IsolationLevel = NonNullable<Parameters<QueryRunner["startTransaction"]>[0]>;
