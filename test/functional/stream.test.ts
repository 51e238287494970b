/**
 * Streaming through native cursors: `queryRunner.stream()` and `QueryBuilder.stream()` deliver
 * 100,000 rows as an object-mode Readable with bounded buffering, and closing a stream early
 * frees its cursor and connection.
 */
import { expect } from "chai";
import type { Readable } from "stream";
import { setTimeout as sleep } from "timers/promises";
import { until } from "../support/signals";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource, nativeStats } from "../../src";
import { Entry } from "./entity/ledger";
import { openDataSource, TARGETS, skipUnavailable } from "./support/databases";

const ROWS = 100_000;

async function seed(dataSource: LibSqlDataSource): Promise<void> {
  await dataSource.query(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
     INSERT INTO "entry"("owner", "amount") SELECT 'o' || (i % 10), i FROM n`,
  );
}

for (const target of TARGETS) {
  describe(`streaming (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;

    before(async () => {
      dataSource = await openDataSource(target, { entities: [Entry], streamBatchSize: 500 });
      await seed(dataSource);
    });

    after(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    it("streams 100,000 rows from queryRunner.stream() with bounded buffering", async () => {
      const runner = dataSource.createQueryRunner();
      let ended = false;
      const stream = (await runner.stream(`SELECT id, amount FROM "entry" ORDER BY id`, [], () => {
        ended = true;
      })) as unknown as Readable;
      let count = 0;
      let sum = 0;
      let maxBuffered = 0;
      let expectedId = 1;
      for await (const row of stream as AsyncIterable<{ id: number; amount: number }>) {
        if (row.id !== expectedId) throw new Error(`row ${row.id} arrived where ${expectedId} was expected`);
        expectedId += 1;
        count += 1;
        sum += row.amount;
        maxBuffered = Math.max(maxBuffered, stream.readableLength);
        if (count % 25_000 === 0) await sleep(5); // a slow consumer must not make the stream read ahead
      }
      expect(count).to.equal(ROWS);
      expect(sum).to.equal((ROWS * (ROWS + 1)) / 2);
      expect(maxBuffered).to.be.at.most(1_000); // high-water mark (500) + one page (500)
      await sleep(0);
      expect(ended).to.equal(true);
      await runner.release();
      expect(nativeStats().cursors).to.equal(0);
    });

    it("streams raw rows from SelectQueryBuilder.stream()", async () => {
      const stream = await dataSource
        .getRepository(Entry)
        .createQueryBuilder("entry")
        .select(["entry.id", "entry.owner"])
        .where("entry.owner = :owner", { owner: "o3" })
        .orderBy("entry.id")
        .stream();
      const rows: { entry_id: number; entry_owner: string }[] = [];
      for await (const row of stream as AsyncIterable<{ entry_id: number; entry_owner: string }>) rows.push(row);
      expect(rows).to.have.length(ROWS / 10);
      expect(rows[0]).to.deep.equal({ entry_id: 3, entry_owner: "o3" });
      await sleep(0);
      expect(nativeStats().cursors).to.equal(0);
    });

    it("frees the cursor and connection when a stream is closed early", async () => {
      const stream = await dataSource.createQueryBuilder(Entry, "e").select("e.id").orderBy("e.id").stream();
      let seen = 0;
      for await (const _row of stream as AsyncIterable<unknown>) {
        seen += 1;
        if (seen === 10) break;
      }
      // The stream closes its cursor asynchronously: wait for that (bounded), not a fixed time.
      await until(() => nativeStats().cursors === 0, "the stream to close its cursor", 5_000);
      // Every pooled connection is free again: a transaction and a query still run.
      await dataSource.transaction(async (m) => m.getRepository(Entry).insert({ owner: "after", amount: 0 }));
      expect(await dataSource.getRepository(Entry).countBy({ owner: "after" })).to.equal(1);
    });

    it("lets other queries run while a stream is open", async () => {
      const stream = (await dataSource.createQueryRunner().stream(`SELECT id FROM "entry"`)) as unknown as Readable;
      const iterator = (stream as AsyncIterable<{ id: number }>)[Symbol.asyncIterator]();
      await iterator.next();
      expect(await dataSource.getRepository(Entry).countBy({ owner: "o1" })).to.equal(ROWS / 10);
      await iterator.return?.();
      // The stream closes its cursor asynchronously: wait for that (bounded), not a fixed time.
      await until(() => nativeStats().cursors === 0, "the stream to close its cursor", 5_000);
    });

    it("rejects a failing statement with a QueryFailedError", async () => {
      let failure: unknown;
      await dataSource
        .createQueryRunner()
        .stream(`SELECT nope FROM "entry"`)
        .catch((error: unknown) => {
          failure = error;
        });
      expect(failure).to.be.instanceOf(QueryFailedError);
      expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).to.equal(
        "SQLITE_ERROR",
      );
    });
  });
}
