/**
 * Connection modes: local paths and `file:` URLs, `:memory:`, encryption at rest, parallel readers
 * on one file, option validation, and the remote and embedded-replica modes (against a real libSQL
 * server, sqld, that the tests start: see test/support/sqld.ts; more in remote.test.ts).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { LibSqlConnection, LibSqlError } from "../../src/native";
import { LibSqlOptionsError } from "../../src";
import { tempDbPath, tempDir } from "../support/tmp";
import { codeOf } from "../support/errors";
import { probeExtension, untilTicking } from "../support/extension";
import { TcpProxy } from "../support/proxy";
import { freePort, sharedSqld, skipWithoutSqld } from "../support/sqld";

const SLOW_READ = `
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000)
  SELECT count(probe_tick()) FROM c, t LIMIT 1`;

/** A query the server runs for several seconds (no extension there). */
const SLOW_REMOTE = `
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000)
  SELECT count(*) FROM c`;

describe("native: connection modes", () => {
  it("opens a bare path, a relative file: URL and an absolute file:/// URL", async () => {
    const dir = tempDir();
    const file = path.join(dir, "a.db");
    const viaPath = await LibSqlConnection.open({ url: file });
    await viaPath.execute("CREATE TABLE t (x)");
    await viaPath.execute("INSERT INTO t VALUES ('same file')");
    const viaUrl = await LibSqlConnection.open({ url: `file://${file}` });
    expect((await viaUrl.execute("SELECT x FROM t")).rows).to.deep.equal([["same file"]]);
    expect(viaUrl.info().mode).to.equal("local");
    const relative = path.relative(process.cwd(), file);
    const viaRelative = await LibSqlConnection.open({ url: `file:${relative}` });
    expect((await viaRelative.execute("SELECT count(*) FROM t")).rows[0][0]).to.equal(1);
    await Promise.all([viaPath.close(), viaUrl.close(), viaRelative.close()]);
  });

  it("gives each :memory: connection its own database", async () => {
    const a = await LibSqlConnection.open({ url: ":memory:" });
    await a.execute("CREATE TABLE only_here (x)");
    const b = a.connectShared();
    expect(await codeOf(b.execute("SELECT * FROM only_here"))).to.equal("SQLITE_ERROR");
    await a.close();
    await b.close();
  });

  it("shares one file between connections, with readers running in parallel in WAL mode", async function () {
    this.timeout(120_000);
    const extension = probeExtension(this);
    const file = tempDbPath();
    const writer = await LibSqlConnection.open({ url: file });
    await writer.execute("PRAGMA journal_mode = WAL");
    await writer.execute("CREATE TABLE t (x)");
    await writer.execute("INSERT INTO t VALUES (1)");
    const slowReader = writer.connectShared();
    const fastReader = await LibSqlConnection.open({ url: file });
    await slowReader.loadExtension(extension);
    await fastReader.loadExtension(extension);
    let slowDone = false;
    const slow = slowReader.execute(SLOW_READ).finally(() => (slowDone = true));
    // The slow read counts its rows through probe_tick(): once the count moves, it is running.
    await untilTicking(fastReader, "the slow read");
    // While one connection is busy reading, others read and write without waiting for it.
    expect((await fastReader.execute("SELECT count(*) FROM t")).rows[0][0]).to.equal(1);
    await writer.execute("INSERT INTO t VALUES (2)");
    expect((await fastReader.execute("SELECT count(*) FROM t")).rows[0][0]).to.equal(2);
    expect(slowDone).to.equal(false);
    slowReader.interrupt();
    expect(await codeOf(slow)).to.equal("SQLITE_INTERRUPT");
    await Promise.all([writer.close(), slowReader.close(), fastReader.close()]);
  });

  it("encrypts a database at rest, and refuses a wrong or missing key", async () => {
    const file = tempDbPath("secret.db");
    const key = "correct horse battery staple";
    const conn = await LibSqlConnection.open({ url: file, encryptionKey: key });
    await conn.execute("CREATE TABLE s (v TEXT)");
    await conn.execute("INSERT INTO s VALUES ('plaintext-marker-12345')");
    await conn.close();

    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from("SQLite format 3"))).to.equal(false);
    expect(bytes.includes(Buffer.from("plaintext-marker-12345"))).to.equal(false);

    const again = await LibSqlConnection.open({ url: file, encryptionKey: key });
    expect((await again.execute("SELECT v FROM s")).rows).to.deep.equal([["plaintext-marker-12345"]]);
    await again.close();

    for (const options of [{ url: file, encryptionKey: "wrong key" }, { url: file }]) {
      try {
        await LibSqlConnection.open(options);
        expect.fail("opening should fail");
      } catch (error) {
        expect((error as LibSqlError).code).to.equal("SQLITE_NOTADB");
        expect((error as LibSqlError).message).not.to.contain(key);
        expect((error as LibSqlError).message).not.to.contain("wrong key");
      }
    }
  });

  it("validates open options with clear errors", async () => {
    const cases: [Parameters<typeof LibSqlConnection.open>[0], string, RegExp][] = [
      [{ url: "" }, "LIBSQL_INVALID_ARGUMENT", /url or path is required/],
      [{ url: "ftp://example.org/db" }, "LIBSQL_INVALID_ARGUMENT", /unsupported URL scheme/],
      [{ url: "file:x.db?mode=ro" }, "LIBSQL_INVALID_ARGUMENT", /query parameters/],
      [{ url: ":memory:", syncUrl: "http://127.0.0.1:1" }, "LIBSQL_INVALID_ARGUMENT", /local file/],
      [{ url: "x.db", syncIntervalMs: 1000 }, "LIBSQL_INVALID_ARGUMENT", /syncUrl/],
      [{ url: "x.db", authToken: "secret-token-value" }, "LIBSQL_INVALID_ARGUMENT", /authToken/],
      [{ url: ":memory:", encryptionKey: "k" }, "LIBSQL_UNSUPPORTED", /encryption/],
      [{ url: "http://127.0.0.1:1", encryptionKey: "k" }, "LIBSQL_UNSUPPORTED", /encryption/],
      [{ url: tempDbPath(), encryptionKey: "" }, "LIBSQL_INVALID_ARGUMENT", /encryptionKey/],
      [{ url: tempDbPath(), busyTimeoutMs: -1 }, "LIBSQL_INVALID_ARGUMENT", /busyTimeoutMs/],
      [{ url: "http://127.0.0.1:1", busyTimeoutMs: 100 }, "LIBSQL_UNSUPPORTED", /own busy timeout/],
      [{ url: tempDbPath(), busyTimeout: 1 } as never, "LIBSQL_INVALID_ARGUMENT", /did you mean "busyTimeoutMs"/],
      [{ url: tempDbPath(), statementCacheSize: 1.5 }, "LIBSQL_INVALID_ARGUMENT", /statementCacheSize/],
      [
        { url: tempDbPath(), syncUrl: "http://127.0.0.1:1", syncIntervalMs: 0 },
        "LIBSQL_INVALID_ARGUMENT",
        /syncIntervalMs/,
      ],
      [{ url: tempDbPath(), syncUrl: "ftp://127.0.0.1:1" }, "LIBSQL_INVALID_ARGUMENT", /syncUrl/],
      [{ url: ":memory:", intMode: "float" as never }, "LIBSQL_INVALID_ARGUMENT", /intMode/],
    ];
    for (const [options, code, message] of cases) {
      try {
        await LibSqlConnection.open(options);
        expect.fail(`${JSON.stringify(options)} should be refused`);
      } catch (error) {
        expect(error, JSON.stringify(options)).to.be.instanceOf(LibSqlOptionsError);
        expect((error as LibSqlError).code, JSON.stringify(options)).to.equal(code);
        expect((error as LibSqlError).message).to.match(message);
        expect((error as LibSqlError).message).not.to.contain("secret-token-value");
      }
    }
  });

  it("refuses a file that is not a database", async () => {
    const file = tempDbPath("not-a-db.db");
    fs.writeFileSync(file, "this is not an SQLite database, just some text that is long enough".repeat(100));
    expect(await codeOf(LibSqlConnection.open({ url: file }))).to.equal("SQLITE_NOTADB");
  });

  it("returns a typed unsupported error for replication calls on a local database", async () => {
    const conn = await LibSqlConnection.open({ url: ":memory:" });
    expect(await codeOf(conn.sync())).to.equal("LIBSQL_UNSUPPORTED");
    expect(await codeOf(conn.syncUntil(1))).to.equal("LIBSQL_UNSUPPORTED");
    expect(await codeOf(conn.flushReplicator())).to.equal("LIBSQL_UNSUPPORTED");
    expect(await codeOf(conn.replicationIndex())).to.equal("LIBSQL_UNSUPPORTED");
    expect(() => conn.maxWriteReplicationIndex())
      .to.throw(LibSqlError)
      .with.property("code", "LIBSQL_UNSUPPORTED");
    await conn.close();
  });

  it("fails to reach a remote server that is not there with LIBSQL_NETWORK, naming the URL but not the token", async function () {
    this.timeout(30_000);
    // A port that was free a moment ago: nothing listens there. Remote connections are lazy, so
    // the first statement is what fails.
    const url = `http://127.0.0.1:${await freePort()}`;
    const conn = await LibSqlConnection.open({ url, authToken: "secret-token-value" });
    try {
      await conn.execute("SELECT 1");
      expect.fail("the remote call should fail");
    } catch (error) {
      expect(error).to.be.instanceOf(LibSqlError);
      expect((error as LibSqlError).code).to.equal("LIBSQL_NETWORK");
      expect((error as LibSqlError).message).to.contain(url);
      expect((error as LibSqlError).message).not.to.contain("secret-token-value");
    }
    expect(await codeOf(conn.sync())).to.equal("LIBSQL_UNSUPPORTED");
    // With no request in flight, interrupt() is harmless (with one, see the sqld tests below).
    expect(() => conn.interrupt()).not.to.throw();
    await conn.close();
  });

  describe("with a libSQL server (sqld)", () => {
    let url: string;

    before(async function () {
      skipWithoutSqld(this, "remote and embedded-replica modes");
      url = (await sharedSqld()).url;
    });

    it("runs statements and transactions on a remote database", async () => {
      const conn = await LibSqlConnection.open({ url });
      expect(conn.info().mode).to.equal("remote");
      await conn.execute("DROP TABLE IF EXISTS typeorm_libsql_remote");
      await conn.execute("CREATE TABLE typeorm_libsql_remote (id INTEGER PRIMARY KEY, v TEXT UNIQUE)");
      const tx = await conn.begin("immediate");
      await conn.execute("INSERT INTO typeorm_libsql_remote (v) VALUES (?)", ["a"]);
      await tx.rollback();
      await conn.execute("INSERT INTO typeorm_libsql_remote (v) VALUES (:v)", { v: "b" });
      expect((await conn.execute("SELECT v FROM typeorm_libsql_remote")).rows).to.deep.equal([["b"]]);
      expect(await codeOf(conn.execute("INSERT INTO typeorm_libsql_remote (v) VALUES ('b')"))).to.equal(
        "SQLITE_CONSTRAINT_UNIQUE",
      );
      await conn.execute("DROP TABLE typeorm_libsql_remote");
      await conn.close();
    });

    it("cancels the remote request in flight on interrupt(), with LIBSQL_TIMEOUT, and stays usable", async function () {
      this.timeout(60_000);
      // A proxy in front of the server counts the requests that reach it.
      const proxy = await TcpProxy.start(Number(new URL(url).port));
      const conn = await LibSqlConnection.open({ url: proxy.url });
      try {
        expect((await conn.execute("SELECT 1")).rows).to.deep.equal([[1]]);
        proxy.resetCount();
        const started = Date.now();
        const slow = codeOf(conn.execute(SLOW_REMOTE));
        // Not a fixed wait: the request is in flight once the proxy has passed it on.
        const deadline = Date.now() + 30_000;
        while (proxy.requests === 0 && Date.now() < deadline) await sleep(1);
        expect(proxy.requests, "the request reached the server").to.be.greaterThan(0);
        conn.interrupt();
        expect(await slow).to.equal("LIBSQL_TIMEOUT");
        // The server alone runs the query for seconds; the cancelled call returns at once.
        const elapsed = Date.now() - started;
        expect(elapsed, `returned after ${elapsed} ms`).to.be.below(2_000);
        expect((await conn.execute("SELECT 2")).rows).to.deep.equal([[2]]);
      } finally {
        await conn.close();
        await proxy.close();
      }
    });

    it("syncs an embedded replica from the primary", async () => {
      const primary = await LibSqlConnection.open({ url });
      await primary.execute("DROP TABLE IF EXISTS typeorm_libsql_replica");
      await primary.execute("CREATE TABLE typeorm_libsql_replica (v TEXT)");
      await primary.execute("INSERT INTO typeorm_libsql_replica VALUES ('from primary')");
      const replica = await LibSqlConnection.open({ url: tempDbPath("replica.db"), syncUrl: url });
      expect(replica.info().mode).to.equal("replica");
      const synced = await replica.sync();
      expect(synced.framesSynced).to.be.greaterThan(0);
      expect((await replica.execute("SELECT v FROM typeorm_libsql_replica")).rows).to.deep.equal([["from primary"]]);
      expect(await replica.replicationIndex()).to.be.a("number");
      await primary.execute("DROP TABLE typeorm_libsql_replica");
      await replica.close();
      await primary.close();
    });
  });
});
