/**
 * The family of tables (entity/family.ts) in an older shape, with rows: the schema the entities
 * generate with some column definitions replaced, 5 parents and 5 rows in each child, each
 * pointing at a parent; and every table's rows counted.
 */
import type { DataSource } from "typeorm";
import { FAMILY_TABLES } from "../entity/family";

/** `parent.code` as it was before it became a varchar: a change of affinity, so a rebuild. */
export const CODE_WAS_INTEGER: [string, string] = ['"code" varchar NOT NULL', '"code" integer NOT NULL'];

/** Creates the entities' schema with each `[now, before]` definition replaced by `before`. */
export async function createOlderSchema(dataSource: DataSource, ...replacements: [string, string][]): Promise<void> {
  for (const { query } of (await dataSource.driver.createSchemaBuilder().log()).upQueries) {
    await dataSource.query(replacements.reduce((sql, [now, before]) => sql.replace(now, before), query));
  }
}

/** 5 parents (the last named NULL when `nullName`) and 5 rows in each child, one per parent. */
export async function insertFamily(dataSource: DataSource, nullName = false): Promise<void> {
  for (let id = 1; id <= 5; id += 1) {
    const name = nullName && id === 5 ? null : `p${id}`;
    await dataSource.query(`INSERT INTO "parent" ("id", "name", "code") VALUES (?, ?, ?)`, [id, name, id]);
  }
  for (const table of FAMILY_TABLES.filter((t) => t !== "parent")) {
    for (let id = 1; id <= 5; id += 1) await dataSource.query(`INSERT INTO "${table}" ("parentId") VALUES (?)`, [id]);
  }
}

export type Counts = Record<string, number>;

/** Every table's rows, and every child's rows that still point at a parent. */
export async function countFamily(query: (sql: string) => Promise<unknown>): Promise<Counts> {
  const result: Counts = {};
  const count = async (sql: string) => ((await query(sql)) as { n: number }[])[0].n;
  for (const table of FAMILY_TABLES) {
    result[table] = await count(`SELECT count(*) AS n FROM "${table}"`);
    if (table !== "parent")
      result[`${table} with a parent`] = await count(`SELECT count("parentId") AS n FROM "${table}"`);
  }
  return result;
}

/** The counts of a whole family (see `insertFamily`). */
export const WHOLE_FAMILY: Counts = {
  parent: 5,
  cascade_child: 5,
  "cascade_child with a parent": 5,
  restrict_child: 5,
  "restrict_child with a parent": 5,
  set_null_child: 5,
  "set_null_child with a parent": 5,
};
