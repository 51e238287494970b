/**
 * What a transaction shows to TypeORM's side, as TypeORM's own SQLite runners show it, in every
 * mode: the transaction-control statements pass through `query()` between the subscribers'
 * Before… and After… transaction events (start, commit, rollback, and savepoints), and an
 * isolation level sets `PRAGMA read_uncommitted` for the transaction (on for READ UNCOMMITTED,
 * off otherwise), which the connection loses once it is back in the pool.
 */
import { expect } from "chai";
import {
  type EntitySubscriberInterface,
  EventSubscriber,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type TransactionStartEvent,
} from "typeorm";
import type { LibSqlDataSource } from "../../src";
import { Entry } from "./entity/ledger";
import { isServerTarget, openDataSource, skipUnavailable, TARGETS } from "./support/databases";

/** What happened, in order: subscriber events and the statements given to `query()`. */
const timeline: string[] = [];

@EventSubscriber()
class TransactionFlowSubscriber implements EntitySubscriberInterface {
  beforeTransactionStart(_event: TransactionStartEvent): void {
    timeline.push("beforeTransactionStart");
  }
  afterTransactionStart(_event: TransactionStartEvent): void {
    timeline.push("afterTransactionStart");
  }
  beforeTransactionCommit(_event: TransactionCommitEvent): void {
    timeline.push("beforeTransactionCommit");
  }
  afterTransactionCommit(_event: TransactionCommitEvent): void {
    timeline.push("afterTransactionCommit");
  }
  beforeTransactionRollback(_event: TransactionRollbackEvent): void {
    timeline.push("beforeTransactionRollback");
  }
  afterTransactionRollback(_event: TransactionRollbackEvent): void {
    timeline.push("afterTransactionRollback");
  }
}

/** Records every statement the runner passes to its own `query()`. */
function traceQueries(runner: QueryRunner): void {
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, ...rest: unknown[]) => {
    timeline.push(sql);
    return (query as (...args: unknown[]) => Promise<unknown>)(sql, ...rest);
  }) as QueryRunner["query"];
}

async function readUncommitted(runner: QueryRunner): Promise<number> {
  const rows = (await runner.query("PRAGMA read_uncommitted")) as { read_uncommitted: number }[];
  return rows[0].read_uncommitted;
}

for (const target of TARGETS) {
  describe(`transaction events and read_uncommitted (${target})`, () => {
    let dataSource: LibSqlDataSource;

    before(async function () {
      skipUnavailable(this, target);
      dataSource = await openDataSource(target, { entities: [Entry], subscribers: [TransactionFlowSubscriber] });
    });

    after(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    beforeEach(() => {
      timeline.length = 0;
    });

    it("passes BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, COMMIT and ROLLBACK through query() between the events", async () => {
      const runner = dataSource.createQueryRunner();
      traceQueries(runner);
      try {
        await runner.startTransaction();
        await runner.startTransaction();
        await runner.commitTransaction();
        await runner.startTransaction();
        await runner.rollbackTransaction();
        await runner.commitTransaction();
        await runner.startTransaction();
        await runner.query("INSERT INTO entry (owner, amount) VALUES ('gone', 1)");
        await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
      expect(timeline).to.deep.equal([
        "beforeTransactionStart",
        "BEGIN TRANSACTION",
        "afterTransactionStart",
        "beforeTransactionStart",
        "SAVEPOINT typeorm_1",
        "afterTransactionStart",
        "beforeTransactionCommit",
        "RELEASE SAVEPOINT typeorm_1",
        "afterTransactionCommit",
        "beforeTransactionStart",
        "SAVEPOINT typeorm_1",
        "afterTransactionStart",
        "beforeTransactionRollback",
        "ROLLBACK TO SAVEPOINT typeorm_1",
        "afterTransactionRollback",
        "beforeTransactionCommit",
        "COMMIT",
        "afterTransactionCommit",
        "beforeTransactionStart",
        "BEGIN TRANSACTION",
        "afterTransactionStart",
        "INSERT INTO entry (owner, amount) VALUES ('gone', 1)",
        "beforeTransactionRollback",
        "ROLLBACK",
        "afterTransactionRollback",
      ]);
      expect(await dataSource.getRepository(Entry).countBy({ owner: "gone" })).to.equal(0);
    });

    it("sets PRAGMA read_uncommitted for READ UNCOMMITTED and clears it for SERIALIZABLE (local databases)", async function () {
      if (isServerTarget(target)) {
        // A server refuses the pragma: the levels run without it.
        const runner = dataSource.createQueryRunner();
        traceQueries(runner);
        await runner.startTransaction("READ UNCOMMITTED");
        await runner.query("INSERT INTO entry (owner, amount) VALUES ('uncommitted', 1)");
        await runner.commitTransaction();
        await runner.release();
        expect(timeline.filter((sql) => sql.startsWith("PRAGMA"))).to.deep.equal([]);
        expect(await dataSource.getRepository(Entry).countBy({ owner: "uncommitted" })).to.equal(1);
        return;
      }
      const runner = dataSource.createQueryRunner();
      try {
        await runner.startTransaction("READ UNCOMMITTED");
        expect(await readUncommitted(runner)).to.equal(1);
        await runner.commitTransaction();
        await runner.startTransaction("SERIALIZABLE");
        expect(await readUncommitted(runner)).to.equal(0);
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
      await dataSource.transaction("READ UNCOMMITTED", async (manager) => {
        expect(await readUncommitted(manager.queryRunner as QueryRunner)).to.equal(1);
      });
    });

    // Only local databases set it (see above).
    if (!isServerTarget(target))
      it("gives the connection back to the pool without read_uncommitted", async () => {
        await dataSource.transaction("READ UNCOMMITTED", () => Promise.resolve());
        const runner = dataSource.createQueryRunner();
        try {
          expect(await readUncommitted(runner)).to.equal(0);
        } finally {
          await runner.release();
        }
      });
  });
}
