/**
 * Table rebuilds that never lose a row. TypeORM's SQLite runner changes many columns by rebuilding
 * the table (a temporary table, a copy, DROP TABLE, a rename) and counts on `PRAGMA foreign_keys`
 * being off, as `beforeMigration()` asks. If foreign keys are still on (a pragma sent inside a
 * transaction is ignored; on a server it may have gone to another server connection), the DROP
 * TABLE's implicit DELETE fires the ON DELETE actions of the tables that reference it: CASCADE
 * deletes their rows, SET NULL empties their keys, RESTRICT fails. So before a table that other
 * tables (or itself) reference is dropped for a rebuild, foreign keys are read back on the
 * connection that runs it, and the rebuild is refused (`LIBSQL_FOREIGN_KEYS_ON`) while they are on.
 * After the rebuild, `PRAGMA foreign_key_check` on the rebuilt table and the tables referencing it
 * must find nothing, or the rebuild is rolled back (`LIBSQL_FOREIGN_KEY_VIOLATION`).
 */
import { LibSqlError } from "../native";
import { addsNotNull, checkNoNulls } from "./alterColumn";

/** Runs one statement on the runner's connection and gives its rows. */
export type RunSql = (sql: string) => Promise<Record<string, unknown>[]>;

/** A table that references the rebuilt one, and what its key does when a referenced row goes. */
export interface ReferencingTable {
  table: string;
  onDelete: string;
}

/** A row `PRAGMA foreign_key_check` reports. */
interface Violation {
  table: string;
  rowid: unknown;
  parent: string;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** `"schema"."table"` or `"table"` split into its schema (if any) and table name. */
function splitName(path: string): { schema: string | undefined; table: string } {
  const dot = path.indexOf(".");
  return dot < 0 ? { schema: undefined, table: path } : { schema: path.slice(0, dot), table: path.slice(dot + 1) };
}

/** The tables whose foreign keys reference `tablePath` (the table itself included, if it does). */
export async function referencingTables(run: RunSql, tablePath: string): Promise<ReferencingTable[]> {
  const { schema, table } = splitName(tablePath);
  const catalogue = schema === undefined ? "sqlite_schema" : `${quote(schema)}.sqlite_schema`;
  const schemaArgument = schema === undefined ? "" : `, ${literal(schema)}`;
  const rows = await run(
    `SELECT DISTINCT m.name AS "table", k.on_delete AS "onDelete" FROM ${catalogue} AS m, ` +
      `pragma_foreign_key_list(m.name${schemaArgument}) AS k ` +
      `WHERE m.type = 'table' AND lower(k."table") = lower(${literal(table)})`,
  );
  return rows.map((row) => ({ table: String(row.table), onDelete: String(row.onDelete) }));
}

/**
 * Whether any of `tables` holds a row: only then can a DROP TABLE's ON DELETE actions change or
 * refuse anything.
 */
async function anyRows(run: RunSql, tables: readonly ReferencingTable[], schema: string | undefined): Promise<boolean> {
  for (const { table } of tables) {
    const target = schema === undefined ? quote(table) : `${quote(schema)}.${quote(table)}`;
    const rows = await run(`SELECT EXISTS (SELECT 1 FROM ${target}) AS "held"`);
    if (Number(rows[0]?.held) === 1) return true;
  }
  return false;
}

const DROP_TABLE =
  /^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)/i;

/** The table a `DROP TABLE` statement drops (`schema.table` for another database file), if it is one. */
export function droppedTable(sql: string): string | undefined {
  const match = DROP_TABLE.exec(sql);
  if (!match) return undefined;
  return match[1]
    .split(/\s*\.\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((part) => (part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part))
    .join(".");
}

/** Whether foreign keys are enforced on the connection `run` uses. */
export async function foreignKeysOn(run: RunSql): Promise<boolean> {
  const rows = await run("PRAGMA foreign_keys");
  return Number(rows[0]?.foreign_keys) === 1;
}

/**
 * Refuses to rebuild `tablePath` while foreign keys are on and tables holding rows reference it.
 * Call it before the rebuild changes anything, on the connection that will run it.
 */
export async function assertSafeToRebuild(run: RunSql, tablePath: string, how: string): Promise<void> {
  const referencing = await referencingTables(run, tablePath);
  if (referencing.length === 0 || !(await foreignKeysOn(run))) return;
  if (!(await anyRows(run, referencing, splitName(tablePath).schema))) return;
  const list = referencing.map((r) => `${r.table} (ON DELETE ${r.onDelete})`).join(", ");
  throw new LibSqlError(
    "LIBSQL_FOREIGN_KEYS_ON",
    `refusing to rebuild the table ${tablePath} (${how}) while foreign keys are on: dropping it would run the ` +
      `ON DELETE actions of ${list}. Nothing was changed. Schema changes run with foreign keys off: ` +
      `beforeMigration() turns them off, but not inside a transaction that has already run statements, ` +
      `nor (until a runner keeps one server stream) on a remote database or replica`,
  );
}

/**
 * The foreign key violations left in `tablePath` and the tables referencing it, as
 * `PRAGMA foreign_key_check` reports them; an error listing them (`LIBSQL_FOREIGN_KEY_VIOLATION`),
 * or undefined when there are none.
 */
export async function foreignKeyViolations(run: RunSql, tablePath: string): Promise<LibSqlError | undefined> {
  const { schema } = splitName(tablePath);
  const tables = new Set([tablePath, ...(await referencingTables(run, tablePath)).map((r) => r.table)]);
  const violations: Violation[] = [];
  for (const table of tables) {
    const local = splitName(table).table;
    const pragma = schema === undefined ? "PRAGMA foreign_key_check" : `PRAGMA ${quote(schema)}.foreign_key_check`;
    for (const row of await run(`${pragma}(${quote(local)})`)) {
      violations.push({ table: String(row.table), rowid: row.rowid, parent: String(row.parent) });
    }
  }
  if (violations.length === 0) return undefined;
  const shown = violations
    .slice(0, 20)
    .map((v) => `${v.table} rowid ${String(v.rowid)} -> ${v.parent}`)
    .join("; ");
  const more = violations.length > 20 ? ` and ${violations.length - 20} more` : "";
  return new LibSqlError(
    "LIBSQL_FOREIGN_KEY_VIOLATION",
    `rebuilding the table ${tablePath} left ${violations.length} row(s) whose foreign key points nowhere ` +
      `(${shown}${more}); the rebuild was rolled back`,
  );
}

/**
 * The guard of one query runner: its table rebuilds (`rebuild`), and between `beforeMigration()`
 * and `afterMigration()` (`migrating`) a migration's own DROP TABLE statements (raw SQL, such as
 * a generated migration's rebuild) of tables that rows reference, which are checked again before
 * COMMIT should the migration have created them again.
 */
export class RebuildGuard {
  /** Set between `beforeMigration()` and `afterMigration()`. */
  migrating = false;
  /** The table `rebuild` is rebuilding (its own DROP TABLE was checked already). */
  private rebuilding: string | undefined;
  /** Tables a migration's own SQL dropped while referenced, to check before COMMIT. */
  private readonly dropped = new Set<string>();

  constructor(
    private readonly run: RunSql,
    /** Whether violations are checked (not with the `foreignKeys: false` option). */
    private readonly checksViolations: () => boolean,
  ) {}

  /** Runs `work`, TypeORM's rebuild of `tablePath`, guarded; the caller rolls back on failure. */
  async rebuild(tablePath: string, work: () => Promise<void>): Promise<void> {
    await assertSafeToRebuild(this.run, tablePath, "a schema change");
    this.rebuilding = tablePath;
    try {
      await work();
    } finally {
      this.rebuilding = undefined;
    }
    const violations = this.checksViolations() ? await foreignKeyViolations(this.run, tablePath) : undefined;
    if (violations) throw violations;
  }

  /**
   * Before a statement starting with DROP or ALTER (`head`, upper case): a migration's DROP TABLE
   * (see `beforeDrop`), and an ALTER COLUMN that adds NOT NULL (see alterColumn.ts).
   */
  async beforeSchemaStatement(sql: string, head: string, inTransaction: boolean): Promise<void> {
    if (head.startsWith("DROP")) {
      if (this.migrating) await this.beforeDrop(sql, inTransaction);
      return;
    }
    const notNull = addsNotNull(sql);
    if (notNull) await checkNoNulls(this.run, notNull);
  }

  /** Before a migration's statement that starts with DROP. */
  private async beforeDrop(sql: string, inTransaction: boolean): Promise<void> {
    const table = droppedTable(sql);
    if (table === undefined || table === this.rebuilding) return;
    await assertSafeToRebuild(this.run, table, "a DROP TABLE in a migration");
    if (inTransaction) this.dropped.add(table);
  }

  /** Before the COMMIT of a transaction: the tables dropped in it and since created again. */
  async beforeCommit(): Promise<void> {
    if (this.dropped.size === 0) return;
    const tables = [...this.dropped];
    this.dropped.clear();
    if (!this.checksViolations()) return;
    for (const tablePath of tables) {
      const { schema, table } = splitName(tablePath);
      const catalogue = schema === undefined ? "sqlite_schema" : `${quote(schema)}.sqlite_schema`;
      const exists = await this.run(`SELECT 1 FROM ${catalogue} WHERE type = 'table' AND name = ${literal(table)}`);
      if (exists.length === 0) continue;
      const violations = await foreignKeyViolations(this.run, tablePath);
      if (violations) throw violations;
    }
  }

  /** After a rollback: nothing dropped is left to check. */
  forget(): void {
    this.dropped.clear();
  }
}
