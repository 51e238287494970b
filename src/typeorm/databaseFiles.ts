/**
 * Reach: `filepathToName` and `isAbsolute` from TypeORM's `util/PathUtils` (not exported from the
 * package root).
 *
 * Why: an entity in another database file (`@Entity({ database: "other.db" })`) lives in a schema
 * whose name TypeORM's SQLite drivers derive from the path with `filepathToName` (a hash), and
 * generated migrations contain that name (`CREATE TABLE "<hash>"."author" …`). Using TypeORM's own
 * function keeps the name, and so migrations, the same as with better-sqlite3; `isAbsolute` decides,
 * as there, which paths are taken relative to the main database file.
 *
 * Verified by: database-files.test.ts "attaches the same files, under the same names, as
 * TypeORM's better-sqlite3 driver".
 */
export { filepathToName, isAbsolute } from "typeorm/util/PathUtils";
