/**
 * Entities in other database files (`@Entity({ database: "other.db" })`), as TypeORM's SQLite
 * drivers do them: each file is attached (ATTACH) under a schema name TypeORM derives from the
 * path as written, and its tables are addressed as `"<name>"."<table>"`. A relative path is taken
 * relative to the directory of the main database file; an absolute one as it is. Unlike those
 * drivers (one connection), every pooled connection attaches the same files: when it is opened,
 * and again when its session is restored after a query runner changed it.
 */
import * as fs from "fs";
import * as path from "path";
import type { Table } from "typeorm";
import { LibSqlError, type LibSqlConnection } from "../native";
import type { LibSqlDatabaseKind } from "../options/resolveOptions";
import { filepathToName, isAbsolute } from "../typeorm";

/** One attached database file. */
export interface DatabaseFile {
  /** The path as the entity gives it (TypeORM's `attachFilepathRelative`). */
  readonly name: string;
  /** The file's absolute path. */
  readonly file: string;
  /** The schema name it is attached under (TypeORM's `attachHandle`). */
  readonly handle: string;
}

/** What the main database is, as far as other files are concerned. */
export interface MainDatabase {
  readonly kind: LibSqlDatabaseKind;
  /** The absolute path of the main file (files and replicas). */
  readonly filePath?: string;
  /** The main database as TypeORM sees it (`options.database`). */
  readonly description: string;
}

/**
 * Resolves an entity's `database`: the main database (undefined), or a file to attach. Throws
 * `LIBSQL_UNSUPPORTED` for a remote database or an embedded replica, and `LIBSQL_INVALID_ARGUMENT`
 * for a relative path when the main database is `:memory:` (it has no directory to be relative to).
 */
export function resolveDatabaseFile(database: string, main: MainDatabase): DatabaseFile | undefined {
  // Every entity names the main database unless it says otherwise (TypeORM copies `database`).
  if (database === main.description) return undefined;
  if (main.filePath !== undefined && isAbsolute(database) && path.resolve(database) === main.filePath) return undefined;
  if (main.kind === "remote" || main.kind === "replica") {
    const what = main.kind === "remote" ? "a remote database" : "an embedded replica";
    throw new LibSqlError(
      "LIBSQL_UNSUPPORTED",
      `entities in other database files (@Entity({ database: ${JSON.stringify(database)} })) are attached ` +
        `to local connections with ATTACH, which ${what} cannot do; keep these entities in the main database`,
    );
  }
  let file: string;
  if (isAbsolute(database)) {
    file = database;
  } else if (main.filePath !== undefined) {
    file = path.join(path.dirname(main.filePath), database);
  } else {
    throw new LibSqlError(
      "LIBSQL_INVALID_ARGUMENT",
      `entity database ${JSON.stringify(database)} is a relative path, which is taken relative to the main ` +
        `database file, but the main database is :memory:; give the file an absolute path`,
    );
  }
  if (main.filePath !== undefined && path.resolve(file) === main.filePath) return undefined;
  return { name: database, file, handle: filepathToName(database) };
}

/** An identifier in double quotes. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the directories the files will be created in (ATTACH creates a missing file). */
export async function createDirectories(files: readonly DatabaseFile[]): Promise<void> {
  for (const { file } of files) await fs.promises.mkdir(path.dirname(file), { recursive: true });
}

/** The databases attached to a connection besides main and temp: schema name → file. */
async function attachedFiles(connection: LibSqlConnection): Promise<Map<string, string>> {
  const { rows } = await connection.query<{ name: string; file: string | null }>("PRAGMA database_list");
  return new Map(
    rows.filter((row) => row.name !== "main" && row.name !== "temp").map((row) => [row.name, row.file ?? ""]),
  );
}

/**
 * Makes exactly `files` attached to the connection (besides main and temp): detaches anything
 * else a query runner attached, and attaches what is missing. Paths are bound as values.
 */
export async function attachDatabaseFiles(connection: LibSqlConnection, files: readonly DatabaseFile[]): Promise<void> {
  const attached = await attachedFiles(connection);
  const wanted = new Map(files.map((f) => [f.handle, f]));
  for (const [handle, file] of attached) {
    const expected = wanted.get(handle);
    if (expected && path.resolve(expected.file) === path.resolve(file)) continue;
    await connection.execute(`DETACH DATABASE ${quoteIdentifier(handle)}`);
    attached.delete(handle);
  }
  for (const file of files) {
    if (!attached.has(file.handle)) {
      await connection.execute(`ATTACH DATABASE ? AS ${quoteIdentifier(file.handle)}`, [file.file]);
    }
  }
}

/** Sets the journal mode of every attached file, as the main file's (WAL persists in the file). */
export async function setJournalMode(
  connection: LibSqlConnection,
  files: readonly DatabaseFile[],
  mode: string,
): Promise<void> {
  for (const { handle } of files) await connection.query(`PRAGMA ${quoteIdentifier(handle)}.journal_mode = ${mode}`);
}

/**
 * A foreign key always references a table of its own database file, but SQLite reports the bare
 * name ("author"). In an attached file, name it as the entity metadata does ("<schema>.author"),
 * so that synchronize does not take it for a different key and rebuild the table every time
 * (TypeORM's better-sqlite3 driver does).
 */
export function qualifyForeignKeysInDatabaseFiles(tables: readonly Table[]): void {
  for (const table of tables) {
    const dot = table.name.indexOf(".");
    if (dot < 0) continue;
    const schema = table.name.slice(0, dot);
    for (const foreignKey of table.foreignKeys) {
      if (!foreignKey.referencedTableName.includes(".")) {
        foreignKey.referencedTableName = `${schema}.${foreignKey.referencedTableName}`;
      }
    }
  }
}
