/**
 * Transactions with ownership: begin/commit/rollback, savepoints, and the refusals (foreign,
 * unknown and finished ids; invalid savepoint names) that must change nothing. Every suite runs
 * with inline execution on (the default) and off (`inlineBudgetMs: 0`).
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, nativeBinding, wrapAsync } from "../../src/native";
import { tempDbPath } from "../support/tmp";
import { codeOf } from "../support/errors";
import { tracked, turns } from "../support/signals";

const modes = [
  { label: "inline on", mode: {} },
  { label: "inline off", mode: { inlineBudgetMs: 0 } },
];

for (const { label, mode } of modes) {
  describe(`native: transactions (${label})`, () => {
    let a: LibSqlConnection;
    let b: LibSqlConnection;

    beforeEach(async () => {
      const file = tempDbPath();
      a = await LibSqlConnection.open({ url: file, ...mode });
      b = await LibSqlConnection.open({ url: file, ...mode });
      await a.execute("PRAGMA journal_mode = WAL");
      await a.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    });

    afterEach(async () => {
      await a.close();
      await b.close();
    });

    async function values(conn = a): Promise<unknown[]> {
      return (await conn.execute("SELECT v FROM t ORDER BY id")).rows.map((r) => r[0]);
    }

    it("commits and rolls back", async () => {
      const tx = await a.begin("immediate");
      expect(a.currentTransaction()).to.equal(tx.id);
      await a.execute("INSERT INTO t (v) VALUES ('kept')");
      await tx.commit();
      expect(a.currentTransaction()).to.equal(null);
      const tx2 = await a.begin();
      await a.execute("INSERT INTO t (v) VALUES ('gone')");
      await tx2.rollback();
      expect(await values(b)).to.deep.equal(["kept"]);
      expect(a.info().autocommit).to.equal(true);
    });

    it("refuses a transaction of another connection, and changes nothing", async () => {
      const tx = await a.begin("immediate");
      await a.execute("INSERT INTO t (v) VALUES ('mine')");
      expect(await codeOf(wrapAsync(async () => nativeBinding().endTransaction(b.id, tx.id, true)))).to.equal(
        "LIBSQL_TRANSACTION_OWNERSHIP",
      );
      expect(await codeOf(wrapAsync(async () => nativeBinding().endTransaction(b.id, tx.id, false)))).to.equal(
        "LIBSQL_TRANSACTION_OWNERSHIP",
      );
      expect(await codeOf(wrapAsync(() => nativeBinding().savepoint(b.id, tx.id, "sp")))).to.equal(
        "LIBSQL_TRANSACTION_OWNERSHIP",
      );
      // Still open on its own connection, with its row.
      expect(a.currentTransaction()).to.equal(tx.id);
      expect(a.info().autocommit).to.equal(false);
      await tx.commit();
      expect(await values(b)).to.deep.equal(["mine"]);
    });

    it("refuses unknown and finished transaction ids", async () => {
      const tx = await a.begin();
      await a.execute("INSERT INTO t (v) VALUES ('x')");
      await tx.commit();
      expect(await codeOf(tx.commit())).to.equal("LIBSQL_INVALID_HANDLE");
      expect(await codeOf(tx.rollback())).to.equal("LIBSQL_INVALID_HANDLE");
      expect(await codeOf(tx.savepoint("s"))).to.equal("LIBSQL_INVALID_HANDLE");
      expect(await codeOf(wrapAsync(async () => nativeBinding().endTransaction(a.id, 987654, true)))).to.equal(
        "LIBSQL_INVALID_HANDLE",
      );
      expect(await values()).to.deep.equal(["x"]);
    });

    it("refuses a second begin on the same connection", async () => {
      const tx = await a.begin();
      expect(await codeOf(a.begin())).to.equal("LIBSQL_TRANSACTION_STATE");
      await tx.rollback();
    });

    it("keeps the outer transaction's rows when a savepoint rolls back, three deep", async () => {
      const tx = await a.begin("immediate");
      await a.execute("INSERT INTO t (v) VALUES ('outer')");
      await tx.savepoint("sp1");
      await a.execute("INSERT INTO t (v) VALUES ('one')");
      await tx.savepoint("sp2");
      await a.execute("INSERT INTO t (v) VALUES ('two')");
      await tx.savepoint("sp3");
      await a.execute("INSERT INTO t (v) VALUES ('three')");
      expect(tx.savepoints()).to.deep.equal(["sp1", "sp2", "sp3"]);
      await tx.rollbackToSavepoint("sp2");
      expect(tx.savepoints()).to.deep.equal(["sp1", "sp2"]);
      await tx.releaseSavepoint("sp2");
      await tx.releaseSavepoint("sp1");
      expect(tx.savepoints()).to.deep.equal([]);
      await tx.commit();
      expect(await values(b)).to.deep.equal(["outer", "one"]);
    });

    it("rolls back to and releases a savepoint in one call", async () => {
      const tx = await a.begin("immediate");
      await a.execute("INSERT INTO t (v) VALUES ('kept')");
      await tx.savepoint("inner");
      await a.execute("INSERT INTO t (v) VALUES ('undone')");
      await tx.rollbackToSavepoint("inner", { release: true });
      expect(tx.savepoints()).to.deep.equal([]);
      expect(await codeOf(tx.releaseSavepoint("inner"))).to.equal("LIBSQL_TRANSACTION_STATE");
      await tx.commit();
      expect(await values(b)).to.deep.equal(["kept"]);
    });

    it("refuses invalid and unknown savepoint names without touching the transaction", async () => {
      const tx = await a.begin();
      await a.execute("INSERT INTO t (v) VALUES ('safe')");
      for (const bad of ["", "1x", "x y", 'x"; DROP TABLE t; --', "sp;ROLLBACK"]) {
        expect(await codeOf(tx.savepoint(bad))).to.equal("LIBSQL_INVALID_IDENTIFIER");
      }
      expect(await codeOf(tx.releaseSavepoint("never"))).to.equal("LIBSQL_TRANSACTION_STATE");
      expect(await codeOf(tx.rollbackToSavepoint("never"))).to.equal("LIBSQL_TRANSACTION_STATE");
      await tx.commit();
      expect(await values()).to.deep.equal(["safe"]);
    });

    it("read-only transactions refuse writes and leave the connection writable afterwards", async () => {
      const tx = await a.begin("read-only");
      expect(await codeOf(a.execute("INSERT INTO t (v) VALUES ('no')"))).to.equal("SQLITE_READONLY");
      await tx.commit();
      await a.execute("INSERT INTO t (v) VALUES ('yes')");
      expect(await values()).to.deep.equal(["yes"]);
    });

    it("rolls back an open transaction when its connection closes", async () => {
      const c = await LibSqlConnection.open({
        url: (await a.pragma<{ file: string }>("database_list"))[0].file,
        ...mode,
      });
      const tx = await c.begin("immediate");
      await c.execute("INSERT INTO t (v) VALUES ('abandoned')");
      await c.close();
      expect(await values(b)).to.deep.equal([]);
      expect(await codeOf(wrapAsync(async () => nativeBinding().endTransaction(c.id, tx.id, true)))).to.equal(
        "LIBSQL_INVALID_HANDLE",
      );
      // The lock is released: another writer can proceed at once.
      await b.execute("INSERT INTO t (v) VALUES ('next')");
    });

    it("lets a second writer wait on the busy timeout instead of failing", async () => {
      const tx = await a.begin("immediate");
      await a.execute("INSERT INTO t (v) VALUES ('first')");
      const waiting = tracked(
        (async () => {
          const tx2 = await b.begin("immediate");
          await b.execute("INSERT INTO t (v) VALUES ('second')");
          await tx2.commit();
        })(),
      );
      // Not a fixed wait: b's BEGIN IMMEDIATE has been issued and cannot finish while a holds the lock.
      await turns();
      expect(waiting.settled(), "b waits for a's lock").to.equal(false);
      await tx.commit();
      await waiting.promise;
      expect(await values()).to.deep.equal(["first", "second"]);
    });

    it("fails with SQLITE_BUSY when the busy timeout runs out, and stays usable", async () => {
      await b.busyTimeout(50);
      const tx = await a.begin("immediate");
      expect(await codeOf(b.begin("immediate"))).to.equal("SQLITE_BUSY");
      await tx.commit();
      const tx2 = await b.begin("immediate");
      await tx2.commit();
    });
  });

  describe(`native: write transactions of one database queue in order (${label})`, () => {
    it("runs concurrent immediate transactions on shared connections one after another, without SQLITE_BUSY", async () => {
      const first = await LibSqlConnection.open({ url: tempDbPath(), busyTimeoutMs: 5000, ...mode });
      await first.execute("PRAGMA journal_mode = WAL");
      await first.execute("CREATE TABLE log (writer INTEGER, step INTEGER)");
      const writers = [first, ...Array.from({ length: 5 }, () => first.connectShared())];
      await Promise.all(
        writers.map(async (conn, writer) => {
          const tx = await conn.begin("immediate");
          for (let step = 0; step < 3; step++) {
            await conn.execute("INSERT INTO log VALUES (?, ?)", [writer, step]);
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          await tx.commit();
        }),
      );
      // Each transaction's rows are contiguous: no two writers interleaved.
      const rows = (await first.execute("SELECT writer FROM log ORDER BY rowid")).rows.map((r) => r[0]);
      expect(rows).to.have.length(18);
      for (let i = 0; i < rows.length; i += 3) expect(rows.slice(i, i + 3)).to.deep.equal([rows[i], rows[i], rows[i]]);
      expect(new Set(rows).size).to.equal(6);
      await Promise.all(writers.map((c) => c.close()));
    });

    it("gives up with SQLITE_BUSY after the busy timeout, and frees the slot when the holder closes", async () => {
      const holder = await LibSqlConnection.open({ url: tempDbPath(), ...mode });
      const waiter = holder.connectShared();
      await waiter.busyTimeout(50);
      const tx = await holder.begin("immediate");
      try {
        await waiter.begin("immediate");
        expect.fail("the waiter should give up");
      } catch (error) {
        expect((error as LibSqlError).code).to.equal("SQLITE_BUSY");
        // It waited in this process's writer queue, not in SQLite's busy handler.
        expect((error as LibSqlError).message).to.contain("another write transaction of this process");
      }
      // A deferred (read) transaction does not queue behind the writer.
      const reader = await waiter.begin("deferred");
      await reader.commit();
      await holder.close(); // rolls back and releases the writer slot
      const next = await waiter.begin("immediate");
      await next.commit();
      expect(tx.id).to.be.a("number");
      await waiter.close();
    });
  });

  describe(`native: lazy transactions and savepoints (${label})`, () => {
    let a: LibSqlConnection;
    let b: LibSqlConnection;

    beforeEach(async () => {
      a = await LibSqlConnection.open({ url: tempDbPath(), ...mode });
      await a.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      b = a.connectShared();
    });

    afterEach(async () => {
      await a.close();
      await b.close();
    });

    it("sends BEGIN with the first statement, and needs no SQL when nothing ran", async () => {
      const tx = await a.begin("immediate", { lazy: true });
      expect(a.currentTransaction()).to.equal(tx.id);
      expect(a.info().autocommit, "BEGIN has not run yet").to.equal(true);
      await a.execute("INSERT INTO t (v) VALUES ('in tx')");
      expect(a.info().autocommit, "BEGIN ran with the INSERT").to.equal(false);
      await tx.rollback();
      expect((await b.execute("SELECT count(*) FROM t")).rows[0][0]).to.equal(0);

      const empty = await a.begin("immediate", { lazy: true });
      await empty.commit();
      expect(a.currentTransaction()).to.equal(null);
      expect(a.info().autocommit).to.equal(true);
    });

    it("reports a failed lazy BEGIN on the first statement, and tries again with the next", async () => {
      await b.busyTimeout(30);
      const holder = await a.begin("immediate");
      const tx = await b.begin("immediate", { lazy: true });
      expect(await codeOf(b.execute("INSERT INTO t (v) VALUES ('blocked')"))).to.equal("SQLITE_BUSY");
      expect(b.info().autocommit, "nothing ran outside the transaction").to.equal(true);
      await holder.commit();
      await b.execute("INSERT INTO t (v) VALUES ('after')");
      expect(b.info().autocommit).to.equal(false);
      await tx.commit();
      expect((await a.execute("SELECT v FROM t")).rows).to.deep.equal([["after"]]);
    });

    it("sends SAVEPOINT with the next statement, and undoes an unused one without SQL", async () => {
      const tx = await a.begin("immediate", { lazy: true });
      await a.execute("INSERT INTO t (v) VALUES ('outer')");
      await tx.savepoint("unused", { lazy: true });
      await tx.rollbackToSavepoint("unused", { release: true });
      await tx.savepoint("used", { lazy: true });
      await tx.savepoint("deeper", { lazy: true });
      expect(tx.savepoints()).to.deep.equal(["used", "deeper"]);
      await a.execute("INSERT INTO t (v) VALUES ('inner')");
      await tx.rollbackToSavepoint("used", { release: true });
      expect(tx.savepoints()).to.deep.equal([]);
      await a.execute("INSERT INTO t (v) VALUES ('outer again')");
      await tx.commit();
      expect((await b.execute("SELECT v FROM t ORDER BY id")).rows).to.deep.equal([["outer"], ["outer again"]]);
    });

    it("keeps ownership checks and refusals for lazy transactions", async () => {
      const tx = await a.begin("immediate", { lazy: true });
      expect(await codeOf(wrapAsync(async () => nativeBinding().endTransaction(b.id, tx.id, true)))).to.equal(
        "LIBSQL_TRANSACTION_OWNERSHIP",
      );
      expect(await codeOf(a.begin("immediate", { lazy: true }))).to.equal("LIBSQL_TRANSACTION_STATE");
      expect(await codeOf(tx.savepoint("bad name", { lazy: true }))).to.equal("LIBSQL_INVALID_IDENTIFIER");
      await tx.rollback();
      expect(await codeOf(tx.commit())).to.equal("LIBSQL_INVALID_HANDLE");
    });
  });
}
