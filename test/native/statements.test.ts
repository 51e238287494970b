/**
 * Prepared statements, batches and scripts: statement reuse without re-preparing, introspection,
 * all-or-nothing batches, and the handle errors of finalized statements.
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, nativeStats } from "../../src/native";
import { codeOf } from "../support/errors";
import { probeExtension } from "../support/extension";

describe("native: statements and batches", () => {
  let conn: LibSqlConnection;

  beforeEach(async () => {
    conn = await LibSqlConnection.open({ url: ":memory:" });
    await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, n INTEGER)");
  });

  afterEach(async () => {
    await conn.close();
  });

  it("introspects columns, declared types and parameters", async () => {
    const stmt = await conn.prepare("SELECT id, v AS value, n + 1 AS next FROM t WHERE id > :min AND v <> ?");
    const info = stmt.info();
    expect(info.columns).to.deep.equal(["id", "value", "next"]);
    expect(info.columnTypes.slice(0, 2)).to.deep.equal(["INTEGER", "TEXT"]);
    expect(info.parameterCount).to.equal(2);
    expect(info.parameterNames[0]).to.equal(":min");
    expect(info.parameterNames[1] ?? null).to.equal(null);
    await stmt.finalize();
  });

  it("runs one prepared statement 10,000 times without preparing it again", async function () {
    // The probe extension counts the statements SQLite compiles that touch the table probe_t.
    await conn.loadExtension(probeExtension(this));
    await conn.execute("CREATE TABLE probe_t (v TEXT UNIQUE, n INTEGER)");
    const compiles = async () => Number((await conn.execute("SELECT probe_compiles()")).rows[0][0]);
    const insert = await conn.prepare("INSERT INTO probe_t (v, n) VALUES (?, ?)");
    const afterPrepare = await compiles();
    expect(afterPrepare, "preparing compiles the statement").to.be.greaterThan(0);
    const tx = await conn.begin("immediate");
    for (let i = 0; i < 10_000; i++) {
      const result = await insert.execute([`v${i}`, i]);
      expect(result.rowsAffected).to.equal(1);
    }
    await tx.commit();
    expect(await compiles(), "10,000 runs compiled nothing again").to.equal(afterPrepare);
    await insert.finalize();
    const select = await conn.prepare("SELECT n FROM probe_t WHERE v = ?");
    const afterSelect = await compiles();
    for (const i of [0, 4999, 9999]) {
      expect((await select.execute([`v${i}`])).rows).to.deep.equal([[i]]);
    }
    expect(await compiles()).to.equal(afterSelect);
    expect((await conn.execute("SELECT count(*), sum(n) FROM probe_t")).rows[0]).to.deep.equal([10_000, 49_995_000]);
    await select.finalize();
  });

  it("refuses a finalized statement, and frees statements when the connection closes", async () => {
    const stmt = await conn.prepare("SELECT 1");
    await stmt.finalize();
    expect(await codeOf(stmt.execute())).to.equal("LIBSQL_INVALID_HANDLE");
    expect(await codeOf(stmt.finalize())).to.equal("LIBSQL_INVALID_HANDLE");
    const other = await LibSqlConnection.open({ url: ":memory:" });
    const before = nativeStats().statements;
    const left = await other.prepare("SELECT 1");
    expect(nativeStats().statements).to.equal(before + 1);
    await other.close();
    expect(nativeStats().statements).to.equal(before);
    expect(await codeOf(left.execute())).to.equal("LIBSQL_INVALID_HANDLE");
    expect(await codeOf(other.execute("SELECT 1"))).to.equal("LIBSQL_INVALID_HANDLE");
  });

  it("applies a transactional batch entirely", async () => {
    const results = await conn.batch([
      { sql: "INSERT INTO t (v) VALUES (?)", params: ["a"] },
      { sql: "INSERT INTO t (v) VALUES (:v)", params: { v: "b" } },
      { sql: "SELECT count(*) AS c FROM t" },
    ]);
    expect(results).to.have.length(3);
    expect(results[2].rows).to.deep.equal([{ c: 2 }]);
  });

  it("rolls back a failing transactional batch entirely, and the connection stays usable", async () => {
    await conn.execute("INSERT INTO t (v) VALUES ('existing')");
    try {
      await conn.batch([
        { sql: "INSERT INTO t (v) VALUES ('new1')" },
        { sql: "INSERT INTO t (v) VALUES ('new2')" },
        { sql: "INSERT INTO t (v) VALUES ('existing')" },
      ]);
      expect.fail("the batch should fail");
    } catch (error) {
      expect((error as LibSqlError).code).to.equal("SQLITE_CONSTRAINT_UNIQUE");
      expect((error as LibSqlError).message).to.contain("batch statement 3 of 3");
    }
    expect((await conn.execute("SELECT v FROM t")).rows).to.deep.equal([["existing"]]);
    expect(conn.info().autocommit).to.equal(true);
  });

  it("nests a transactional batch inside an open transaction with a savepoint", async () => {
    const tx = await conn.begin();
    await conn.execute("INSERT INTO t (v) VALUES ('outer')");
    expect(
      await codeOf(
        conn.batch([{ sql: "INSERT INTO t (v) VALUES ('x')" }, { sql: "INSERT INTO t (v) VALUES ('outer')" }]),
      ),
    ).to.equal("SQLITE_CONSTRAINT_UNIQUE");
    await tx.commit();
    expect((await conn.execute("SELECT v FROM t")).rows).to.deep.equal([["outer"]]);
  });

  it("keeps earlier statements of a non-transactional batch", async () => {
    expect(
      await codeOf(
        conn.batch([{ sql: "INSERT INTO t (v) VALUES ('a')" }, { sql: "INSERT INTO t (v) VALUES ('a')" }], {
          transactional: false,
        }),
      ),
    ).to.equal("SQLITE_CONSTRAINT_UNIQUE");
    expect((await conn.execute("SELECT v FROM t")).rows).to.deep.equal([["a"]]);
  });

  it("runs SQL scripts, transactionally when asked", async () => {
    await conn.executeScript("CREATE TABLE s (x); INSERT INTO s VALUES (1); INSERT INTO s VALUES (2);");
    expect((await conn.execute("SELECT count(*) FROM s")).rows[0][0]).to.equal(2);
    expect(
      await codeOf(
        conn.executeScript("INSERT INTO s VALUES (3); INSERT INTO nope VALUES (4);", { transactional: true }),
      ),
    ).to.equal("SQLITE_ERROR");
    expect((await conn.execute("SELECT count(*) FROM s")).rows[0][0]).to.equal(2);
  });

  it("gives constraint, syntax and type errors their SQLite codes", async () => {
    await conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    await conn.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES parent(id))");
    await conn.execute("CREATE TABLE strict_t (n INTEGER CHECK (n > 0)) STRICT");
    await conn.execute("PRAGMA foreign_keys = ON");
    await conn.execute("INSERT INTO t (id, v) VALUES (1, 'a')");
    const cases: [string, string, number][] = [
      ["INSERT INTO t (v) VALUES ('a')", "SQLITE_CONSTRAINT_UNIQUE", 2067],
      ["INSERT INTO t (id, v) VALUES (1, 'b')", "SQLITE_CONSTRAINT_PRIMARYKEY", 1555],
      ["INSERT INTO child (p) VALUES (NULL)", "SQLITE_CONSTRAINT_NOTNULL", 1299],
      ["INSERT INTO child (p) VALUES (42)", "SQLITE_CONSTRAINT_FOREIGNKEY", 787],
      ["INSERT INTO strict_t VALUES (-1)", "SQLITE_CONSTRAINT_CHECK", 275],
      ["INSERT INTO strict_t VALUES ('text')", "SQLITE_CONSTRAINT_DATATYPE", 3091],
      ["SELEC 1", "SQLITE_ERROR", 1],
      ["SELECT * FROM missing_table", "SQLITE_ERROR", 1],
    ];
    for (const [sql, code, raw] of cases) {
      try {
        await conn.execute(sql);
        expect.fail(`${sql} should fail`);
      } catch (error) {
        expect(error, sql).to.be.instanceOf(LibSqlError);
        expect((error as LibSqlError).code, sql).to.equal(code);
        expect((error as LibSqlError).rawCode, sql).to.equal(raw);
      }
    }
    // After every error the connection still works.
    expect((await conn.execute("SELECT count(*) FROM t")).rows[0][0]).to.equal(1);
  });
});
