/**
 * Reach: TypeORM's SQLite base classes, which are not exported from the package root.
 *
 * Why: extending them gives TypeORM's own SQLite SQL for queries, schema building and migrations.
 * - `AbstractSqliteDriver`: `LibSqlDriver` overrides the protected `createDatabaseConnection` and
 *   `loadDependencies` (a guard: the base class loads nothing today), widens `normalizeType`,
 *   `createFullType`, `preparePersistentValue`, `prepareHydratedValue` and `createGeneratedMap`, and
 *   adds to the public `supportedDataTypes` and `withLengthColumnTypes` lists (vector types).
 * - `AbstractSqliteQueryRunner`: `LibSqlQueryRunner` replaces connecting, releasing, transactions,
 *   `query` and `stream`, relies on `BaseQueryRunner`'s `isReleased`, `isTransactionActive`,
 *   `transactionDepth`, `loadedTables`, `broadcaster` and `clearSqlMemory()`, and overrides the
 *   protected `loadTables` and `createIndexSql` (vector indexes survive table rebuilds). It also
 *   overrides the protected `recreateTable(newTable, oldTable, migrateData)` (every table rebuild
 *   of the schema builder and the runner's schema methods goes through it) and uses the protected
 *   `sqlMemoryMode`, `executeQueries`, `replaceCachedTable`, `createTableSql` and
 *   `buildCreateColumnSql` (guarded rebuilds and ALTER COLUMN: query-runner/tableRebuild.ts and
 *   alterColumn.ts); the same members, with the same signatures, are in TypeORM 0.3.20.
 * - `Query`: the statement object `createIndexSql` returns.
 *
 * Verified by: the whole functional suite (every statement goes through these classes), on TypeORM
 * 1.x and on 0.3.x in `.ci/run`; in particular schema.test.ts (the schema operations of the base
 * runner) and vector.test.ts "rebuilding the table (a changed column) recreates the vector indexes
 * with their settings" (`loadTables`, `createIndexSql`, `Query`); table-rebuild.test.ts and
 * alter-column.test.ts (`recreateTable` and the members it uses; migration:generate's SQL).
 */
export { AbstractSqliteDriver } from "typeorm/driver/sqlite-abstract/AbstractSqliteDriver";
export { AbstractSqliteQueryRunner } from "typeorm/driver/sqlite-abstract/AbstractSqliteQueryRunner";
export { Query } from "typeorm/driver/Query";
