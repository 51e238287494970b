/**
 * The inline path (see docs/execution-model.md): a statement on an idle local connection
 * runs on the JavaScript thread. These tests check behaviour, never timings: inline and off-thread
 * execution give the same results and errors; a slow read started inline hands over to the
 * blocking pool and the event loop keeps turning; a write that meets another process's lock
 * continues off the thread and commits once; a read stopped at the budget inside a transaction
 * leaves the transaction intact. The counters of `inlineStats()` show which path each call took.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import * as path from "path";
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, type IntMode } from "../../src/native";
import { tempDbPath } from "../support/tmp";

/** A read that keeps SQLite busy far longer than any budget (millions of rows). */
const slowCount = (rows: number): string =>
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) SELECT count(*) AS n FROM c`;

const SCHEMA = [
  "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, x)",
  "INSERT INTO t (i, r, s, b, x) VALUES (0, 0.5, '', x'', NULL)",
  "INSERT INTO t (i, r, s, b, x) VALUES (-9007199254740991, -1e308, 'héllo 🌍', x'00ff10', 7)",
  "INSERT INTO t (i, r, s, b, x) VALUES (9007199254740991, 1e308 * 10, 'nul' || char(0) || 'inside', zeroblob(3), 'text')",
  "INSERT INTO t (i, r, s, b, x) VALUES (9223372036854775807, -1e308 * 10, CAST(x'ff' AS TEXT), x'ffff', 2.25)",
];

/** What a call gave: its result, or its error's code and message. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await call() };
  } catch (error) {
    expect(error).to.be.instanceOf(LibSqlError);
    return { code: (error as LibSqlError).code, message: (error as LibSqlError).message };
  }
}

describe("native: inline execution", () => {
  describe("gives the same results inline and off the thread", () => {
    let inline: LibSqlConnection;
    let offThread: LibSqlConnection;

    before(async () => {
      // The largest budget: whether a write counts as short must not depend on this machine's
      // speed (writes run inline only when their measured cost is under half the budget).
      inline = await LibSqlConnection.open({ url: tempDbPath(), inlineBudgetMs: 1000 });
      offThread = await LibSqlConnection.open({ url: tempDbPath(), inlineBudgetMs: 0 });
      for (const conn of [inline, offThread]) {
        // Commits that do not wait for the disk, so that autocommit writes may run inline.
        await conn.pragma("journal_mode", "WAL");
        await conn.pragma("synchronous", "NORMAL");
        for (const sql of SCHEMA) await conn.execute(sql);
      }
    });

    after(async () => {
      await inline.close();
      await offThread.close();
    });

    /**
     * Runs `call` on both connections and expects the same outcome; the first connection's call
     * must have run inline unless `native` is false (a value refused before any native work).
     */
    async function same(call: (conn: LibSqlConnection) => Promise<unknown>, native = true): Promise<unknown> {
      const ranInline = inline.inlineStats().inline;
      const a = await outcome(() => call(inline));
      const b = await outcome(() => call(offThread));
      expect(a).to.deep.equal(b);
      if (native) expect(inline.inlineStats().inline, "the call ran inline").to.be.above(ranInline);
      return a;
    }

    const modes: IntMode[] = ["number", "bigint", "string"];

    for (const intMode of modes) {
      it(`reads every value type with intMode "${intMode}", as arrays and objects`, async () => {
        for (const where of ["id < 4", "id = 4", "1"]) {
          const sql = `SELECT id, i, r, s, b, x, typeof(x) AS tx FROM t WHERE ${where} ORDER BY id`;
          await same((c) => c.execute(sql, [], { intMode }));
          await same((c) => c.query(sql, [], { intMode }));
        }
        // Expressions: no declared types, and values of every storage class.
        await same((c) =>
          c.query("SELECT NULL AS n, 1 AS one, -0.0 AS z, 'a' AS s, x'01' AS b, 9223372036854775807 AS big", [], {
            intMode,
          }),
        );
      });
    }

    it("refuses the same integers in number mode, with the same error", async () => {
      const result = await same((c) => c.execute("SELECT i FROM t WHERE id = 4"));
      expect(result).to.have.property("code", "LIBSQL_INTEGER_OVERFLOW");
    });

    it("binds every parameter type the same way, by position and by name", async () => {
      const values = [null, 1, -2.5, 2n ** 62n, "é", new Uint8Array([1, 2]), true, Infinity];
      const positional = values.map(() => "?").join(", ");
      await same((c) => c.execute(`SELECT ${positional}`, values, { intMode: "bigint" }));
      await same((c) => c.query("SELECT :a AS a, @b AS b, $c AS c", { a: 1, b: "two", c: null }));
      await same((c) => c.execute("SELECT ?, ?", [1]));
      await same((c) => c.execute("SELECT ?", [NaN]), false);
    });

    it("reports the same counters and errors for writes, and through prepared statements", async () => {
      // A write runs inline once its history says it is short: a first run (off the thread) of each
      // statement's shape teaches it, on both connections alike.
      const teach = async (sql: string, params: (string | number)[]): Promise<void> => {
        for (const conn of [inline, offThread]) await conn.execute(sql, params);
      };
      await teach("CREATE TABLE w (id INTEGER PRIMARY KEY, v UNIQUE)", []);
      await teach("INSERT INTO w (v) VALUES (?)", ["first"]);
      await teach("INSERT INTO w (v) VALUES (?) RETURNING id, v", ["zero"]);
      await teach("UPDATE w SET v = v || '!' WHERE id > ?", [100]);
      await same((c) => c.execute("INSERT INTO w (v) VALUES (?)", ["second"]));
      await same((c) => c.query("INSERT INTO w (v) VALUES (?) RETURNING id, v", ["third"]));
      await same((c) => c.execute("INSERT INTO w (v) VALUES (?)", ["second"]));
      await same((c) => c.execute("UPDATE w SET v = v || '!' WHERE id > ?", [1]));
      await same(async (c) => {
        const stmt = await c.prepare("SELECT id, v FROM w WHERE id >= ? ORDER BY id");
        try {
          return [await stmt.query([1]), await stmt.execute([2], { intMode: "string" })];
        } finally {
          await stmt.finalize();
        }
      });
    });
  });

  it("hands a slow read over to the blocking pool: the loop keeps turning and the result is right", async function () {
    this.timeout(120_000);
    const conn = await LibSqlConnection.open({ url: tempDbPath() });
    try {
      const before = conn.inlineStats();
      const rows = 5_000_000;
      let settled = false;
      const query = conn.query<{ n: number }>(slowCount(rows)).finally(() => {
        settled = true;
      });
      // Structural, not timed: these timer callbacks run only while the JavaScript thread is free,
      // and the query (millions of rows) is still running after they have.
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          ticks++;
          if (ticks === 5) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
      expect(settled, "the read should still be running off the thread").to.equal(false);
      expect((await query).rows).to.deep.equal([{ n: rows }]);
      expect(conn.inlineStats().overBudget - before.overBudget, "stopped at the budget once").to.equal(1);
    } finally {
      await conn.close();
    }
  });

  it("keeps a transaction's earlier writes when a read in it is stopped at the budget", async function () {
    this.timeout(120_000);
    const conn = await LibSqlConnection.open({ url: tempDbPath() });
    try {
      await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      const tx = await conn.begin("immediate", { lazy: true });
      await conn.execute("INSERT INTO t (v) VALUES (?)", ["kept"]);
      const before = conn.inlineStats();
      expect((await conn.query(slowCount(2_000_000))).rows).to.deep.equal([{ n: 2_000_000 }]);
      expect(conn.inlineStats().overBudget - before.overBudget, "the read was stopped once").to.equal(1);
      expect(conn.info().autocommit, "the transaction is still open").to.equal(false);
      await tx.commit();
      expect((await conn.execute("SELECT v FROM t")).rows).to.deep.equal([["kept"]]);
    } finally {
      await conn.close();
    }
  });

  it("runs nothing inline when inlineBudgetMs is 0, or after setInlineBudget(0)", async () => {
    const off = await LibSqlConnection.open({ url: ":memory:", inlineBudgetMs: 0 });
    const on = await LibSqlConnection.open({ url: ":memory:" });
    try {
      await off.execute("SELECT 1");
      expect(off.inlineStats().inline).to.equal(0);
      await on.execute("SELECT 1");
      expect(on.inlineStats().inline).to.equal(1);
      on.setInlineBudget(0);
      await on.execute("SELECT 1");
      expect(on.inlineStats().inline).to.equal(1);
      expect(() => on.setInlineBudget(5000)).to.throw(LibSqlError, /inlineBudgetMs/);
    } finally {
      await off.close();
      await on.close();
    }
  });

  describe("a commit that waits for the disk never runs inline", () => {
    /** Runs an autocommit INSERT into `t`; whether it ran inline. */
    async function insertRanInline(conn: LibSqlConnection): Promise<boolean> {
      const before = conn.inlineStats().inline;
      await conn.execute("INSERT INTO t (v) VALUES (?)", ["x"]);
      return conn.inlineStats().inline > before;
    }
    /**
     * On a file with these settings: whether an autocommit INSERT and a transaction's COMMIT ran
     * inline, once their histories say they are short (the largest budget, so that they do
     * whatever this machine's speed).
     */
    async function ranInline(
      settings: { journal: string; synchronous: string },
      url = tempDbPath(),
    ): Promise<{ insert: boolean; commit: boolean; rollback: boolean }> {
      const conn = await LibSqlConnection.open({ url, inlineBudgetMs: 1000 });
      try {
        if (url !== ":memory:") await conn.pragma("journal_mode", settings.journal);
        await conn.pragma("synchronous", settings.synchronous);
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        const insert = (): Promise<boolean> => insertRanInline(conn);
        const end = async (how: "commit" | "rollback"): Promise<boolean> => {
          const tx = await conn.begin("immediate");
          await conn.execute("INSERT INTO t (v) VALUES (?)", ["in a transaction"]);
          const before = conn.inlineStats().inline;
          await (how === "commit" ? tx.commit() : tx.rollback());
          return conn.inlineStats().inline > before;
        };
        // Teach the histories (a write's first runs are off the thread).
        for (let i = 0; i < 3; i++) {
          await insert();
          await end("commit");
          await end("rollback");
        }
        const result = { insert: await insert(), commit: await end("commit"), rollback: await end("rollback") };
        // Nothing was lost either way: three taught rounds and the last one.
        expect((await conn.execute("SELECT count(*) FROM t")).rows[0]?.[0]).to.equal(8);
        return result;
      } finally {
        await conn.close();
      }
    }

    it("keeps commits off the thread in WAL with synchronous=FULL (SQLite's default), rollbacks inline", async () => {
      expect(await ranInline({ journal: "WAL", synchronous: "FULL" })).to.deep.equal({
        insert: false,
        commit: false,
        rollback: true,
      });
    });

    it("keeps commits and rollbacks off the thread with a rollback journal unless synchronous=OFF", async () => {
      for (const synchronous of ["NORMAL", "FULL"]) {
        expect(await ranInline({ journal: "DELETE", synchronous }), synchronous).to.deep.equal({
          insert: false,
          commit: false,
          rollback: false,
        });
      }
      expect(await ranInline({ journal: "DELETE", synchronous: "OFF" })).to.deep.equal({
        insert: true,
        commit: true,
        rollback: true,
      });
    });

    it("runs them inline in WAL with synchronous=NORMAL, and on :memory:", async () => {
      const all = { insert: true, commit: true, rollback: true };
      expect(await ranInline({ journal: "WAL", synchronous: "NORMAL" })).to.deep.equal(all);
      expect(await ranInline({ journal: "MEMORY", synchronous: "FULL" }, ":memory:")).to.deep.equal(all);
    });

    it("sees a PRAGMA synchronous run later, through any path", async () => {
      const conn = await LibSqlConnection.open({ url: tempDbPath(), inlineBudgetMs: 1000 });
      try {
        await conn.pragma("journal_mode", "WAL");
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        const insert = (): Promise<boolean> => insertRanInline(conn);
        await conn.execute("PRAGMA synchronous = NORMAL");
        for (let i = 0; i < 3; i++) await insert();
        expect(await insert(), "NORMAL: inline").to.equal(true);
        await conn.executeScript("PRAGMA synchronous = FULL;");
        expect(await insert(), "FULL: off the thread").to.equal(false);
        await conn.pragma("synchronous", "NORMAL");
        expect(await insert(), "NORMAL again: inline").to.equal(true);
      } finally {
        await conn.close();
      }
    });

    it("sees the journal mode change: NORMAL syncs outside WAL mode", async () => {
      const conn = await LibSqlConnection.open({ url: tempDbPath(), inlineBudgetMs: 1000 });
      try {
        await conn.pragma("journal_mode", "WAL");
        await conn.pragma("synchronous", "NORMAL");
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        const insert = (): Promise<boolean> => insertRanInline(conn);
        for (let i = 0; i < 3; i++) await insert();
        expect(await insert(), "WAL: inline").to.equal(true);
        await conn.execute("PRAGMA journal_mode = DELETE");
        for (let i = 0; i < 3; i++) expect(await insert(), "DELETE: off the thread").to.equal(false);
        await conn.executeScript("PRAGMA journal_mode = WAL;");
        expect(await insert(), "the first commit back in WAL mode: off the thread").to.equal(false);
        expect(await insert(), "then inline").to.equal(true);
        expect((await conn.execute("SELECT count(*) FROM t")).rows[0]?.[0]).to.equal(9);
      } finally {
        await conn.close();
      }
    });
  });

  describe("a write that meets another process's lock", () => {
    let child: ChildProcessWithoutNullStreams | undefined;

    afterEach(() => {
      child?.kill();
      child = undefined;
    });

    it("continues off the thread on SQLITE_BUSY and commits exactly once", async function () {
      this.timeout(60_000);
      const file = tempDbPath();
      // The largest budget, so that the write counts as short however fast this machine is.
      const conn = await LibSqlConnection.open({ url: file, inlineBudgetMs: 1000 });
      try {
        await conn.pragma("journal_mode", "WAL");
        await conn.pragma("synchronous", "NORMAL"); // its commit does not wait for the disk
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        // The write's first runs teach its history that it is short, so the next one goes inline.
        for (let i = 0; i < 3; i++) await conn.execute("INSERT INTO t (v) VALUES (?)", ["warm-up"]);
        await conn.execute("DELETE FROM t");

        const holder = path.join(__dirname, "..", "support", "lock-holder.ts");
        const started = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", holder, file], {
          stdio: ["pipe", "pipe", "pipe"],
        });
        child = started;
        await new Promise<void>((resolve, reject) => {
          let out = "";
          started.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("locked")) resolve();
          });
          started.once("exit", (code) => reject(new Error(`the lock holder exited early (${code})`)));
        });

        const before = conn.inlineStats();
        let settled = false;
        const insert = conn.execute("INSERT INTO t (v) VALUES (?)", ["parent"]).finally(() => {
          settled = true;
        });
        // The other process holds the lock until told to let go: the insert cannot finish yet.
        await new Promise<void>((resolve) => setImmediate(resolve));
        expect(settled, "the insert waits for the other process").to.equal(false);
        expect(conn.inlineStats().busy - before.busy, "the inline attempt met SQLITE_BUSY").to.equal(1);
        const exited = new Promise<number | null>((resolve) => started.once("exit", resolve));
        started.stdin.write("commit\n");
        const result = await insert;
        expect(result.rowsAffected).to.equal(1);
        expect(await exited).to.equal(0);
        expect((await conn.execute("SELECT v, count(*) FROM t GROUP BY v ORDER BY v")).rows).to.deep.equal([
          ["child", 1],
          ["parent", 1],
        ]);
      } finally {
        await conn.close();
      }
    });
  });
});
