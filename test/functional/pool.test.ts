/**
 * The connection pool at its limit, on a file and on a server: with every connection held, a
 * transaction waits and fails after `acquireTimeoutMs` with `LIBSQL_POOL_TIMEOUT` (and runs once a
 * connection is free); `acquireTimeoutMs: 0` waits without a limit; `destroy()` fails every lease
 * still waiting with `LIBSQL_POOL_CLOSED`.
 */
import { expect } from "chai";
import type { QueryRunner } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { failureOf } from "../support/errors";
import { tracked, turns } from "../support/signals";
import { Entry } from "./entity/ledger";
import { openDataSource, skipUnavailable } from "./support/databases";

for (const target of ["file", "remote"] as const) {
  describe(`the connection pool at its limit (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource | undefined;
    let holders: QueryRunner[] = [];

    afterEach(async () => {
      for (const holder of holders) if (!holder.isReleased) await holder.release();
      holders = [];
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    /** A data source with a pool of 2, both connections held by query runners. */
    async function exhausted(options: { acquireTimeoutMs: number }): Promise<LibSqlDataSource> {
      dataSource = await openDataSource(target, { entities: [Entry], poolSize: 2, ...options });
      holders = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
      for (const holder of holders) await holder.connect(); // each keeps its connection until released
      expect(dataSource.driver.pool?.size).to.equal(2);
      return dataSource;
    }

    it("makes a transaction wait for a connection, fails it after acquireTimeoutMs, and runs the next once one is free", async () => {
      const source = await exhausted({ acquireTimeoutMs: 200 });
      const started = Date.now();
      const failure = await failureOf(
        source.transaction((m) => m.getRepository(Entry).insert({ owner: "x", amount: 1 })),
      );
      const elapsed = Date.now() - started;
      expect(failure.code).to.equal("LIBSQL_POOL_TIMEOUT");
      expect(failure.message).to.match(/within 200 ms \(pool size 2\)/);
      expect(elapsed, `failed after ${elapsed} ms`).to.be.at.least(190).and.below(1_200);
      // A query outside a transaction waits for a connection too.
      expect((await failureOf(source.query("SELECT 1"))).code).to.equal("LIBSQL_POOL_TIMEOUT");

      await holders[0].release();
      await source.transaction((m) => m.getRepository(Entry).insert({ owner: "after", amount: 2 }));
      expect(await source.getRepository(Entry).count()).to.equal(1);
    });

    it("waits without a limit with acquireTimeoutMs: 0", async () => {
      const source = await exhausted({ acquireTimeoutMs: 0 });
      const waiting = tracked(source.transaction((m) => m.getRepository(Entry).insert({ owner: "late", amount: 3 })));
      // Far longer than the shortest timeout a pool could have; it is still waiting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(waiting.settled(), "the transaction still waits").to.equal(false);
      await holders[1].release();
      await waiting.promise;
      expect(await source.getRepository(Entry).count()).to.equal(1);
    });

    it("fails the leases still waiting with LIBSQL_POOL_CLOSED when the data source is destroyed", async () => {
      const source = await exhausted({ acquireTimeoutMs: 0 });
      const waiting = [
        tracked(source.transaction((m) => m.getRepository(Entry).insert({ owner: "never", amount: 4 }))),
        tracked(source.query("SELECT 1")),
        tracked(source.createQueryRunner().connect()),
      ];
      await turns();
      expect(waiting.map((w) => w.settled())).to.deep.equal([false, false, false]);
      await source.destroy();
      for (const w of waiting) expect((await failureOf(w.promise)).code).to.equal("LIBSQL_POOL_CLOSED");
      // Nothing was written, and the data source can be initialised again.
      await source.initialize();
      expect(await source.getRepository(Entry).count()).to.equal(0);
    });
  });
}
