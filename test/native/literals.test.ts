/**
 * The statement cache that sees through integer literals (`normaliseLiterals`, native/src/literals),
 * tested differentially: every statement of the corpus runs on two connections to the same
 * database, one normalising and one not, twice each (the first run decides the shape, the second
 * uses the verdict), and the two must give identical rows, column names, declared types and
 * errors. SQLite's `sqlite_stmt` table lists the statements a connection holds, which shows
 * whether a statement ran normalised (the corpus says which should).
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, type Params } from "../../src";
import { tempDbPath } from "../support/tmp";

interface Case {
  sql: string;
  params?: Params;
  /** Whether the statement should run with its literals bound (unchecked when it cannot be prepared). */
  normalised: boolean;
  unprepared?: true;
}

const SCHEMA = [
  "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER, score REAL, code TEXT)",
  "CREATE TABLE post (id INTEGER PRIMARY KEY, authorId INTEGER REFERENCES author(id), title TEXT, views INTEGER, flag INTEGER)",
  "CREATE INDEX post_flagged_views ON post(views) WHERE flag = 1",
  "CREATE INDEX author_age_plus ON author(age + 1)",
  "CREATE INDEX author_senior ON author(age > 40)",
  "CREATE TABLE big (n INTEGER)",
];

const DATA = [
  "INSERT INTO author VALUES (1, 'Ada', 36, 1.5, '10'), (2, 'Bob', 41, 2.5, '2'), (3, 'Cy', NULL, NULL, '1%'), (-4, 'Neg', -4, -0.5, '-4')",
  "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 200) INSERT INTO post SELECT value, (value % 3) + 1, 'post ' || value, value * 10, value % 2 FROM s",
  "INSERT INTO big VALUES (9223372036854775807), (-9223372036854775808), (16), (255), (1000)",
];

const CORPUS: Case[] = [
  // TypeORM's findOneBy and relation loads.
  {
    sql: 'SELECT "Author"."id" AS "Author_id", "Author"."name" AS "Author_name" FROM "author" "Author" WHERE (("Author"."id" = 1)) LIMIT 1',
    normalised: true,
  },
  {
    sql: 'SELECT "Post"."id" AS "Post_id", "Post"."authorId" AS "Post_authorId" FROM "post" "Post" WHERE "Post"."authorId" IN (1, 2, 3) ORDER BY "Post"."id" LIMIT 20',
    normalised: true,
  },
  {
    sql: 'SELECT "a"."id", "p"."title" FROM "author" "a" LEFT JOIN "post" "p" ON "p"."authorId" = "a"."id" AND "p"."views" > 1500 WHERE "a"."id" IN (1, 2) ORDER BY "p"."id"',
    normalised: true,
  },
  // Comparisons, LIMIT / OFFSET, HAVING, with the caller's own placeholders.
  { sql: "SELECT id, name FROM author WHERE id = ? AND age > 30 ORDER BY id", params: [2], normalised: true },
  {
    sql: "SELECT id FROM post WHERE views >= 100 AND views <= ? ORDER BY id LIMIT 5 OFFSET 2",
    params: [900],
    normalised: true,
  },
  { sql: "SELECT id FROM post ORDER BY id LIMIT 3, 4", normalised: true },
  {
    sql: "SELECT authorId, count(*) AS n FROM post GROUP BY authorId HAVING count(*) > 66 ORDER BY 1",
    normalised: true,
  },
  { sql: "SELECT id FROM post WHERE id IN (SELECT id FROM post WHERE views = 500 LIMIT 1)", normalised: true },
  // Negative numbers, and arithmetic left as written.
  { sql: "SELECT id, name FROM author WHERE id = -4", normalised: true },
  { sql: "SELECT id FROM author WHERE age > -5 ORDER BY id", normalised: true },
  { sql: "SELECT id FROM post ORDER BY id LIMIT -1 OFFSET 198", normalised: true },
  { sql: "SELECT id FROM author WHERE id = 5 - 4", normalised: false },
  // Where a number is a column position or names a column: never.
  { sql: "SELECT name, id FROM author ORDER BY 2 DESC", normalised: false },
  { sql: "SELECT authorId, sum(views) FROM post GROUP BY 1 ORDER BY 2", normalised: false },
  { sql: "SELECT 1, 2 + 3, id = 1, 'x' FROM author ORDER BY id", normalised: false },
  { sql: "SELECT CASE WHEN age > 40 THEN 1 ELSE 0 END FROM author ORDER BY id", normalised: false },
  {
    sql: "SELECT id, CASE WHEN age > 40 THEN 'old' ELSE 'young' END AS band FROM author WHERE CASE WHEN id = 1 THEN 1 ELSE 0 END = 1",
    normalised: true,
  },
  { sql: "SELECT (SELECT count(*) FROM post WHERE authorId = 1) FROM author WHERE id = 2", normalised: true },
  // Hex, floats, exponents and numbers beyond i64 stay as written.
  { sql: "SELECT n FROM big WHERE n = 0x10", normalised: false },
  { sql: "SELECT n FROM big WHERE n = 255.0", normalised: false },
  { sql: "SELECT n FROM big WHERE n = 1e3", normalised: false },
  { sql: "SELECT n FROM big WHERE n = 9223372036854775807", normalised: true },
  { sql: "SELECT n FROM big WHERE n = -9223372036854775808", normalised: false },
  { sql: "SELECT n FROM big WHERE n < 9223372036854775808 ORDER BY n", normalised: false },
  // BETWEEN (TypeORM's Between): both bounds bound; a bound that is an expression stays as written.
  {
    sql: 'SELECT "Post"."id", "a"."name" FROM "post" "Post" LEFT JOIN "author" "a" ON "a"."id" = "Post"."authorId" WHERE "Post"."id" BETWEEN 11 AND 60 ORDER BY "Post"."id" ASC',
    normalised: true,
  },
  { sql: "SELECT id FROM author WHERE age NOT BETWEEN -5 AND 40 ORDER BY id", normalised: true },
  { sql: "SELECT id FROM post WHERE id BETWEEN 3 AND 2 + 5 ORDER BY id", normalised: true },
  { sql: "SELECT id FROM author WHERE code BETWEEN 1 AND 3 ORDER BY id", normalised: true },
  { sql: "SELECT id, age BETWEEN 30 AND 40 AS thirties FROM author ORDER BY id", normalised: false },
  // Affinity: a TEXT column compared with an integer, and LIKE.
  { sql: "SELECT id FROM author WHERE code = 10", normalised: true },
  { sql: "SELECT id FROM author WHERE code LIKE '1%' ORDER BY id", normalised: false },
  { sql: "SELECT id FROM author WHERE code LIKE 1 ORDER BY id", normalised: false },
  // An index on an expression that only the literal matches: the plan check refuses the shape.
  // (A partial index is matched by a bound value too: SQLite prepares such a statement again
  // when the value changes, so its plan follows the value.)
  { sql: "SELECT views FROM post WHERE flag = 1 AND views > 1900", normalised: true },
  { sql: "SELECT views FROM post WHERE flag = 0 AND views > 1900", normalised: true },
  { sql: "SELECT id FROM author WHERE (age > 40) = 1", normalised: false },
  // The same index on an expression still serves the normalised form here: it runs normalised.
  { sql: "SELECT id FROM author WHERE age + 1 = 37", normalised: true },
  // Strings, identifiers and comments are never looked into.
  { sql: "SELECT id FROM author WHERE name = 'id = 1' OR \"id\" = 2 -- = 3", normalised: true },
  // Writes. TypeORM writes the numbers it stores into SET and VALUES.
  { sql: "UPDATE post SET views = views + 1 WHERE id = 7", normalised: true },
  { sql: 'UPDATE "author" SET "age" = 50, "score" = 3 WHERE "id" = 2 RETURNING "age", 1 AS one', normalised: true },
  { sql: "UPDATE author SET age = -7 WHERE id = -4", normalised: true },
  { sql: 'INSERT INTO "big"("n") VALUES (77), (-78), (9223372036854775807) RETURNING "n"', normalised: true },
  { sql: "INSERT INTO big VALUES (abs(-5))", normalised: false },
  { sql: "INSERT INTO big (n) VALUES (12)", normalised: true },
  { sql: "SELECT column1, column2 FROM (VALUES (1, 2), (3, 4)) ORDER BY 1", normalised: true },
  { sql: "DELETE FROM post WHERE id = 1000", normalised: true },
  { sql: "DELETE FROM post WHERE id = 1001 RETURNING id = 1", normalised: true },
  // Errors must be the same.
  { sql: "SELECT id FROM author WHERE nope = 1", normalised: false, unprepared: true },
  { sql: "SELECT id FROM author WHERE id = ? AND age = 1", params: [], normalised: false },
  { sql: "SELECT id FROM author WHERE id = ? AND age = 1", params: [1, 2], normalised: false },
  { sql: "UPDATE author SET name = NULL WHERE id = 1", normalised: true },
  { sql: "SELECT n FROM big WHERE n > 1000 ORDER BY n", normalised: true },
  // Named and numbered placeholders: left alone.
  { sql: "SELECT id FROM author WHERE id = :id AND age > 1", params: { id: 1 }, normalised: false },
  { sql: "SELECT id FROM author WHERE id = ?1 AND age > 1", params: [1], normalised: false },
  // DDL and pragmas.
  { sql: "PRAGMA user_version = 3", normalised: false },
  { sql: "CREATE TEMP VIEW v AS SELECT id FROM author WHERE id = 1", normalised: false },
];

type Outcome =
  | { columns: string[]; columnTypes: (string | null)[]; rows: unknown[]; rowsAffected: number }
  | { code: string; message: string };

async function outcome(connection: LibSqlConnection, c: Case): Promise<Outcome> {
  try {
    const r = await connection.execute(c.sql, c.params, { intMode: "bigint" });
    return { columns: r.columns, columnTypes: r.columnTypes, rows: r.rows, rowsAffected: r.rowsAffected };
  } catch (error) {
    if (!(error instanceof LibSqlError)) throw error;
    return { code: error.code, message: error.message };
  }
}

async function held(connection: LibSqlConnection): Promise<string[]> {
  const r = await connection.query<{ sql: string }>("SELECT sql FROM sqlite_stmt");
  return r.rows.map((row) => row.sql);
}

describe("the statement cache sees through integer literals (differential corpus)", () => {
  let on: LibSqlConnection;
  let off: LibSqlConnection;

  before(async () => {
    const path = tempDbPath();
    on = await LibSqlConnection.open({ url: path });
    off = await LibSqlConnection.open({ url: path, normaliseLiterals: false });
    for (const sql of [...SCHEMA, ...DATA]) await on.execute(sql);
  });

  after(async () => {
    await on?.close();
    await off?.close();
  });

  for (const c of CORPUS) {
    it(`${c.normalised ? "binds" : "leaves"} the literals of: ${c.sql}`, async () => {
      for (let round = 0; round < 2; round += 1) {
        // Writes run on one connection and then the other: each sees the database as it was.
        const written = await outcome(off, c);
        const normalised = await outcome(on, c);
        expect(normalised, `round ${round}`).to.deep.equal(written);
      }
      if (c.unprepared) return;
      const statements = await held(on);
      expect(statements.includes(c.sql), "the statement as written is the one prepared").to.equal(!c.normalised);
    });
  }

  it("keeps the statement as written when normaliseLiterals is false", async () => {
    const sql = "SELECT id FROM author WHERE id = 2";
    await off.execute(sql);
    expect(await held(off)).to.include(sql);
  });

  it("serves every id from one prepared statement", async () => {
    for (let id = 1; id <= 50; id += 1) {
      const r = await on.query(`SELECT id, title FROM post WHERE id = ${id}`);
      expect(r.rows).to.deep.equal([{ id, title: `post ${id}` }]);
    }
    const statements = (await held(on)).filter((sql) => sql.startsWith("SELECT id, title FROM post WHERE id ="));
    expect(statements).to.deep.equal(["SELECT id, title FROM post WHERE id = ?"]);
  });

  it("refuses a normaliseLiterals that is not a boolean", async () => {
    const failed = await LibSqlConnection.open({ url: ":memory:", normaliseLiterals: "yes" as never }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).to.be.instanceOf(LibSqlError);
    expect((failed as Error).message).to.match(/normaliseLiterals/);
  });
});
