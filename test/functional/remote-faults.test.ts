/**
 * Faults of a server, on sqld instances this suite starts (and kills): a primary killed in the
 * middle of transactions (their COMMITs reject, nothing is half applied, and after a restart every
 * pooled connection works at once: none is handed out dead or with a stale stream), and more
 * concurrent transactions than the server accepts connections for, which queue rather than fail.
 */
import { expect } from "chai";
import { setTimeout as sleep } from "timers/promises";
import { LibSqlDataSource, LibSqlError } from "../../src";
import { Entry } from "./entity/ledger";
import { turns, until } from "../support/signals";
import { RecordingLogger, tempDatabase } from "./support/databases";
import { failureOf } from "../support/errors";
import { skipWithoutSqld, SqldServer } from "../support/sqld";

const POOL_SIZE = 3;

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
     * written two rows (the others wait on the server for its write lock, their first request in
     * flight). Returns how the first one failed, and how many of the others committed: a waiting
     * one may fail, or begin only after the fault and commit whole.
     */
    async function transactionsAcross(fault: () => Promise<void>): Promise<{ first: LibSqlError; committed: number }> {
      const firstWrote = gate();
      const release = gate();
      const logger = new RecordingLogger();
      dataSource.setOptions({ logger });
      const outcomes = Array.from({ length: POOL_SIZE }, (_, i) =>
        dataSource
          .transaction(async (manager) => {
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 1 });
            await manager.getRepository(Entry).insert({ owner: `t${i}`, amount: 2 });
            firstWrote.open();
            await release.opened;
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          ),
      );
      await firstWrote.opened;
      // Not a fixed wait: every other transaction has sent its first insert (with its BEGIN) once
      // TypeORM has logged it; on the server it then waits for the first one's write lock.
      const inserts = () => logger.queries().filter((q) => q.startsWith("INSERT")).length;
      await until(() => inserts() >= POOL_SIZE + 1, "every transaction's first insert");
      await turns();
      await fault();
      release.open();
      const settled = await Promise.all(outcomes);
      const failures = settled.filter((outcome) => outcome !== undefined);
      expect(failures.length, "the transaction that had written before the fault commits").to.be.greaterThan(0);
      return { first: await failureOf(Promise.reject(failures[0])), committed: POOL_SIZE - failures.length };
    }

    /** Every transaction that committed did so whole; none that failed left a row. */
    async function nothingHalfApplied(committed: number): Promise<void> {
      expect(await count()).to.equal(2 * committed);
      const rows = await dataSource.getRepository(Entry).find();
      const byOwner = new Map<string, number>();
      for (const row of rows) byOwner.set(row.owner, (byOwner.get(row.owner) ?? 0) + 1);
      for (const [owner, rowsOfIt] of byOwner) expect(rowsOfIt, owner).to.equal(2);
    }

    /** Every pooled connection works on its first call: one transaction and one read each, at once. */
    async function everyConnectionWorks(rowsBefore: number): Promise<void> {
      await Promise.all(
        Array.from({ length: POOL_SIZE }, (_, i) =>
          dataSource.transaction(async (manager) => {
            await manager.getRepository(Entry).insert({ owner: `after${i}`, amount: 3 });
            await manager.getRepository(Entry).countBy({ owner: `after${i}` });
          }),
        ),
      );
      await Promise.all(Array.from({ length: POOL_SIZE }, () => dataSource.query("SELECT 1")));
      expect(await count()).to.equal(rowsBefore + POOL_SIZE);
    }

    it("rejects a COMMIT while the primary is down, applies nothing, and recovers after a restart", async () => {
      const { first, committed } = await transactionsAcross(() => server.kill());
      expect(first.code).to.equal("LIBSQL_NETWORK");
      expect(committed).to.equal(0);
      await server.restart();
      await nothingHalfApplied(0);
      await everyConnectionWorks(0);
    });

    it("rejects the rest of a transaction a restarted primary lost, applies none of it, and goes on", async () => {
      const { committed } = await transactionsAcross(async () => {
        await server.kill();
        await server.restart();
      });
      await nothingHalfApplied(committed);
      await everyConnectionWorks(2 * committed);
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
