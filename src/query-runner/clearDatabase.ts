/**
 * `clearDatabase()` (behind `dropSchema` and `synchronize` with `dropSchema`): every view, then
 * every table, in one transaction, with foreign keys off as TypeORM's SQLite runner does. Tables
 * go in an order that drops a table only once no other remaining table references it, so that
 * even where foreign keys stay on (inside a transaction that was already open, or a server
 * connection the pragma did not reach) a DROP TABLE finds no rows pointing at it: no RESTRICT
 * failure, no ON DELETE action. Tables that reference each other in a cycle go last.
 */
import type { QueryRunner } from "typeorm";
import type { RunSql } from "./tableRebuild";

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The tables of `schema` (the main database when undefined) in the order they can be dropped. */
async function tablesInDropOrder(run: RunSql, catalogue: string, schemaArgument: string): Promise<string[]> {
  const tables = (await run(`SELECT name FROM ${catalogue} WHERE type = 'table' AND name != 'sqlite_sequence'`)).map(
    (row) => String(row.name),
  );
  const referenced = new Map<string, Set<string>>(tables.map((table) => [table.toLowerCase(), new Set()]));
  const edges = await run(
    `SELECT m.name AS "child", k."table" AS "parent" FROM ${catalogue} AS m, ` +
      `pragma_foreign_key_list(m.name${schemaArgument}) AS k WHERE m.type = 'table'`,
  );
  for (const edge of edges) {
    const child = String(edge.child).toLowerCase();
    const parent = String(edge.parent).toLowerCase();
    if (child !== parent) referenced.get(parent)?.add(child);
  }
  const order: string[] = [];
  let left = tables;
  while (left.length > 0) {
    const remaining = new Set(left.map((table) => table.toLowerCase()));
    const free = left.filter((table) =>
      [...(referenced.get(table.toLowerCase()) ?? [])].every((child) => !remaining.has(child)),
    );
    // A cycle: nothing is free, so the rest go in catalogue order.
    const next = free.length > 0 ? free : left;
    order.push(...next);
    left = left.filter((table) => !next.includes(table));
  }
  return order;
}

/**
 * Drops every view and table of the main database, or of the attached `schema`. `run` runs a
 * statement on the runner's connection; the caller holds the transaction and the pragmas.
 */
export async function dropViewsAndTables(run: RunSql, schema: string | undefined): Promise<void> {
  const prefix = schema === undefined ? "" : `${quote(schema)}.`;
  const catalogue = `${prefix}sqlite_master`;
  const schemaArgument = schema === undefined ? "" : `, '${schema.replace(/'/g, "''")}'`;
  for (const row of await run(`SELECT name FROM ${catalogue} WHERE type = 'view'`)) {
    await run(`DROP VIEW ${prefix}${quote(String(row.name))}`);
  }
  for (const table of await tablesInDropOrder(run, catalogue, schemaArgument)) {
    await run(`DROP TABLE ${prefix}${quote(table)}`);
  }
}

/**
 * The whole of `clearDatabase()` on `runner`: foreign keys off, every view and table dropped in a
 * transaction (the runner's own, unless one is open), foreign keys set back to `foreignKeysOn`.
 */
export async function clearDatabase(
  runner: QueryRunner,
  run: RunSql,
  schema: string | undefined,
  foreignKeysOn: boolean,
): Promise<void> {
  await runner.query("PRAGMA foreign_keys = OFF");
  const own = !runner.isTransactionActive;
  try {
    if (own) await runner.startTransaction();
    await dropViewsAndTables(run, schema);
    if (own) await runner.commitTransaction();
  } catch (error) {
    if (own && runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.query(`PRAGMA foreign_keys = ${foreignKeysOn ? "ON" : "OFF"}`);
  }
}
