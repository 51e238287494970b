/**
 * Round trips of a remote database, counted as HTTP requests at a loopback proxy in front of an
 * sqld this suite starts: BEGIN and SAVEPOINT travel with the statement after them, ROLLBACK TO
 * and RELEASE go together, and nothing else is sent. A `save()` is two requests, a `findOneBy`
 * one, and a `transaction()` with a rolled-back savepoint four.
 */
import { expect } from "chai";
import { LibSqlDataSource } from "../../src";
import { Entry } from "./entity/ledger";
import { skipWithoutSqld, SqldServer } from "../support/sqld";
import { TcpProxy } from "../support/proxy";

describe("remote round trips (requests counted at a proxy)", function () {
  let server: SqldServer;
  let proxy: TcpProxy;
  let dataSource: LibSqlDataSource;

  before(async function () {
    skipWithoutSqld(this, "remote round trips");
    server = await SqldServer.start();
    proxy = await TcpProxy.start(server.httpPort);
    // One pooled connection, so that no request goes to setting up another.
    dataSource = await new LibSqlDataSource({
      url: proxy.url,
      entities: [Entry],
      synchronize: true,
      poolSize: 1,
    }).initialize();
    await dataSource.getRepository(Entry).insert({ owner: "seed", amount: 0 });
  });

  after(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await proxy?.close();
    await server?.stop();
  });

  /** The HTTP requests `work` sends. */
  async function requestsOf(work: () => Promise<unknown>): Promise<number> {
    proxy.resetCount();
    await work();
    return proxy.requests;
  }

  it("saves a new entity in two requests: BEGIN with the INSERT, then COMMIT", async () => {
    const repo = dataSource.getRepository(Entry);
    for (let i = 1; i <= 3; i += 1) {
      expect(await requestsOf(() => repo.save(repo.create({ owner: `saved${i}`, amount: i })))).to.equal(2);
    }
  });

  it("finds by primary key in one request, also for SQL text it has not seen", async () => {
    const repo = dataSource.getRepository(Entry);
    for (const id of [1, 2, 3]) {
      expect(await requestsOf(() => repo.findOneBy({ id }))).to.equal(1);
    }
  });

  it("runs a transaction with a rolled-back savepoint in four requests", async () => {
    const transaction = () =>
      dataSource.transaction(async (manager) => {
        await manager.update(Entry, { id: 1 }, { amount: 5 });
        const runner = manager.queryRunner;
        if (!runner) throw new Error("transaction() gave a manager without a query runner");
        await runner.startTransaction();
        try {
          await manager.update(Entry, { id: 1 }, { amount: -1 });
        } finally {
          await runner.rollbackTransaction();
        }
      });
    expect(await requestsOf(transaction)).to.equal(4);
    expect((await dataSource.getRepository(Entry).findOneBy({ id: 1 }))?.amount).to.equal(5);
  });
});
