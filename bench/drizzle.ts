/**
 * The Drizzle column of `npm run bench`: TypeORM on our driver against Drizzle ORM on
 * `@libsql/client` (what Turso users pick instead), each on its own defaults, on a local file and
 * on a loopback sqld the bench starts (no delay). Both sides get the same schema (our driver
 * creates it through TypeORM's synchronize; Drizzle's database gets the same `CREATE` statements)
 * and the same seed rows, then run the same operations written the way each ORM's user writes them:
 *
 * - findOneBy primary key — `select().from(author).where(eq(author.id, id)).limit(1)`;
 * - find 50 rows + many-to-one join — `select().from(post).innerJoin(author, …).where(between(…))`;
 * - save() one by one — `insert(author).values(…).returning()`;
 * - bulk insert() in chunks — `insert(item).values(chunk).returning({ id, createdAt })`;
 * - transaction() + rolled-back savepoint — `transaction(tx => …)` with an update, and inside it a
 *   nested `tx.transaction(…)` (a savepoint) whose update is undone by throwing.
 *
 * Our side runs the main bench's TypeORM workloads themselves. Each workload is one round after a
 * 10 % warm-up; the loop block is the whole run's longest stretch in which a 1 ms timer could not
 * fire (warm-up included), the figure that is judged.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient, type Client } from "@libsql/client";
import { asc, between, eq, sql } from "drizzle-orm";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { DataSource } from "typeorm";
import { LibSqlDataSource } from "../src";
import { SqldServer, sqldUnavailable } from "../test/support/sqld";
import type { BenchConfig } from "./config";
import { entities } from "./entities";
import { measureCounted, type Sample } from "./measure";
import { seed } from "./seed";
import { OURS, type OrmTarget, type OrmWorkload } from "./types";
import { bulkInsert } from "./workloads/bulk-insert";
import { findJoined, PAGE } from "./workloads/find-joined";
import { findOne } from "./workloads/find-one";
import { keyAt } from "./workloads/keys";
import { save } from "./workloads/save";
import { transaction } from "./workloads/transaction";

const author = sqliteTable("author", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  score: integer("score").notNull().default(0),
});

const post = sqliteTable("post", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  body: text("body").notNull(),
  views: integer("views").notNull().default(0),
  authorId: integer("authorId")
    .notNull()
    .references(() => author.id),
});

const item = sqliteTable("item", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  sku: text("sku").notNull(),
  quantity: integer("quantity").notNull(),
  price: real("price").notNull(),
  createdAt: text("createdAt")
    .notNull()
    .default(sql`(datetime('now'))`),
});

type Db = LibSQLDatabase<Record<string, never>>;

/** A TypeORM workload of the main bench, and the same operation written with Drizzle. */
interface DrizzleWorkload {
  orm: OrmWorkload;
  /** The counted operations, and how many units each is (as the TypeORM workload counts them). */
  size(config: BenchConfig): { count: number; unitsPerOp: number };
  drizzle(db: Db, config: BenchConfig, i: number): Promise<void>;
}

class RolledBack extends Error {}

const WORKLOADS: DrizzleWorkload[] = [
  {
    orm: findOne,
    size: (c) => ({ count: c.findOne, unitsPerOp: 1 }),
    async drizzle(db, c, i) {
      const id = keyAt(i, c.seedAuthors, c.seed);
      const [found] = await db.select().from(author).where(eq(author.id, id)).limit(1);
      if (found?.id !== id) throw new Error(`select where id = ${id}`);
    },
  },
  {
    orm: findJoined,
    size: (c) => ({ count: c.findJoined, unitsPerOp: 1 }),
    async drizzle(db, c, i) {
      const first = keyAt(i, c.seedPosts - PAGE, c.seed);
      const rows = await db
        .select()
        .from(post)
        .innerJoin(author, eq(post.authorId, author.id))
        .where(between(post.id, first, first + PAGE - 1))
        .orderBy(asc(post.id));
      if (rows.length !== PAGE || !rows[0].author) throw new Error(`join returned ${rows.length} rows`);
    },
  },
  {
    orm: save,
    size: (c) => ({ count: c.save, unitsPerOp: 1 }),
    async drizzle(db, _c, i) {
      await db
        .insert(author)
        .values({ name: `Saved ${i}`, email: `saved${i}@example.org`, score: i & 127 })
        .returning();
    },
  },
  {
    orm: bulkInsert,
    size: (c) => ({ count: Math.max(1, Math.round(c.bulkRows / c.bulkChunk)), unitsPerOp: c.bulkChunk }),
    async drizzle(db, c, i) {
      const rows = Array.from({ length: c.bulkChunk }, (_, j) => ({
        sku: `SKU-${i}-${j}`,
        quantity: j % 50,
        price: (j % 1000) / 4,
      }));
      const ids = await db.insert(item).values(rows).returning({ id: item.id, createdAt: item.createdAt });
      if (ids.length !== c.bulkChunk) throw new Error(`insert returned ${ids.length}`);
    },
  },
  {
    orm: transaction,
    size: (c) => ({ count: c.transactions, unitsPerOp: 1 }),
    async drizzle(db, c, i) {
      const id = keyAt(i, c.seedAuthors, c.seed);
      await db.transaction(async (tx) => {
        await tx
          .update(author)
          .set({ score: i & 1023 })
          .where(eq(author.id, id));
        try {
          await tx.transaction(async (nested) => {
            await nested.update(author).set({ score: -1 }).where(eq(author.id, id));
            throw new RolledBack();
          });
        } catch (error) {
          if (!(error instanceof RolledBack)) throw error;
        }
      });
    },
  },
];

export interface DrizzleRow {
  id: string;
  title: string;
  unit: string;
  ours: Sample | { failed: string };
  drizzle: Sample | { failed: string };
}

export interface DrizzleLocation {
  location: string;
  rows: DrizzleRow[];
  skipped?: string;
}

export interface DrizzleReport {
  scale: Record<string, number>;
  locations: DrizzleLocation[];
}

/** One measured round of a side (the TypeORM workloads warm up by 10 % themselves), or why it failed. */
async function measured(run: () => Promise<Sample>): Promise<Sample | { failed: string }> {
  try {
    return await run();
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** One location: our data source and a Drizzle database, each with the same schema and seed. */
async function runLocation(
  location: string,
  config: BenchConfig,
  urls: { ours: string; drizzle: string },
): Promise<DrizzleLocation> {
  const ours = await new LibSqlDataSource({ url: urls.ours, entities, synchronize: true, logging: false }).initialize();
  const client: Client = createClient({ url: urls.drizzle });
  try {
    await seed(ours, config);
    const schema = await ours.query(
      `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid`,
    );
    for (const { sql: ddl } of schema as { sql: string }[]) await client.execute(ddl);
    await seed(drizzleSeedTarget(client), config);
    const db = drizzle(client);
    const target: OrmTarget = {
      id: OURS,
      dataSource: ours,
      file: urls.ours,
      isolatedTransactions: true,
      settings: { journalMode: "", synchronous: "", sqliteVersion: "" },
    };
    const rows: DrizzleRow[] = [];
    for (const w of WORKLOADS) {
      const { count, unitsPerOp } = w.size(config);
      const warmup = Math.ceil(count * config.warmup);
      rows.push({
        id: w.orm.id,
        title: w.orm.title,
        unit: w.orm.unit,
        ours: await measured(() => w.orm.run(target, { config })),
        drizzle: await measured(() => measureCounted(count, (i) => w.drizzle(db, config, i), { warmup, unitsPerOp })),
      });
    }
    return { location, rows };
  } finally {
    client.close();
    await ours.destroy();
  }
}

/** `seed` takes a data source; for Drizzle's database its SQL runs through the client. */
function drizzleSeedTarget(client: Client): DataSource {
  return {
    transaction: async (work: (manager: { query(text: string): Promise<unknown> }) => Promise<void>) => {
      const tx = await client.transaction("write");
      await work({ query: (text) => tx.execute(text) });
      await tx.commit();
    },
  } as unknown as DataSource;
}

/** The sizes of the Drizzle rows: the bench's, scaled down for the server (every call a request). */
function scaled(config: BenchConfig, factor: number): BenchConfig {
  const keep = (n: number): number => Math.max(10, Math.round(n * factor));
  return {
    ...config,
    findOne: keep(config.findOne),
    findJoined: keep(config.findJoined),
    save: keep(config.save),
    bulkRows: Math.max(config.bulkChunk, Math.round(config.bulkRows * factor)),
    transactions: keep(config.transactions),
  };
}

/** Scale of the loopback-sqld rows against the local ones. */
const SERVER_SCALE = 0.25;

export async function runDrizzleBench(config: BenchConfig): Promise<DrizzleReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typeorm-libsql-drizzle-"));
  const locations: DrizzleLocation[] = [];
  try {
    locations.push(
      await runLocation("local file", config, {
        ours: `file:${path.join(dir, "ours.db")}`,
        drizzle: `file:${path.join(dir, "drizzle.db")}`,
      }),
    );
    const unavailable = sqldUnavailable();
    if (unavailable) {
      locations.push({ location: "loopback sqld", rows: [], skipped: unavailable });
    } else {
      const [forOurs, forDrizzle] = [await SqldServer.start(), await SqldServer.start()];
      try {
        locations.push(
          await runLocation("loopback sqld", scaled(config, SERVER_SCALE), {
            ours: forOurs.url,
            drizzle: forDrizzle.url,
          }),
        );
      } finally {
        await forOurs.stop();
        await forDrizzle.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { scale: { "loopback sqld": SERVER_SCALE }, locations };
}

const fixed = (n: number, digits = 0): string =>
  n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function cell(side: Sample | { failed: string }, value: (s: Sample) => string): string {
  return "failed" in side ? `failed: ${side.failed}` : value(side);
}

/** The Drizzle tables in Markdown. */
export function drizzleMarkdown(report: DrizzleReport): string {
  const lines = [
    "## TypeORM + typeorm-libsql against Drizzle ORM + @libsql/client",
    "",
    "Each on its own defaults; the same schema, seed rows and operations (see bench/drizzle.ts). One",
    "round per workload after a 10 % warm-up. The loop block is the longest stretch in which a 1 ms",
    "timer could not fire over the whole run of the workload, warm-up included (the figure judged).",
    "",
  ];
  for (const l of report.locations) {
    lines.push(`### ${l.location}`, "");
    if (l.skipped) {
      lines.push(`Skipped: ${l.skipped}`, "");
      continue;
    }
    lines.push(
      "| Workload | typeorm-libsql ops/s | Drizzle ops/s | ours ÷ Drizzle | longest loop block, whole run, ms (ours / Drizzle) | outside GC, ms (ours / Drizzle) |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const r of l.rows) {
      const ratio =
        "failed" in r.ours || "failed" in r.drizzle ? "–" : `${(r.ours.opsPerSec / r.drizzle.opsPerSec).toFixed(2)}×`;
      lines.push(
        `| ${r.title} (${r.unit}) | ${cell(r.ours, (s) => fixed(s.opsPerSec))} | ${cell(r.drizzle, (s) => fixed(s.opsPerSec))} | ${ratio} | ` +
          `${cell(r.ours, (s) => fixed(s.loopBlockMs, 1))} / ${cell(r.drizzle, (s) => fixed(s.loopBlockMs, 1))} | ` +
          `${cell(r.ours, (s) => fixed(s.loopBlockNonGcMs, 1))} / ${cell(r.drizzle, (s) => fixed(s.loopBlockNonGcMs, 1))} |`,
      );
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/** Writes drizzle.md and drizzle.json next to the other results. */
export function writeDrizzle(out: string, report: DrizzleReport): void {
  fs.writeFileSync(path.join(out, "drizzle.md"), drizzleMarkdown(report));
  fs.writeFileSync(path.join(out, "drizzle.json"), `${JSON.stringify(report, null, 2)}\n`);
}
