/**
 * Bad input, tried as a new user would: each case fails with an error that names the problem and
 * the fix, and leaves the database as it was.
 */
import { expect } from "chai";
import { CannotConnectAlreadyConnectedError, CannotExecuteNotConnectedError } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { LibSqlConnection } from "../../src/native";
import { Entry } from "./entity/ledger";
import { tempDatabase } from "./support/databases";

async function failureOf(work: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await work;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a failure");
}

/** The owners stored in a database file, read through a connection of its own. */
async function storedOwners(file: string): Promise<string[]> {
  const connection = await LibSqlConnection.open({ url: file });
  try {
    const { rows } = await connection.query<{ owner: string }>(`SELECT "owner" FROM "entry" ORDER BY "owner"`);
    return rows.map((r) => r.owner);
  } finally {
    await connection.close();
  }
}

/** A database file holding one entry, "kept". */
async function databaseWithOneEntry(): Promise<string> {
  const file = tempDatabase();
  const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry], synchronize: true }).initialize();
  await dataSource.getRepository(Entry).insert({ owner: "kept", amount: 1 });
  await dataSource.destroy();
  return file;
}

describe("bad input: the data source's life cycle", () => {
  it("refuses any use after destroy() with LIBSQL_POOL_CLOSED, saying it was destroyed", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    await dataSource.destroy();
    const attempts: [string, () => Promise<unknown>][] = [
      ["query", () => dataSource.query(`DELETE FROM "entry"`)],
      ["repository", () => dataSource.getRepository(Entry).insert({ owner: "lost", amount: 2 })],
      ["find", () => dataSource.getRepository(Entry).find()],
      ["transaction", () => dataSource.transaction((m) => m.getRepository(Entry).clear())],
      ["query runner", () => dataSource.createQueryRunner().connect()],
      ["stream", () => dataSource.createQueryRunner().stream(`SELECT * FROM "entry"`)],
    ];
    for (const [what, attempt] of attempts) {
      const failure = await failureOf(attempt());
      expect(failure.code, what).to.equal("LIBSQL_POOL_CLOSED");
      expect(failure.message, what).to.include(
        "the data source has been destroyed (destroy() was called); call initialize() to use it again",
      );
    }
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
    // initialize() opens it again.
    await dataSource.initialize();
    expect(await dataSource.getRepository(Entry).count()).to.equal(1);
    await dataSource.destroy();
  });

  it("still says LIBSQL_NOT_CONNECTED before the first initialize()", async () => {
    const dataSource = new LibSqlDataSource({ url: tempDatabase(), entities: [Entry] });
    const failure = await failureOf(dataSource.query("SELECT 1"));
    expect(failure.code).to.equal("LIBSQL_NOT_CONNECTED");
    expect(failure.message).to.include("the data source is not initialised (call initialize() first)");
  });

  it("refuses a second destroy() with TypeORM's CannotExecuteNotConnectedError, saying it was already destroyed", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    await dataSource.destroy();
    const failure = await failureOf(dataSource.destroy());
    expect(failure).to.be.instanceOf(CannotExecuteNotConnectedError);
    expect(failure.message).to.equal(
      "the data source has already been destroyed (destroy() was called twice); call initialize() to use it again",
    );
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
    // Before any initialize(), TypeORM's own message stands.
    const fresh = new LibSqlDataSource({ url: file, entities: [Entry] });
    expect(await failureOf(fresh.destroy())).to.be.instanceOf(CannotExecuteNotConnectedError);
  });

  it("refuses a second initialize() with TypeORM's CannotConnectAlreadyConnectedError, also while the first runs", async () => {
    const file = await databaseWithOneEntry();
    const dataSource = await new LibSqlDataSource({ url: file, entities: [Entry] }).initialize();
    const pool = dataSource.driver.pool;
    const after = await failureOf(dataSource.initialize());
    expect(after).to.be.instanceOf(CannotConnectAlreadyConnectedError);
    expect(after.message).to.match(/already (connected|established)/);
    expect(dataSource.driver.pool).to.equal(pool);
    await dataSource.destroy();

    // Two calls at once: the second is refused; the first opens one pool, which destroy() closes.
    const concurrent = new LibSqlDataSource({ url: file, entities: [Entry] });
    const [first, second] = await Promise.allSettled([concurrent.initialize(), concurrent.initialize()]);
    expect(first.status).to.equal("fulfilled");
    expect(second.status).to.equal("rejected");
    expect((second as PromiseRejectedResult).reason).to.be.instanceOf(CannotConnectAlreadyConnectedError);
    expect(await concurrent.getRepository(Entry).count()).to.equal(1);
    const opened = concurrent.driver.pool!.connections();
    await concurrent.destroy();
    expect(opened.every((connection) => connection.isClosed)).to.equal(true);
    expect(await storedOwners(file)).to.deep.equal(["kept"]);
  });
});
