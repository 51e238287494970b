/**
 * Transactions: isolated concurrent `dataSource.transaction()` calls (some of which throw),
 * savepoints nested three deep, isolation levels, writers waiting on the busy timeout, and the
 * connection pool giving each transaction its own connection. The suites run with inline
 * execution on (the default) and off (`inlineBudgetMs: 0`): the results must not differ.
 */
import * as fs from "fs";
import { expect } from "chai";
import { setTimeout as sleep } from "timers/promises";
import { QueryFailedError, TypeORMError, type EntityManager, type Logger } from "typeorm";
import { LibSqlDataSource, LibSqlQueryRunner, nativeStats } from "../../src";
import { Entry } from "./entity/ledger";
import { tracked, turns, until } from "../support/signals";
import { openDataSource, skipUnavailable, tempDatabase, TARGETS } from "./support/databases";

async function owners(dataSource: LibSqlDataSource): Promise<string[]> {
  const rows = await dataSource.getRepository(Entry).find({ order: { owner: "ASC", amount: "ASC" } });
  return rows.map((r) => `${r.owner}:${r.amount}`);
}

/** A logger that records every query's SQL. */
function queryLogger(logged: string[]): Logger {
  return {
    logQuery: (q: string) => void logged.push(q),
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
}

describe("the isolationLevel option", () => {
  it("accepts READ UNCOMMITTED as the default level of every transaction", async () => {
    const dataSource = await new LibSqlDataSource({
      url: tempDatabase(),
      entities: [Entry],
      synchronize: true,
      isolationLevel: "READ UNCOMMITTED",
    }).initialize();
    try {
      await dataSource.transaction((m) => m.getRepository(Entry).insert({ owner: "a", amount: 1 }));
      expect(await owners(dataSource)).to.deep.equal(["a:1"]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("refuses READ COMMITTED in initialize() with a TypeORMError, opening nothing", async () => {
    const file = tempDatabase();
    const dataSource = new LibSqlDataSource({ url: file, entities: [Entry], isolationLevel: "READ COMMITTED" });
    const failure = await dataSource.initialize().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(TypeORMError);
    expect((failure as Error).message).to.match(/^READ COMMITTED isolation level is not supported/);
    expect(dataSource.isInitialized).to.equal(false);
    expect(fs.existsSync(file)).to.equal(false);
  });
});

/** Inline execution on (the default) and off. */
const EXECUTION = [
  { label: "inline on", options: {} },
  { label: "inline off", options: { inlineBudgetMs: 0 } },
] as const;

for (const target of TARGETS)
  for (const execution of EXECUTION) {
    describe(`transactions (${target}, ${execution.label})`, () => {
      before(function () {
        skipUnavailable(this, target);
      });

      let dataSource: LibSqlDataSource;

      beforeEach(async () => {
        dataSource = await openDataSource(target, { entities: [Entry], ...execution.options });
      });

      afterEach(async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      });

      it("runs 12 concurrent transactions, 4 of which throw, in isolation", async () => {
        const errors: string[] = [];
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            dataSource.transaction(async (manager: EntityManager) => {
              const repo = manager.getRepository(Entry);
              await repo.insert({ owner: `t${String(i).padStart(2, "0")}`, amount: 1 });
              await sleep(5 + (i % 3) * 3);
              await repo.insert({ owner: `t${String(i).padStart(2, "0")}`, amount: 2 });
              const mine = await repo.countBy({ owner: `t${String(i).padStart(2, "0")}` });
              if (mine !== 2) throw new Error(`transaction ${i} saw ${mine} of its own rows`);
              await sleep(2);
              if (i % 3 === 1) throw new Error(`boom ${i}`);
              return i;
            }),
          ),
        );
        for (const result of results) if (result.status === "rejected") errors.push((result.reason as Error).message);
        expect(errors.sort()).to.deep.equal(["boom 1", "boom 10", "boom 4", "boom 7"]);
        const survivors = [0, 2, 3, 5, 6, 8, 9, 11].flatMap((i) => {
          const owner = `t${String(i).padStart(2, "0")}`;
          return [`${owner}:1`, `${owner}:2`];
        });
        expect(await owners(dataSource)).to.deep.equal(survivors);
        expect(nativeStats().transactions).to.equal(0);
      });

      it("keeps concurrent read-modify-write transactions serializable", async () => {
        await dataSource.getRepository(Entry).insert({ owner: "counter", amount: 0 });
        await Promise.all(
          Array.from({ length: 10 }, () =>
            dataSource.transaction(async (manager) => {
              const row = await manager.getRepository(Entry).findOneByOrFail({ owner: "counter" });
              await sleep(1);
              await manager.getRepository(Entry).update({ id: row.id }, { amount: row.amount + 1 });
            }),
          ),
        );
        expect((await dataSource.getRepository(Entry).findOneByOrFail({ owner: "counter" })).amount).to.equal(10);
      });

      it("keeps a counter exact under 8 concurrent read-modify-write transactions", async () => {
        await dataSource.getRepository(Entry).insert({ owner: "counter", amount: 0 });
        const rounds = 25;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let i = 0; i < rounds; i++) {
              await dataSource.transaction(async (manager) => {
                const repo = manager.getRepository(Entry);
                const row = await repo.findOneByOrFail({ owner: "counter" });
                await repo.update({ id: row.id }, { amount: row.amount + 1 });
              });
            }
          }),
        );
        expect((await dataSource.getRepository(Entry).findOneByOrFail({ owner: "counter" })).amount).to.equal(
          8 * rounds,
        );
      });

      it("nests savepoints three deep; an inner rollback keeps the outer work", async () => {
        const runner = dataSource.createQueryRunner();
        const repo = runner.manager.getRepository(Entry);
        try {
          await runner.startTransaction();
          await repo.insert({ owner: "level1", amount: 1 });
          await runner.startTransaction();
          await repo.insert({ owner: "level2", amount: 2 });
          await runner.startTransaction();
          await repo.insert({ owner: "level3", amount: 3 });
          await runner.startTransaction();
          await repo.insert({ owner: "level4", amount: 4 });
          await runner.rollbackTransaction(); // drops level4
          await runner.commitTransaction(); // releases level3 into level2
          await runner.startTransaction();
          await repo.insert({ owner: "level3b", amount: 5 });
          await runner.rollbackTransaction(); // drops level3b
          await runner.rollbackTransaction(); // drops level2 and level3
          expect(runner.isTransactionActive).to.equal(true);
          await runner.commitTransaction();
          expect(runner.isTransactionActive).to.equal(false);
        } finally {
          await runner.release();
        }
        expect(await owners(dataSource)).to.deep.equal(["level1:1"]);
      });

      it("nests manager.transaction() calls as savepoints", async () => {
        await dataSource.transaction(async (outer) => {
          await outer.getRepository(Entry).insert({ owner: "outer", amount: 1 });
          await outer
            .transaction(async (inner) => {
              await inner.getRepository(Entry).insert({ owner: "inner", amount: 2 });
              await inner.transaction(async (innermost) => {
                await innermost.getRepository(Entry).insert({ owner: "innermost", amount: 3 });
              });
              throw new Error("undo inner");
            })
            .catch((error: Error) => expect(error.message).to.equal("undo inner"));
          await outer.transaction(async (inner) => {
            await inner.getRepository(Entry).insert({ owner: "kept", amount: 4 });
          });
        });
        expect(await owners(dataSource)).to.deep.equal(["kept:4", "outer:1"]);
      });

      it("logs BEGIN IMMEDIATE, SAVEPOINT, RELEASE, ROLLBACK TO and COMMIT", async () => {
        const logged: string[] = [];
        dataSource.setOptions({ logger: queryLogger(logged) });
        const runner = dataSource.createQueryRunner();
        await runner.startTransaction();
        await runner.startTransaction();
        await runner.rollbackTransaction();
        await runner.startTransaction();
        await runner.commitTransaction();
        await runner.commitTransaction();
        await runner.release();
        expect(logged).to.deep.equal([
          "BEGIN IMMEDIATE TRANSACTION",
          "SAVEPOINT typeorm_1",
          "ROLLBACK TO SAVEPOINT typeorm_1",
          "RELEASE SAVEPOINT typeorm_1",
          "SAVEPOINT typeorm_1",
          "RELEASE SAVEPOINT typeorm_1",
          "COMMIT",
        ]);
      });

      it("accepts READ UNCOMMITTED and SERIALIZABLE, as TypeORM's SQLite drivers do, and runs both as BEGIN IMMEDIATE", async () => {
        const logged: string[] = [];
        dataSource.setOptions({ logger: queryLogger(logged) });
        for (const level of ["READ UNCOMMITTED", "SERIALIZABLE"] as const) {
          await dataSource.transaction(level, async (manager) => {
            await manager.getRepository(Entry).insert({ owner: level, amount: 1 });
            // A nested transaction with a level is a savepoint, as on TypeORM's SQLite drivers.
            await manager.transaction(level, (inner) => inner.getRepository(Entry).insert({ owner: level, amount: 2 }));
          });
        }
        expect(await owners(dataSource)).to.deep.equal([
          "READ UNCOMMITTED:1",
          "READ UNCOMMITTED:2",
          "SERIALIZABLE:1",
          "SERIALIZABLE:2",
        ]);
        // Local databases set read_uncommitted as TypeORM's driver does; a server refuses it.
        const local = target === "file" || target === "memory";
        expect(logged.filter((q) => /^(BEGIN|SAVEPOINT|COMMIT|PRAGMA)/.test(q))).to.deep.equal([
          "BEGIN IMMEDIATE TRANSACTION",
          ...(local ? ["PRAGMA read_uncommitted = true"] : []),
          "SAVEPOINT typeorm_1",
          "COMMIT",
          "BEGIN IMMEDIATE TRANSACTION",
          ...(local ? ["PRAGMA read_uncommitted = false"] : []),
          "SAVEPOINT typeorm_1",
          "COMMIT",
        ]);
      });

      it("never lets a READ UNCOMMITTED transaction see another transaction's uncommitted row", async () => {
        const logged: string[] = [];
        const writer = dataSource.createQueryRunner();
        await writer.startTransaction();
        await writer.manager.getRepository(Entry).insert({ owner: "uncommitted", amount: 1 });
        dataSource.setOptions({ logger: queryLogger(logged) });
        // Serializable: the reader's transaction waits for the writer's to end, then reads.
        const read = tracked(
          dataSource.transaction("READ UNCOMMITTED", (manager) => manager.getRepository(Entry).count()),
        );
        // Not a fixed wait: the reader has sent its first statement, which carries its BEGIN
        // IMMEDIATE, once TypeORM has logged it (locally the PRAGMA read_uncommitted, on a server
        // the count; on :memory:, its turn for the one connection is queued behind the writer's).
        if (target !== "memory")
          await until(
            () => logged.some((q) => /^(SELECT COUNT|PRAGMA read_uncommitted)/i.test(q)) || read.settled(),
            "the reader's first statement",
          );
        await turns();
        expect(read.settled(), "the reader waits for the writer").to.equal(false);
        await writer.rollbackTransaction();
        await writer.release();
        expect(await read.promise).to.equal(0);
      });

      it("refuses READ COMMITTED and REPEATABLE READ with TypeORM's TypeORMError, before any work", async () => {
        for (const level of ["READ COMMITTED", "REPEATABLE READ"] as const) {
          let ran = false;
          const failure = await dataSource
            .transaction(level, async () => {
              ran = true;
            })
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(failure).to.be.instanceOf(TypeORMError);
          expect((failure as Error).message).to.match(
            new RegExp(`^${level} isolation level is not supported: SQLite supports READ UNCOMMITTED and SERIALIZABLE`),
          );
          expect(ran).to.equal(false);
          const runner = dataSource.createQueryRunner();
          const refused = await runner.startTransaction(level).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(refused).to.be.instanceOf(TypeORMError);
          expect(runner.isTransactionActive).to.equal(false);
          await runner.release();
        }
        // Nothing was written, and the pool still serves transactions.
        await dataSource.transaction((m) => m.getRepository(Entry).insert({ owner: "after", amount: 1 }));
        expect(await owners(dataSource)).to.deep.equal(["after:1"]);
      });

      it("rolls back an open transaction when its runner is released", async () => {
        const runner = dataSource.createQueryRunner();
        await runner.startTransaction();
        await runner.manager.getRepository(Entry).insert({ owner: "lost", amount: 1 });
        await runner.release();
        expect(await owners(dataSource)).to.deep.equal([]);
        expect(nativeStats().transactions).to.equal(0);
        // The pool is usable afterwards.
        await dataSource.transaction(async (m) => m.getRepository(Entry).insert({ owner: "after", amount: 1 }));
        expect(await owners(dataSource)).to.deep.equal(["after:1"]);
      });

      it("gives every query runner its own connection while in a transaction", async () => {
        const logged: string[] = [];
        dataSource.setOptions({ logger: queryLogger(logged) });
        const a = dataSource.createQueryRunner() as LibSqlQueryRunner;
        const b = dataSource.createQueryRunner() as LibSqlQueryRunner;
        await a.startTransaction();
        await a.query(`INSERT INTO "entry"("owner", "amount") VALUES (?, ?)`, ["a", 1]);
        // (connect() keeps a's connection until release: on :memory:, b would then never get it)
        const aConnection = target === "memory" ? undefined : await a.connect();
        const order: string[] = [];
        const pending = tracked(
          (async () => {
            await b.startTransaction(); // :memory: has one connection: b waits for it here
            if (target !== "memory") expect(await b.connect(), "b's own connection").to.not.equal(aConnection);
            const rows = (await b.query(`SELECT owner FROM "entry"`)) as { owner: string }[]; // waits for a's lock
            order.push("b read");
            await b.commitTransaction();
            return rows.map((r) => r.owner);
          })(),
        );
        // Not a fixed wait: b is waiting once its SELECT is logged (or, on :memory:, its BEGIN's
        // turn for the one connection is queued behind a's transaction).
        if (target === "memory") await turns();
        else await until(() => logged.some((q) => q.startsWith("SELECT owner")) || pending.settled(), "b's query");
        await turns();
        expect(pending.settled(), "b waits for a").to.equal(false);
        order.push("a commits");
        await a.commitTransaction();
        expect(await pending.promise).to.deep.equal(["a"]);
        expect(order).to.deep.equal(["a commits", "b read"]);
        await a.release();
        await b.release();
      });

      it("does not let a raw BEGIN leak into other runners", async () => {
        const runner = dataSource.createQueryRunner();
        await runner.query("BEGIN");
        await runner.query(`INSERT INTO "entry"("owner", "amount") VALUES ('raw', 1)`);
        // Another query through the data source must not see or join that transaction: it runs on
        // another connection, or on :memory: (one connection) waits until the transaction ends.
        const counted = tracked(dataSource.getRepository(Entry).count());
        if (target === "memory") {
          await turns();
          expect(counted.settled(), "the count waits for the runner's connection").to.equal(false);
        } else {
          expect(await counted.promise).to.equal(0);
        }
        await runner.query("ROLLBACK");
        await runner.release();
        expect(await counted.promise).to.equal(0);
        expect(await dataSource.getRepository(Entry).count()).to.equal(0);
      });
    });
  }

for (const target of TARGETS.filter((t) => t !== "memory"))
  for (const execution of EXECUTION) {
    describe(`the connection pool (${target}, ${execution.label})`, () => {
      before(function () {
        skipUnavailable(this, target);
      });

      it("runs 10 concurrent transactions through a pool of 2 connections", async () => {
        const dataSource = await openDataSource(target, { entities: [Entry], poolSize: 2, ...execution.options });
        try {
          await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              dataSource.transaction(async (m) => {
                await m.getRepository(Entry).insert({ owner: `p${i}`, amount: i });
                await sleep(3);
              }),
            ),
          );
          expect(await dataSource.getRepository(Entry).count()).to.equal(10);
          expect(dataSource.driver.pool?.size).to.equal(2);
        } finally {
          await dataSource.destroy();
        }
      });

      it("lets readers run during a write transaction, without seeing its rows", async () => {
        const dataSource = await openDataSource(target, { entities: [Entry], ...execution.options });
        try {
          await dataSource.transaction(async (m) => {
            await m.getRepository(Entry).insert({ owner: "uncommitted", amount: 1 });
            expect(await dataSource.getRepository(Entry).count()).to.equal(0);
            expect(await m.getRepository(Entry).count()).to.equal(1);
          });
          expect(await dataSource.getRepository(Entry).count()).to.equal(1);
        } finally {
          await dataSource.destroy();
        }
      });
    });
  }

describe("the connection pool (memory)", () => {
  it("explains a query through the data source that waits for a :memory: transaction", async () => {
    const dataSource = await openDataSource("memory", { entities: [Entry], acquireTimeoutMs: 200 });
    try {
      let failure: (Error & { driverError?: { code: string } }) | undefined;
      await dataSource.transaction(async (m) => {
        await m.getRepository(Entry).insert({ owner: "inside", amount: 1 });
        await dataSource
          .getRepository(Entry)
          .count()
          .catch((error: Error) => {
            failure = error;
          });
      });
      expect(failure?.driverError?.code).to.equal("LIBSQL_POOL_TIMEOUT");
      expect(failure?.message).to.match(/transaction's EntityManager/);
      expect(await dataSource.getRepository(Entry).count()).to.equal(1);
    } finally {
      await dataSource.destroy();
    }
  });
});

describe("transactions across data sources on one file", () => {
  it("makes a second writer wait on the busy timeout instead of failing", async () => {
    const file = tempDatabase();
    const first = await new LibSqlDataSource({ url: file, entities: [Entry], synchronize: true }).initialize();
    const logged: string[] = [];
    const second = await new LibSqlDataSource({
      url: file,
      entities: [Entry],
      busyTimeoutMs: 5000,
      logger: queryLogger(logged),
      logging: true,
    }).initialize();
    try {
      const order: string[] = [];
      let holding!: () => void;
      const locked = new Promise<void>((resolve) => (holding = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const slow = first.transaction(async (m) => {
        await m.getRepository(Entry).insert({ owner: "first", amount: 1 });
        holding(); // the insert took the write lock (BEGIN IMMEDIATE travels with it)
        await released;
        order.push("first commits");
      });
      await locked;
      const waiting = tracked(
        second.transaction(async (m) => {
          // BEGIN IMMEDIATE travels with the first statement, so that is where the second writer waits.
          await m.getRepository(Entry).insert({ owner: "second", amount: 1 });
          order.push("second inserted");
        }),
      );
      // Not a fixed wait: the second writer is waiting once its INSERT is logged.
      await until(() => logged.some((q) => q.startsWith("INSERT")) || waiting.settled(), "the second writer's insert");
      await turns();
      expect(waiting.settled(), "the second writer waits").to.equal(false);
      release();
      await slow;
      await waiting.promise;
      expect(order).to.deep.equal(["first commits", "second inserted"]);
      expect(await owners(first)).to.deep.equal(["first:1", "second:1"]);
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });

  it("fails with SQLITE_BUSY as a QueryFailedError when the busy timeout runs out", async () => {
    const file = tempDatabase();
    const first = await new LibSqlDataSource({ url: file, entities: [Entry], synchronize: true }).initialize();
    const second = await new LibSqlDataSource({ url: file, entities: [Entry], busyTimeoutMs: 50 }).initialize();
    const runner = first.createQueryRunner();
    try {
      await runner.startTransaction();
      // The lazy BEGIN IMMEDIATE runs with the transaction's first statement and takes the lock.
      await runner.query("SELECT 1");
      let failure: unknown;
      await second
        .transaction(async (m) => m.getRepository(Entry).count())
        .catch((error: unknown) => {
          failure = error;
        });
      expect(failure).to.be.instanceOf(QueryFailedError);
      expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).to.match(
        /^SQLITE_BUSY/,
      );
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
      await first.destroy();
      await second.destroy();
    }
  });
});
