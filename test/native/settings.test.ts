/**
 * Connection settings end to end: `statementCacheSize` (a one-off statement is compiled once and
 * reused from the cache; with 0 it is compiled on every run, and results are the same) and
 * `begin("exclusive")` (other connections can neither read nor write until it ends, where an
 * immediate transaction still lets them read).
 */
import { expect } from "chai";
import { LibSqlConnection } from "../../src/native";
import { codeOf } from "../support/errors";
import { probeExtension } from "../support/extension";
import { tempDbPath } from "../support/tmp";

describe("native: statementCacheSize", () => {
  for (const [size, compiledPerRun] of [
    [64, false],
    [0, true],
  ] as const) {
    it(`with statementCacheSize ${size}, ${compiledPerRun ? "compiles a statement on every run" : "compiles it once"}`, async function () {
      const conn = await LibSqlConnection.open({ url: ":memory:", statementCacheSize: size });
      try {
        // The probe extension counts the statements SQLite compiles that touch the table probe_t.
        await conn.loadExtension(probeExtension(this));
        await conn.execute("CREATE TABLE probe_t (n INTEGER)");
        await conn.execute("INSERT INTO probe_t VALUES (1), (2), (3)");
        const compiles = async () => Number((await conn.execute("SELECT probe_compiles()")).rows[0][0]);
        const sql = "SELECT sum(n) FROM probe_t WHERE n >= ?";
        const before = await compiles();
        expect((await conn.execute(sql, [2])).rows).to.deep.equal([[5]]);
        const first = await compiles();
        const perCompile = first - before;
        expect(perCompile, "the first run compiles the statement").to.be.greaterThan(0);
        for (let i = 0; i < 5; i++) expect((await conn.execute(sql, [1])).rows).to.deep.equal([[6]]);
        expect(await compiles()).to.equal(first + (compiledPerRun ? 5 * perCompile : 0));
      } finally {
        await conn.close();
      }
    });
  }
});

describe('native: begin("exclusive")', () => {
  it("keeps other connections from reading and writing until it ends (immediate lets them read)", async () => {
    const file = tempDbPath();
    const owner = await LibSqlConnection.open({ url: file });
    // A rollback journal: in WAL mode readers never wait, so EXCLUSIVE would read as IMMEDIATE.
    await owner.execute("PRAGMA journal_mode = DELETE");
    await owner.execute("CREATE TABLE t (v TEXT)");
    await owner.execute("INSERT INTO t VALUES ('before')");
    const other = await LibSqlConnection.open({ url: file, busyTimeoutMs: 0 });
    try {
      const immediate = await owner.begin("immediate");
      await owner.execute("INSERT INTO t VALUES ('immediate')");
      expect((await other.execute("SELECT count(*) FROM t")).rows).to.deep.equal([[1]]);
      await immediate.rollback();

      const exclusive = await owner.begin("exclusive");
      expect(await codeOf(other.execute("SELECT count(*) FROM t"))).to.match(/^SQLITE_BUSY/);
      expect(await codeOf(other.execute("INSERT INTO t VALUES ('other')"))).to.match(/^SQLITE_BUSY/);
      await owner.execute("INSERT INTO t VALUES ('exclusive')");
      await exclusive.commit();
      expect((await other.execute("SELECT v FROM t ORDER BY rowid")).rows).to.deep.equal([["before"], ["exclusive"]]);
    } finally {
      await other.close();
      await owner.close();
    }
  });
});
