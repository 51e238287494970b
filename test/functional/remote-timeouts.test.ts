/**
 * Timeouts of remote work, against a server that accepts connections and never answers: a TCP
 * proxy this suite controls stands in front of an sqld it started, and turns into a black hole
 * on demand. `initialize()`, a query, a transaction's statements and its COMMIT each fail with
 * `LIBSQL_TIMEOUT` (`requestTimeoutMs`, or `queryTimeoutMs` cancelling the request, or
 * `connectTimeoutMs` for a TLS handshake that never ends); the pool keeps every connection, and
 * the same data source works again once the server answers.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlConnection, LibSqlDataSource, LibSqlError, nativeStats } from "../../src";
import { Entry } from "./entity/ledger";
import { skipWithoutSqld, SqldServer } from "../support/sqld";
import { TcpProxy } from "../support/proxy";
import { failureOf } from "../support/errors";

async function amounts(dataSource: LibSqlDataSource): Promise<number[]> {
  const rows = await dataSource.getRepository(Entry).find({ order: { amount: "ASC" } });
  return rows.map((row) => row.amount);
}

/**
 * Inserts one entry (amount 0), retrying while the server still holds an abandoned transaction's
 * write lock: at most 30 attempts or 30 s. The insert is idempotent, because an attempt that timed
 * out may still have been run by the server once it got the lock.
 */
async function writeOnceTheServerLetsGo(dataSource: LibSqlDataSource): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.query(`INSERT OR IGNORE INTO "entry" ("id", "owner", "amount") VALUES (1000, 'after', 0)`);
      return;
    } catch (error) {
      const code = error instanceof QueryFailedError ? (error.driverError as LibSqlError).code : undefined;
      const waiting = code === "LIBSQL_TIMEOUT" || code?.startsWith("SQLITE_BUSY");
      if (!waiting || attempt >= 30 || Date.now() > deadline) throw error;
    }
  }
}

describe("remote timeouts (sqld behind a proxy that can hang)", function () {
  let server: SqldServer;
  let proxy: TcpProxy;
  const opened: LibSqlDataSource[] = [];

  before(async function () {
    skipWithoutSqld(this, "remote timeouts");
    server = await SqldServer.start();
    proxy = await TcpProxy.start(server.httpPort);
  });

  afterEach(async () => {
    proxy?.setBlackHole(false);
    for (const dataSource of opened.splice(0)) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
  });

  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  function dataSource(options: { requestTimeoutMs?: number; queryTimeoutMs?: number } = {}): LibSqlDataSource {
    const created = new LibSqlDataSource({
      url: proxy.url,
      entities: [Entry],
      poolSize: 2,
      acquireTimeoutMs: 5_000,
      requestTimeoutMs: 500,
      ...options,
    });
    opened.push(created);
    return created;
  }

  it("gives initialize() LIBSQL_TIMEOUT from a server that never answers, and initializes once it does", async () => {
    proxy.setBlackHole(true);
    const source = dataSource();
    const error = await failureOf(source.initialize());
    expect(error.code).to.equal("LIBSQL_TIMEOUT");
    expect(error.message).to.match(/500 ms \(requestTimeoutMs\)/);
    expect(source.isInitialized).to.equal(false);

    proxy.setBlackHole(false);
    await source.initialize();
    expect(await source.query("SELECT 41 + 1 AS answer")).to.deep.equal([{ answer: 42 }]);
  });

  it("times out a query, a transaction's statements and its COMMIT, then works again without leaking a connection", async () => {
    const source = await dataSource().initialize();
    await source.query('DROP TABLE IF EXISTS "entry"');
    await source.synchronize();
    const before = nativeStats();

    proxy.setBlackHole(true);
    expect((await failureOf(source.query("SELECT 1"))).code).to.equal("LIBSQL_TIMEOUT");
    expect((await failureOf(source.getRepository(Entry).findOneBy({ owner: "x" }))).code).to.equal("LIBSQL_TIMEOUT");
    // The transaction's first statement (with its BEGIN) gets no answer.
    const inTransaction = await failureOf(
      source.transaction(async (manager) => {
        await manager.getRepository(Entry).insert({ owner: "statement", amount: 1 });
      }),
    );
    expect(inTransaction.code).to.equal("LIBSQL_TIMEOUT");

    // The statements are answered, the COMMIT is not.
    proxy.setBlackHole(false);
    const atCommit = await failureOf(
      source.transaction(async (manager) => {
        await manager.getRepository(Entry).insert({ owner: "commit", amount: 2 });
        proxy.setBlackHole(true);
      }),
    );
    expect(atCommit.code).to.equal("LIBSQL_TIMEOUT");
    expect(atCommit.message).to.match(/COMMIT got no answer/);

    // The server answers again: the same data source reads at once.
    proxy.setBlackHole(false);
    expect(await source.query("SELECT 1 AS one")).to.deep.equal([{ one: 1 }]);
    // Neither transaction committed.
    expect(await amounts(source)).to.deep.equal([]);
    // The server still holds the write lock of the transaction whose COMMIT it never saw, until
    // it expires that transaction (sqld: a few seconds); writes wait for that, then work.
    await writeOnceTheServerLetsGo(source);
    // As many transactions at once as the pool has connections: none waits for a lost lease.
    await Promise.all(
      [10, 11].map((amount) =>
        source.transaction(async (manager) => {
          await manager.getRepository(Entry).insert({ owner: "after", amount });
          await manager.getRepository(Entry).countBy({ owner: "after" });
        }),
      ),
    );
    expect(await amounts(source)).to.deep.equal([0, 10, 11]);
    const after = nativeStats();
    expect(after.transactions).to.equal(before.transactions);
    expect(after.connections).to.be.at.most(before.connections + 1);
  });

  it("cancels a remote statement after queryTimeoutMs, with no request timeout", async () => {
    const source = await dataSource({ requestTimeoutMs: 0, queryTimeoutMs: 300 }).initialize();
    proxy.setBlackHole(true);
    const error = await failureOf(source.query("SELECT 1"));
    expect(error.code).to.equal("LIBSQL_TIMEOUT");
    expect(error.message).to.match(/queryTimeoutMs \(300 ms\)/);
    proxy.setBlackHole(false);
    expect(await source.query("SELECT 2 AS two")).to.deep.equal([{ two: 2 }]);
  });

  it("gives up on a TLS handshake that never ends after connectTimeoutMs", async () => {
    proxy.setBlackHole(true);
    // TCP connects at once; the TLS handshake then waits for the server forever.
    const connection = await LibSqlConnection.open({
      url: `https://127.0.0.1:${proxy.port}`,
      connectTimeoutMs: 300,
      requestTimeoutMs: 0,
    });
    try {
      const error = await failureOf(connection.execute("SELECT 1"));
      expect(error.code).to.equal("LIBSQL_TIMEOUT");
      expect(error.message).to.match(/300 ms \(connectTimeoutMs\)/);
    } finally {
      await connection.close();
    }
  });

  it("validates the timeout options", async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ url: proxy.url, requestTimeoutMs: -1 }, /requestTimeoutMs/],
      [{ url: proxy.url, connectTimeoutMs: 1.5 }, /connectTimeoutMs/],
      [{ url: ":memory:", requestTimeoutMs: 1000 }, /remote databases and embedded replicas only/],
      [{ url: "file:local.db", connectTimeoutMs: 1000 }, /remote databases and embedded replicas only/],
    ];
    for (const [options, message] of refusals) {
      const error = await failureOf(new LibSqlDataSource(options).initialize());
      expect(error.code).to.equal("LIBSQL_INVALID_ARGUMENT");
      expect(error.message).to.match(message);
    }
  });
});
