/**
 * Faults of a server, on sqld instances this suite starts (and kills): a primary killed in the
 * middle of transactions (their COMMITs reject, nothing is half applied, and after a restart every
 * pooled connection works at once: none is handed out dead or with a stale stream), and more
 * concurrent transactions than the server accepts connections for, which queue rather than fail.
 */
import { expect } from "chai";
import { setTimeout as sleep } from "timers/promises";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource, LibSqlError } from "../../src";
import { Entry } from "./entity/ledger";
import { tempDatabase } from "./support/databases";
import { skipWithoutSqld, SqldServer } from "../support/sqld";

const POOL_SIZE = 3;

/** The `LibSqlError` a promise rejects with (the `driverError` of a query failure). */
async function failureOf(promise: Promise<unknown>): Promise<LibSqlError> {
  try {
    await promise;
  } catch (error) {
    const cause = error instanceof QueryFailedError ? error.driverError : error;
    expect(cause).to.be.instanceOf(LibSqlError);
    return cause as LibSqlError;
  }
  throw new Error("expected the call to fail");
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

for (const mode of ["remote", "replica"] as const) {
  describe(`a primary killed mid-transaction (${mode})`, function () {
    let server: SqldServer;
    let dataSource: LibSqlDataSource;

    before(async function () {
      skipWithoutSqld(this, "server faults");
      server = await SqldServer.start();
    });

    beforeEach(async () => {
      if (!server.alive) await server.restart();
      dataSource = new LibSqlDataSource({
        ...(mode === "remote"
          ? { url: server.url }
          : { url: `file:${tempDatabase("replica.db")}`, syncUrl: server.url }),
        entities: [Entry],
        poolSize: POOL_SIZE,
        acquireTimeoutMs: 10_000,
        requestTimeoutMs: 10_000,
      });
      await dataSource.initialize();
      await dataSource.query('DROP TABLE IF EXISTS "entry"');
      await dataSource.synchronize();
    });

    afterEach(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    after(async () => {
      await server?.stop();
    });

    async function count(): Promise<number> {
      if (mode === "replica") await dataSource.sync();
      return dataSource.getRepository(Entry).count();
    }

    /**
     * Runs one transaction per pooled connection and lets `fault` happen once the first has
     * written two rows (the others wait on the server for its write lock, their BEGIN in flight);
     * returns the error each transaction failed with.
     */
    async function transactionsAcross(fault: () => Promise<void>): Promise<LibSqlError[]> {
      const firstWrote = gate();
      const release = gate();
      const failures = Array.from({ length: POOL_SIZE }, (_, i) =>
        failureOf(
          dataSource.transaction(async (manager) => {
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 1 });
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 2 });
            firstWrote.open();
            await release.opened;
          }),
        ),
      );
      await firstWrote.opened;
      // Let the other transactions' first requests reach the server.
      await sleep(200);
      await fault();
      release.open();
      return Promise.all(failures);
    }

    /** Every pooled connection works on its first call: one transaction and one read each, at once. */
    async function everyConnectionWorks(): Promise<void> {
      await Promise.all(
        Array.from({ length: POOL_SIZE }, (_, i) =>
          dataSource.transaction(async (manager) => {
            await manager.getRepository(Entry).insert({ owner: `after${i}`, amount: 3 });
            await manager.getRepository(Entry).countBy({ owner: `after${i}` });
          }),
        ),
      );
      await Promise.all(Array.from({ length: POOL_SIZE }, () => dataSource.query("SELECT 1")));
      expect(await count()).to.equal(POOL_SIZE);
    }

    it("rejects the COMMITs while the primary is down, applies nothing, and recovers after a restart", async () => {
      const errors = await transactionsAcross(() => server.kill());
      for (const error of errors) expect(error.code).to.be.oneOf(["LIBSQL_NETWORK", "LIBSQL_TRANSACTION_STATE"]);
      await server.restart();
      expect(await count()).to.equal(0);
      await everyConnectionWorks();
    });

    it("rejects the COMMITs of transactions a restarted primary lost, applies nothing, and goes on", async () => {
      const errors = await transactionsAcross(async () => {
        await server.kill();
        await server.restart();
      });
      expect(errors).to.have.length(POOL_SIZE);
      expect(await count()).to.equal(0);
      await everyConnectionWorks();
    });
  });
}

describe("more concurrent remote transactions than the server accepts connections for", function () {
  let server: SqldServer;

  before(async function () {
    skipWithoutSqld(this, "server connection limit");
    // Two connections at once; a request waits at most a second for one before a 429.
    server = await SqldServer.start({
      args: ["--max-concurrent-connections", "2", "--connection-creation-timeout-sec", "1"],
    });
  });

  after(async () => {
    await server?.stop();
  });

  it("queues them rather than failing", async () => {
    const dataSource = await new LibSqlDataSource({
      url: server.url,
      entities: [Entry],
      poolSize: 6,
      synchronize: true,
    }).initialize();
    try {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          dataSource.transaction(async (manager) => {
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 1 });
            // Each transaction holds its server connection longer than a waiting request waits.
            await sleep(600);
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 2 });
          }),
        ),
      );
      expect(await dataSource.getRepository(Entry).count()).to.equal(12);
    } finally {
      await dataSource.destroy();
    }
  });
});
