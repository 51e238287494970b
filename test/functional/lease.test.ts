/**
 * The connection lease of a query runner, seen from outside: what holds a pooled connection
 * (`connect()`, a transaction, a statement that changes the session, an open stream), when it goes
 * back to the pool, and that the pool restores a changed session. A pool of one connection with a
 * short acquire timeout makes "held" observable: another lease fails with `LIBSQL_POOL_TIMEOUT`.
 */
import { expect } from "chai";
import type { Readable } from "stream";
import { setTimeout as sleep } from "timers/promises";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource, LibSqlQueryRunner, nativeStats } from "../../src";
import { Entry } from "./entity/ledger";
import { tempDatabase } from "./support/databases";

async function open(poolSize: number): Promise<LibSqlDataSource> {
  const dataSource = new LibSqlDataSource({
    url: `file:${tempDatabase()}`,
    entities: [Entry],
    synchronize: true,
    poolSize,
    acquireTimeoutMs: 200,
  });
  return dataSource.initialize();
}

/** The driver error code of a failed query, or "ok" when it succeeded. */
async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return "ok";
  } catch (error) {
    if (error instanceof QueryFailedError) return String((error.driverError as { code?: string }).code);
    return String((error as { code?: string }).code ?? error);
  }
}

async function drain(stream: Readable): Promise<number> {
  let rows = 0;
  for await (const _row of stream as AsyncIterable<unknown>) rows += 1;
  return rows;
}

describe("query runner connection lease", () => {
  let dataSource: LibSqlDataSource;

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  it("connect() holds one connection for the runner until release()", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner() as LibSqlQueryRunner;
    const connection = await runner.connect();
    expect(await runner.connect(), "connect() twice gives the same connection").to.equal(connection);
    await runner.query(`SELECT 1`);
    await runner.startTransaction();
    await runner.commitTransaction(); // the end of a transaction does not end connect()'s hold
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    await runner.release();
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
  });

  it("a single statement borrows a connection only while it runs", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.query(`INSERT INTO "entry"("owner", "amount") VALUES ('x', 1)`);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
    await runner.release();
  });

  it("a transaction holds its connection until commit, and gives it back afterwards", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`INSERT INTO "entry"("owner", "amount") VALUES ('t', 1)`);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    await runner.commitTransaction();
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
    await runner.release();
  });

  it("a pragma set through the runner keeps its connection, and the pool restores it on release", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.query(`PRAGMA foreign_keys = OFF`);
    expect(await runner.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 0 }]);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    await runner.release();
    // The pool has one connection: the one whose pragma was changed, now restored.
    expect(await dataSource.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 1 }]);
  });

  it("migrations turn foreign keys off on a kept connection and back on afterwards", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.beforeMigration();
    expect(await runner.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 0 }]);
    await runner.afterMigration();
    expect(await runner.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 1 }]);
    await runner.release();
    expect(await dataSource.query(`PRAGMA foreign_keys`)).to.deep.equal([{ foreign_keys: 1 }]);
  });

  it("a stream holds its connection until it ends", async () => {
    dataSource = await open(1);
    await dataSource.getRepository(Entry).insert([1, 2, 3].map((amount) => ({ owner: "s", amount })));
    const runner = dataSource.createQueryRunner();
    const stream = (await runner.stream(`SELECT id FROM "entry"`)) as unknown as Readable;
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    expect(await drain(stream)).to.equal(3);
    await sleep(0);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
    await runner.release();
    expect(nativeStats().cursors).to.equal(0);
  });

  it("a runner released while its stream is open gives the connection back when the stream ends", async () => {
    dataSource = await open(1);
    await dataSource.getRepository(Entry).insert([1, 2].map((amount) => ({ owner: "s", amount })));
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const stream = (await runner.stream(`SELECT id FROM "entry"`)) as unknown as Readable;
    await runner.release();
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    expect(await drain(stream)).to.equal(2);
    await sleep(0);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
  });

  it("a connection held after a stream of its own opened is given back once both are done", async () => {
    dataSource = await open(2);
    await dataSource.getRepository(Entry).insert([1, 2].map((amount) => ({ owner: "s", amount })));
    const runner = dataSource.createQueryRunner();
    const stream = (await runner.stream(`SELECT id FROM "entry"`)) as unknown as Readable;
    await runner.startTransaction();
    await runner.query(`INSERT INTO "entry"("owner", "amount") VALUES ('t', 1)`);
    await runner.release(); // rolls back; the stream is still open
    expect(await drain(stream)).to.equal(2);
    await sleep(0);
    // Both pooled connections are free: two runners can hold one each.
    const a = dataSource.createQueryRunner();
    const b = dataSource.createQueryRunner();
    expect(await outcome(() => a.connect())).to.equal("ok");
    expect(await outcome(() => b.connect())).to.equal("ok");
    await a.release();
    await b.release();
    expect(await dataSource.getRepository(Entry).countBy({ owner: "t" })).to.equal(0);
  });

  it("a raw BEGIN keeps the connection until ROLLBACK and release", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.query(`BEGIN`);
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("LIBSQL_POOL_TIMEOUT");
    await runner.query(`ROLLBACK`);
    await runner.release();
    expect(await outcome(() => dataSource.query(`SELECT 1`))).to.equal("ok");
  });

  it("a transaction that gets no connection fails cleanly and can start later", async () => {
    dataSource = await open(1);
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    const other = dataSource.createQueryRunner();
    expect(await outcome(() => other.startTransaction())).to.equal("LIBSQL_POOL_TIMEOUT");
    expect(other.isTransactionActive).to.equal(false);
    await runner.rollbackTransaction();
    expect(await outcome(() => other.startTransaction())).to.equal("ok");
    await other.rollbackTransaction();
    await other.release();
    await runner.release();
  });
});
