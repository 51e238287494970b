/**
 * The example data source for the TypeORM CLI (`npm run migration:run`, `migration:revert`,
 * `migration:generate`, `schema:log`). By default it uses a local file, ./data/app.db (the
 * directory is created on first use); set TYPEORM_LIBSQL_URL to point it elsewhere, e.g. a
 * libsql:// URL together with TYPEORM_LIBSQL_AUTH_TOKEN.
 */
import "reflect-metadata";
import * as path from "path";
import { LibSqlDataSource } from "./src";
import { EXAMPLE_ENTITIES } from "./example/entity";

export default new LibSqlDataSource({
  url: process.env.TYPEORM_LIBSQL_URL ?? "file:./data/app.db",
  authToken: process.env.TYPEORM_LIBSQL_AUTH_TOKEN || undefined,
  entities: EXAMPLE_ENTITIES,
  migrations: [path.join(__dirname, "migrations", "*.{ts,js}")],
});
