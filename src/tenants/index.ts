/**
 * A database per tenant: `LibSqlTenants` and the types of its options and results.
 */
export { LibSqlTenants } from "./LibSqlTenants";
export type { LibSqlTenantsStats } from "./LibSqlTenants";
export type {
  LibSqlTenantsOptions,
  LibSqlTenantConnection,
  LibSqlTenantDataSourceOptions,
} from "./LibSqlTenantsOptions";
export type { LibSqlMigrateAllOptions, LibSqlMigrateProgress, LibSqlMigrateSummary } from "./migrateAll";
