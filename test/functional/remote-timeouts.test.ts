/**
 * Timeouts of remote work, against a server that accepts connections and never answers: a TCP
 * proxy this suite controls stands in front of an sqld it started, and turns into a black hole
 * on demand. `initialize()`, a query, a transaction's statements and its COMMIT each fail with
 * `LIBSQL_TIMEOUT` (`requestTimeoutMs`, or `queryTimeoutMs` cancelling the request, or
 * `connectTimeoutMs` for a TLS handshake that never ends), each within a stated bound; a
 * transaction abandoned after a timeout or a lost server refuses its further statements
 * (`LIBSQL_TRANSACTION_STATE`) and rolls back without a request; a replica's `sync()` is bounded
 * by `requestTimeoutMs`; the pool keeps every connection, and the same data source works again
 * once the server answers.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlConnection, LibSqlDataSource, LibSqlError, nativeStats } from "../../src";
import { Entry } from "./entity/ledger";
import { tempDatabase } from "./support/databases";
import { skipWithoutSqld, SqldServer } from "../support/sqld";
import { TcpProxy } from "../support/proxy";
import { failureOf } from "../support/errors";

/**
 * The error `promise` rejects with, checking it came after `timeoutMs` and well before the
 * default timeouts could have ended it (slack for a loaded machine: 1.5 s).
 */
async function timedOut(promise: Promise<unknown>, timeoutMs: number): Promise<LibSqlError> {
  const started = Date.now();
  const error = await failureOf(promise);
  const elapsed = Date.now() - started;
  expect(error.code).to.equal("LIBSQL_TIMEOUT");
  expect(elapsed, `failed after ${elapsed} ms`)
    .to.be.at.least(timeoutMs - 20)
    .and.below(timeoutMs + 1_500);
  return error;
}

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
    const error = await timedOut(source.initialize(), 500);
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
    await timedOut(source.query("SELECT 1"), 500);
    await timedOut(source.getRepository(Entry).findOneBy({ owner: "x" }), 500);
    // The transaction's first statement (with its BEGIN) gets no answer.
    await timedOut(
      source.transaction(async (manager) => {
        await manager.getRepository(Entry).insert({ owner: "statement", amount: 1 });
      }),
      500,
    );

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
    const error = await timedOut(source.query("SELECT 1"), 300);
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
      const error = await timedOut(connection.execute("SELECT 1"), 300);
      expect(error.message).to.match(/300 ms \(connectTimeoutMs\)/);
    } finally {
      await connection.close();
    }
  });

  for (const cause of ["a timeout", "a lost server"] as const) {
    it(`abandons a transaction after ${cause}: LIBSQL_TRANSACTION_STATE after, ROLLBACK without a request, nothing committed`, async () => {
      const source = await dataSource().initialize();
      await source.query('DROP TABLE IF EXISTS "entry"');
      await source.synchronize();
      const runner = source.createQueryRunner();
      try {
        await runner.startTransaction();
        await runner.query(`INSERT INTO "entry" ("owner", "amount") VALUES ('first', 1)`);
        const insert = runner.query(`INSERT INTO "entry" ("owner", "amount") VALUES ('lost', 2)`);
        if (cause === "a timeout") {
          proxy.setBlackHole(true);
          await timedOut(insert, 500);
          proxy.setBlackHole(false);
        } else {
          await server.kill();
          expect((await failureOf(insert)).code).to.equal("LIBSQL_NETWORK");
          await server.restart();
        }
        proxy.resetCount();
        // The transaction is abandoned: its statements are refused without reaching the server
        // (sent there, they would run and commit on their own, outside the transaction).
        const late = await failureOf(runner.query(`INSERT INTO "entry" ("owner", "amount") VALUES ('late', 3)`));
        expect(late.code).to.equal("LIBSQL_TRANSACTION_STATE");
        await runner.rollbackTransaction();
        expect(proxy.requests, "requests for the late statement and the ROLLBACK").to.equal(0);
      } finally {
        await runner.release();
      }
      await writeOnceTheServerLetsGo(source);
      expect(await amounts(source)).to.deep.equal([0]);
    });
  }

  it("bounds an embedded replica's sync() by requestTimeoutMs", async () => {
    const primary = await dataSource().initialize();
    await primary.query('DROP TABLE IF EXISTS "entry"');
    await primary.synchronize();
    const replica = new LibSqlDataSource({
      url: `file:${tempDatabase("replica.db")}`,
      syncUrl: proxy.url,
      entities: [Entry],
      requestTimeoutMs: 500,
    });
    opened.push(replica);
    await replica.initialize();
    await replica.sync();
    proxy.setBlackHole(true);
    const error = await timedOut(replica.sync(), 500);
    expect(error.message).to.match(/500 ms \(requestTimeoutMs\)/);
    // Local reads go on meanwhile, and sync works again once the primary answers.
    expect(await amounts(replica)).to.deep.equal([]);
    proxy.setBlackHole(false);
    await primary.getRepository(Entry).insert({ owner: "synced", amount: 7 });
    await replica.sync();
    expect(await amounts(replica)).to.deep.equal([7]);
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
