/**
 * A connection answers schema introspection from the current schema, whoever changed it: another
 * connection of the same database, another database handle on the file, or another process.
 * SQLite checks a connection's cached schema only when a statement opens a read transaction, and
 * PRAGMA index_list / index_info / foreign_key_list open none when the object they name is
 * missing from that cache, so without the native core's check they answer from a stale schema.
 */
import { execFileSync } from "child_process";
import { expect } from "chai";
import { LibSqlConnection } from "../../src/native";
import { tempDbPath } from "../support/tmp";

/** The DDL run elsewhere: a parent, and a child with a unique column, an index and a foreign key. */
const DDL = [
  `CREATE TABLE "parent" ("id" INTEGER PRIMARY KEY)`,
  `CREATE TABLE "child" ("id" INTEGER PRIMARY KEY, "code" TEXT CONSTRAINT "UQ_code" UNIQUE, "parentId" INTEGER CONSTRAINT "FK_parent" REFERENCES "parent" ("id") ON DELETE CASCADE)`,
  `CREATE INDEX "IDX_child_parent" ON "child" ("parentId")`,
];

/** Each pragma TypeORM's loadTables uses, and what it must answer after the DDL. */
const EXPECTED: [string, (rows: Record<string, unknown>[]) => unknown, unknown][] = [
  [`PRAGMA table_xinfo("child")`, (rows) => rows.map((r) => r.name), ["id", "code", "parentId"]],
  [`PRAGMA table_info("child")`, (rows) => rows.map((r) => r.name), ["id", "code", "parentId"]],
  [
    `PRAGMA index_list("child")`,
    (rows) => rows.map((r) => `${String(r.name)}:${String(r.origin)}`).sort(),
    ["IDX_child_parent:c", "sqlite_autoindex_child_1:u"],
  ],
  [`PRAGMA index_info("IDX_child_parent")`, (rows) => rows.map((r) => r.name), ["parentId"]],
  [`PRAGMA index_info("sqlite_autoindex_child_1")`, (rows) => rows.map((r) => r.name), ["code"]],
  [
    `PRAGMA foreign_key_list("child")`,
    (rows) => rows.map((r) => `${String(r.from)}->${String(r.table)}.${String(r.to)} ${String(r.on_delete)}`),
    ["parentId->parent.id CASCADE"],
  ],
];

/**
 * Runs each pragma on its own connection, as TypeORM's concurrent loadTables may: each is then the
 * first statement its connection runs after the DDL.
 */
async function introspect(readers: readonly LibSqlConnection[]): Promise<unknown[]> {
  return Promise.all(EXPECTED.map(async ([sql, pick], index) => pick((await readers[index].query(sql)).rows)));
}

const expected = EXPECTED.map(([, , answer]) => answer);

describe("native: schema introspection after DDL elsewhere", () => {
  const opened: LibSqlConnection[] = [];

  afterEach(async () => {
    for (const connection of opened.splice(0).reverse()) await connection.close().catch(() => undefined);
  });

  /** A database file, a writer, and one reader per pragma that has loaded the schema before the DDL. */
  async function openReaders(): Promise<{ file: string; readers: LibSqlConnection[]; writer: LibSqlConnection }> {
    const file = tempDbPath();
    const writer = await LibSqlConnection.open({ url: file });
    opened.push(writer);
    const readers = EXPECTED.map(() => writer.connectShared());
    opened.push(...readers);
    for (const reader of readers) {
      await reader.query(`SELECT count(*) AS n FROM sqlite_schema`);
      await reader.query(`PRAGMA index_list("child")`);
    }
    return { file, readers, writer };
  }

  it("sees DDL from another connection of the same database, for each pragma TypeORM uses", async () => {
    const { readers, writer } = await openReaders();
    for (const sql of DDL) await writer.execute(sql);
    expect(await introspect(readers)).to.deep.equal(expected);
  });

  it("sees DDL from another database handle on the same file", async () => {
    const { file, readers } = await openReaders();
    const other = await LibSqlConnection.open({ url: file });
    opened.push(other);
    for (const sql of DDL) await other.execute(sql);
    expect(await introspect(readers)).to.deep.equal(expected);
  });

  it("sees DDL from another process", async () => {
    const { file, readers } = await openReaders();
    // better-sqlite3 (a dev dependency) in a child process: a different SQLite library and process.
    const script = `const db = require("better-sqlite3")(process.argv[1]); for (const sql of JSON.parse(process.argv[2])) db.exec(sql); db.close();`;
    execFileSync(process.execPath, ["-e", script, file, JSON.stringify(DDL)], { stdio: "pipe", timeout: 30_000 });
    expect(await introspect(readers)).to.deep.equal(expected);
  });

  it("sees DDL from elsewhere inside a transaction whose first statement is the pragma", async () => {
    const { readers, writer } = await openReaders();
    for (const sql of DDL) await writer.execute(sql);
    const transactions = await Promise.all(readers.map((reader) => reader.begin("deferred", { lazy: true })));
    try {
      expect(await introspect(readers)).to.deep.equal(expected);
    } finally {
      for (const transaction of transactions) await transaction.rollback();
    }
  });

  it("sees DDL in an attached database file, with and without the schema named", async () => {
    const { file, readers, writer } = await openReaders();
    const other = `${file}.other.db`;
    for (const connection of [writer, ...readers.slice(0, 2)]) {
      await connection.execute(`ATTACH DATABASE ? AS "other"`, [other]);
      await connection.query(`SELECT count(*) AS n FROM "other".sqlite_schema`);
    }
    await writer.execute(`CREATE TABLE "other"."book" ("id" INTEGER PRIMARY KEY, "isbn" TEXT UNIQUE)`);
    const names = (rows: Record<string, unknown>[]) => rows.map((r) => r.name);
    expect(names((await readers[0].query(`PRAGMA index_list("book")`)).rows)).to.deep.equal([
      "sqlite_autoindex_book_1",
    ]);
    expect(names((await readers[1].query(`PRAGMA "other".index_info("sqlite_autoindex_book_1")`)).rows)).to.deep.equal([
      "isbn",
    ]);
  });

  it("sees DDL from elsewhere through prepared statements and cursors too", async () => {
    const { readers, writer } = await openReaders();
    const [early, late, cursorReader] = readers;
    // Prepared before the DDL, run after it (and again after more DDL).
    const prepared = await early.prepare(`PRAGMA index_list("child")`);
    for (const sql of DDL) await writer.execute(sql);
    const names = (rows: unknown[][]) => rows.map((r) => String(r[1])).sort();
    expect(names((await prepared.execute()).rows)).to.deep.equal(["IDX_child_parent", "sqlite_autoindex_child_1"]);
    await writer.execute(`CREATE INDEX "IDX_child_code" ON "child" ("code", "id")`);
    expect(names((await prepared.execute()).rows)).to.deep.equal([
      "IDX_child_code",
      "IDX_child_parent",
      "sqlite_autoindex_child_1",
    ]);
    await prepared.finalize();
    // Prepared after the DDL on a connection whose copy of the schema is stale.
    const fresh = await late.prepare(`PRAGMA foreign_key_list("child")`);
    expect((await fresh.execute()).rows).to.have.length(1);
    await fresh.finalize();
    const cursor = await cursorReader.openCursor(`PRAGMA index_info("IDX_child_code")`);
    const rows: unknown[] = [];
    for await (const row of cursor) rows.push(row.name);
    expect(rows).to.deep.equal(["code", "id"]);
  });

  it("lets DDL run on a connection with a stale schema, and the other connection then sees it", async () => {
    const { readers, writer } = await openReaders();
    const [reader] = readers;
    for (const sql of DDL) await writer.execute(sql);
    await reader.execute(`ALTER TABLE "child" RENAME TO "kid"`);
    await reader.execute(`CREATE INDEX IF NOT EXISTS "IDX_child_parent" ON "kid" ("id")`);
    expect((await writer.query(`PRAGMA index_list("kid")`)).rows.map((r) => r.name).sort()).to.deep.equal([
      "IDX_child_parent",
      "sqlite_autoindex_kid_1",
    ]);
    expect((await writer.query(`PRAGMA index_info("IDX_child_parent")`)).rows.map((r) => r.name)).to.deep.equal([
      "parentId",
    ]);
  });
});
