/**
 * Untimed set-up: fills the tables the read workloads need with the same rows on every driver,
 * using one recursive-CTE `INSERT … SELECT` per table so that seeding costs next to nothing.
 */
import type { DataSource } from "typeorm";
import type { BenchConfig } from "./config";

const series = (n: number): string =>
  `WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${Math.floor(n)}) `;

export async function seed(ds: DataSource, config: BenchConfig): Promise<void> {
  await ds.transaction(async (em) => {
    await em.query(
      `INSERT INTO "author" ("name", "email", "score") ${series(config.seedAuthors)}` +
        `SELECT 'Author ' || x, 'author' || x || '@example.org', x % 100 FROM s`,
    );
    await em.query(
      `INSERT INTO "post" ("title", "body", "views", "authorId") ${series(config.seedPosts)}` +
        `SELECT 'Post number ' || x, 'Body of post ' || x || ' ' || replace(hex(zeroblob(80)), '00', 'ab'), ` +
        `x % 1000, (x * 7919) % ${config.seedAuthors} + 1 FROM s`,
    );
    await em.query(
      `INSERT INTO "measurement" ("sensor", "value", "takenAt") ${series(config.largeRows)}` +
        `SELECT 'sensor-' || (x % 64), x * 0.25, 1700000000 + x FROM s`,
    );
  });
}

/** The table the raw-driver workloads use, created and filled by plain SQL. */
export function rawSchemaSql(rows: number): string[] {
  return [
    `CREATE TABLE raw_item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL)`,
    `INSERT INTO raw_item (name, value) ${series(rows)}SELECT 'item-' || x, x * 0.5 FROM s`,
  ];
}
