/**
 * Database administration (create, delete, list, fork, tokens) on sqld and on Turso.
 */
export { LibSqlAdminError } from "./LibSqlDatabaseAdmin";
export type {
  LibSqlAdminErrorCode,
  LibSqlCreateDatabaseOptions,
  LibSqlCreateTokenOptions,
  LibSqlDatabaseAdmin,
  LibSqlDatabaseInfo,
} from "./LibSqlDatabaseAdmin";
export { SqldAdmin } from "./SqldAdmin";
export type { SqldAdminOptions } from "./SqldAdmin";
export { TursoAdmin } from "./TursoAdmin";
export type { TursoAdminOptions } from "./TursoAdmin";
