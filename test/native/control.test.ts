/**
 * Off-loop execution and connection control: the event loop keeps running while a long query
 * runs natively, `interrupt` stops a running query, and metadata, PRAGMA and reset behave.
 */
import { expect } from "chai";
import { LibSqlConnection, LibSqlError, nativeVersions } from "../../src/native";
import { tempDbPath } from "../support/tmp";

/** A query that keeps SQLite busy for a long time (a recursive CTE over many rows). */
const SLOW_QUERY = `
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000)
  SELECT count(*) FROM c`;

describe("native: off-loop execution and control", () => {
  let conn: LibSqlConnection;

  beforeEach(async () => {
    conn = await LibSqlConnection.open({ url: ":memory:" });
  });

  afterEach(async () => {
    await conn.close();
  });

  it("keeps the event loop free while a long query runs", async function () {
    this.timeout(120_000);
    let settled = false;
    const query = conn.execute(SLOW_QUERY).finally(() => {
      settled = true;
    });
    // Structural, not timed: these callbacks can only run if the JS thread is free, and the
    // query's Promise must still be pending after they have run.
    let timerTicks = 0;
    let immediates = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        timerTicks++;
        if (timerTicks === 5) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(() => (immediates++, resolve())));
    expect(timerTicks).to.equal(5);
    expect(immediates).to.equal(5);
    expect(settled, "the query should still be running after the loop turned").to.equal(false);
    conn.interrupt();
    await query.catch(() => undefined);
    expect(settled).to.equal(true);
  });

  it("interrupts a running query with SQLITE_INTERRUPT and stays usable", async function () {
    this.timeout(120_000);
    const query = conn.execute(SLOW_QUERY);
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.interrupt();
    try {
      await query;
      expect.fail("the query should have been interrupted");
    } catch (error) {
      expect(error).to.be.instanceOf(LibSqlError);
      expect((error as LibSqlError).code).to.equal("SQLITE_INTERRUPT");
      expect((error as LibSqlError).rawCode).to.equal(9);
    }
    expect((await conn.execute("SELECT 42")).rows).to.deep.equal([[42]]);
  });

  it("reports metadata: rowid, changes, total changes, autocommit, mode", async () => {
    await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)");
    await conn.execute("INSERT INTO t (v) VALUES (1), (2), (3)");
    const info = conn.info();
    expect(info.mode).to.equal("memory");
    expect(info.lastInsertRowid).to.equal(3);
    expect(info.changes).to.equal(3);
    expect(info.totalChanges).to.be.at.least(3);
    expect(info.autocommit).to.equal(true);
    await conn.execute("INSERT INTO t (id, v) VALUES (9223372036854775807, 'max')");
    expect(conn.info().lastInsertRowid).to.equal(9223372036854775807n);
  });

  it("runs PRAGMAs with validated names and quoted values", async () => {
    await conn.pragma("foreign_keys", "OFF");
    expect(await conn.pragma("foreign_keys")).to.deep.equal([{ foreign_keys: 0 }]);
    await conn.pragma("foreign_keys", 1);
    expect(await conn.pragma("foreign_keys")).to.deep.equal([{ foreign_keys: 1 }]);
    await conn.pragma("main.cache_size", -4000);
    expect(await conn.pragma("cache_size")).to.deep.equal([{ cache_size: -4000 }]);
    for (const bad of ["foreign_keys; DROP TABLE x", "1abc", "a.b.c"]) {
      try {
        await conn.pragma(bad);
        expect.fail(`${bad} should be refused`);
      } catch (error) {
        expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_IDENTIFIER");
      }
    }
  });

  it("applies the busy timeout option on open", async () => {
    const file = tempDbPath();
    const c = await LibSqlConnection.open({ url: file, busyTimeoutMs: 1234 });
    expect(await c.pragma("busy_timeout")).to.deep.equal([{ timeout: 1234 }]);
    const d = await LibSqlConnection.open({ url: file });
    expect(await d.pragma("busy_timeout")).to.deep.equal([{ timeout: 5000 }]);
    await c.busyTimeout(10);
    expect(await c.pragma("busy_timeout")).to.deep.equal([{ timeout: 10 }]);
    const e = await LibSqlConnection.open({ url: file, busyTimeoutMs: 2345 });
    expect(await e.pragma("busy_timeout")).to.deep.equal([{ timeout: 2345 }]);
    // Connections opened from another inherit its setting (the core applies it once, on connect).
    const f = e.connectShared();
    expect(await f.pragma("busy_timeout")).to.deep.equal([{ timeout: 2345 }]);
    await c.close();
    await d.close();
    await e.close();
    await f.close();
  });

  it("resets a connection and keeps it usable", async () => {
    await conn.execute("CREATE TABLE t (x)");
    await conn.prepare("SELECT * FROM t");
    await conn.reset();
    await conn.execute("INSERT INTO t VALUES (1)");
    expect((await conn.execute("SELECT x FROM t")).rows).to.deep.equal([[1]]);
  });

  it("refuses a missing extension with a clear error", async () => {
    try {
      await conn.loadExtension("/nonexistent/extension.so");
      expect.fail("loading should fail");
    } catch (error) {
      expect(error).to.be.instanceOf(LibSqlError);
      expect((error as LibSqlError).code).to.match(/^SQLITE_ERROR/);
    }
    // Extension loading is disabled again afterwards.
    try {
      await conn.execute("SELECT load_extension('/nonexistent/extension.so')");
      expect.fail("load_extension() from SQL must stay disabled");
    } catch (error) {
      expect((error as LibSqlError).message).to.match(/not authorized/);
    }
  });

  it("refuses handles that are unknown or closed", async () => {
    const c = await LibSqlConnection.open({ url: ":memory:" });
    await c.close();
    for (const call of [() => c.execute("SELECT 1"), () => c.begin(), () => c.prepare("SELECT 1"), () => c.reset()]) {
      try {
        await call();
        expect.fail("a closed connection must be refused");
      } catch (error) {
        expect((error as LibSqlError).code).to.equal("LIBSQL_INVALID_HANDLE");
      }
    }
    expect(() => c.info())
      .to.throw(LibSqlError)
      .with.property("code", "LIBSQL_INVALID_HANDLE");
    expect(() => c.interrupt())
      .to.throw(LibSqlError)
      .with.property("code", "LIBSQL_INVALID_HANDLE");
    await c.close(); // closing twice is harmless
  });

  it("reports the libSQL engine's SQLite version", () => {
    const [addon, sqlite] = nativeVersions();
    expect(addon).to.match(/^\d+\.\d+\.\d+/);
    expect(sqlite).to.match(/^3\.\d+\.\d+/);
  });
});
