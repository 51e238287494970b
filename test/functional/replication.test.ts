/**
 * Replication on the data source, against an sqld primary this suite starts (and kills): `sync()`,
 * `syncUntil()` and `replicationIndex()` on an embedded replica and their typed refusal in every
 * other mode; the periodic sync, which never blocks queries and reports its failures and recovery
 * to TypeORM's logger; offline behaviour with the primary killed (reads served locally, writes and
 * sync fail fast with the network code, both recover after a restart on the same data source);
 * `readYourWrites` both ways; and an encrypted replica file.
 */
import { expect } from "chai";
import * as fs from "fs";
import { setTimeout as sleep } from "timers/promises";
import { QueryFailedError, type QueryRunner } from "typeorm";
import { LibSqlConnection, LibSqlDataSource, LibSqlError } from "../../src";
import { Entry } from "./entity/ledger";
import { RecordingLogger, tempDatabase } from "./support/databases";
import { skipWithoutSqld, SqldServer } from "../support/sqld";

/** The code a failure carries (of its `driverError` for a query failure). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = error instanceof QueryFailedError ? error.driverError : error;
    expect(cause).to.be.instanceOf(LibSqlError);
    return (cause as LibSqlError).code;
  }
  throw new Error("expected the call to fail");
}

/** A logger that also keeps the level of each `log` call. */
class LevelLogger extends RecordingLogger {
  readonly logs: { level: string; message: string }[] = [];

  log(level: "log" | "info" | "warn", message: unknown, queryRunner?: QueryRunner): void {
    super.log(level, message, queryRunner);
    this.logs.push({ level, message: String(message) });
  }

  has(level: string, pattern: RegExp): boolean {
    return this.logs.some((entry) => entry.level === level && pattern.test(entry.message));
  }
}

/** Waits for `check` to hold (a failing check counts as not yet), polling every 50 ms for at most 20 s. */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** The network failure code of a primary that is not there. */
const NETWORK = "LIBSQL_NETWORK";

describe("replication on the data source (sqld primary)", function () {
  let server: SqldServer;
  let primary: LibSqlConnection;
  const opened: LibSqlDataSource[] = [];

  before(async function () {
    skipWithoutSqld(this, "replication");
    server = await SqldServer.start();
    primary = await LibSqlConnection.open({ url: server.url });
  });

  beforeEach(async () => {
    if (!server.alive) await server.restart();
    await primary.execute('DROP TABLE IF EXISTS "entry"');
    await primary.execute(
      'CREATE TABLE "entry" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "owner" varchar NOT NULL, "amount" integer NOT NULL)',
    );
  });

  afterEach(async () => {
    for (const dataSource of opened.splice(0)) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
  });

  after(async () => {
    await primary?.close();
    await server?.stop();
  });

  async function replica(options: Partial<ConstructorParameters<typeof LibSqlDataSource>[0]> = {}) {
    const dataSource = new LibSqlDataSource({
      url: `file:${tempDatabase("replica.db")}`,
      syncUrl: server.url,
      entities: [Entry],
      requestTimeoutMs: 5_000,
      ...options,
    });
    opened.push(dataSource);
    return dataSource.initialize();
  }

  async function owners(dataSource: LibSqlDataSource): Promise<string[]> {
    const rows = await dataSource.getRepository(Entry).find({ order: { id: "ASC" } });
    return rows.map((row) => row.owner);
  }

  it("syncs on demand: sync(), replicationIndex() and syncUntil()", async () => {
    const dataSource = await replica();
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('ada', 1), ('grace', 2)");
    const synced = await dataSource.sync();
    expect(synced.frameNo).to.be.a("number");
    expect(synced.framesSynced).to.be.greaterThan(0);
    expect(await owners(dataSource)).to.deep.equal(["ada", "grace"]);
    expect(await dataSource.replicationIndex()).to.equal(synced.frameNo);
    // Nothing new: a sync applies no frame.
    expect((await dataSource.sync()).framesSynced).to.equal(0);

    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('linus', 3)");
    const later = await dataSource.sync();
    expect(later.frameNo).to.be.greaterThan(synced.frameNo ?? 0);
    const until = await dataSource.syncUntil(later.frameNo ?? 0);
    expect(until.frameNo).to.be.at.least(later.frameNo ?? 0);
    expect(await owners(dataSource)).to.deep.equal(["ada", "grace", "linus"]);
  });

  it("syncs in initialize(): the first read sees the primary's rows", async () => {
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('ada', 1), ('grace', 2)");
    const dataSource = await replica();
    expect(await dataSource.replicationIndex()).to.be.a("number");
    const found = await dataSource.getRepository(Entry).findOneBy({ owner: "grace" });
    expect(found?.amount).to.equal(2);
    expect(await owners(dataSource)).to.deep.equal(["ada", "grace"]);
  });

  it("opens from its earlier sync, with a warning, when the primary is down", async () => {
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('synced', 1)");
    const file = tempDatabase("replica.db");
    const first = await replica({ url: `file:${file}` });
    expect(await owners(first)).to.deep.equal(["synced"]);
    await first.destroy();

    await server.kill();
    const logger = new LevelLogger();
    const offline = await replica({ url: `file:${file}`, logger, requestTimeoutMs: 2_000 });
    expect(await owners(offline)).to.deep.equal(["synced"]);
    expect(logger.has("warn", /could not sync as it opened \(LIBSQL_NETWORK\).*earlier sync/)).to.equal(true);
    // Writes still need the primary.
    expect(await codeOf(offline.getRepository(Entry).insert({ owner: "offline", amount: 2 }))).to.equal(NETWORK);
  });

  it("fails initialize() with LIBSQL_NETWORK when the primary is down and the file holds no earlier sync", async () => {
    await server.kill();
    const dataSource = new LibSqlDataSource({
      url: `file:${tempDatabase("replica.db")}`,
      syncUrl: server.url,
      entities: [Entry],
      requestTimeoutMs: 2_000,
    });
    opened.push(dataSource);
    expect(await codeOf(dataSource.initialize())).to.equal(NETWORK);
    expect(dataSource.isInitialized).to.equal(false);
  });

  it("refuses the replication calls with LIBSQL_UNSUPPORTED in every other mode", async () => {
    for (const url of [":memory:", `file:${tempDatabase()}`, server.url]) {
      const dataSource = new LibSqlDataSource({ url });
      opened.push(dataSource);
      expect(await codeOf(dataSource.sync())).to.equal("LIBSQL_NOT_CONNECTED");
      await dataSource.initialize();
      expect(await codeOf(dataSource.sync())).to.equal("LIBSQL_UNSUPPORTED");
      expect(await codeOf(dataSource.syncUntil(1))).to.equal("LIBSQL_UNSUPPORTED");
      expect(await codeOf(dataSource.replicationIndex())).to.equal("LIBSQL_UNSUPPORTED");
    }
  });

  it("syncs periodically without blocking queries, and logs failures and the recovery", async () => {
    const logger = new LevelLogger();
    const dataSource = await replica({ syncIntervalMs: 1000, logger });
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('periodic', 1)");
    await eventually("the periodic sync brings the row", async () => (await owners(dataSource)).includes("periodic"));

    await server.kill();
    await eventually("a failed periodic sync is logged as a warning", () => logger.has("warn", /periodic sync/));
    expect(logger.logs.find((entry) => entry.level === "warn")?.message).to.contain(NETWORK);
    // Meanwhile reads are served from the replica.
    expect(await owners(dataSource)).to.deep.equal(["periodic"]);

    await server.restart();
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('after restart', 2)");
    await eventually("the recovery is logged as info", () => logger.has("info", /works again/));
    await eventually("the periodic sync brings the new row", async () =>
      (await owners(dataSource)).includes("after restart"),
    );
    // One warning for the whole run of failures, not one per attempt.
    expect(logger.logs.filter((entry) => entry.level === "warn")).to.have.length(1);
  });

  it("serves reads offline, fails writes and sync fast with the network code, and recovers after a restart", async () => {
    const dataSource = await replica();
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('before', 1)");
    await dataSource.sync();

    await server.kill();
    expect(await owners(dataSource)).to.deep.equal(["before"]);
    // Fast: a refused connection fails at once; 2 s is slack for a loaded machine (the request
    // timeout, 30 s by default, is not what ends these calls).
    const timed = async (work: Promise<unknown>) => {
      const started = Date.now();
      const code = await codeOf(work);
      return { code, ms: Date.now() - started };
    };
    const write = await timed(dataSource.getRepository(Entry).insert({ owner: "offline", amount: 2 }));
    expect(write.code).to.equal(NETWORK);
    expect(write.ms, `the write failed after ${write.ms} ms`).to.be.below(2_000);
    const sync = await timed(dataSource.sync());
    expect(sync.code).to.equal(NETWORK);
    expect(sync.ms, `sync failed after ${sync.ms} ms`).to.be.below(2_000);
    expect(await owners(dataSource)).to.deep.equal(["before"]);

    await server.restart();
    await dataSource.getRepository(Entry).insert({ owner: "back", amount: 3 });
    await dataSource.sync();
    expect(await owners(dataSource)).to.deep.equal(["before", "back"]);
    expect((await primary.query<{ n: number }>("SELECT count(*) AS n FROM entry")).rows).to.deep.equal([{ n: 2 }]);
  });

  it("encrypts an embedded replica at rest, and refuses it without its key", async () => {
    const file = tempDatabase("secret-replica.db");
    const key = "replica key 0123456789";
    const dataSource = await replica({ url: `file:${file}`, encryptionKey: key });
    await primary.execute("INSERT INTO entry (owner, amount) VALUES ('plaintext-marker-67890', 1)");
    await dataSource.sync();
    expect(await owners(dataSource)).to.deep.equal(["plaintext-marker-67890"]);
    await dataSource.getRepository(Entry).insert({ owner: "written through", amount: 2 });
    await dataSource.sync();
    await dataSource.destroy();

    const bytes = fs.readFileSync(file);
    expect(bytes.includes(Buffer.from("SQLite format 3"))).to.equal(false);
    expect(bytes.includes(Buffer.from("plaintext-marker-67890"))).to.equal(false);
    for (const encryptionKey of ["wrong key", undefined]) {
      const refused = await codeOf(replica({ url: `file:${file}`, encryptionKey }));
      expect(refused, String(encryptionKey)).to.equal("SQLITE_NOTADB");
    }
    const again = await replica({ url: `file:${file}`, encryptionKey: key });
    expect(await owners(again)).to.deep.equal(["plaintext-marker-67890", "written through"]);
  });

  it("reads its own writes at once with readYourWrites (the default)", async () => {
    const dataSource = await replica({ readYourWrites: true });
    await dataSource.sync();
    await dataSource.getRepository(Entry).insert({ owner: "mine", amount: 1 });
    expect(await owners(dataSource)).to.deep.equal(["mine"]);
  });

  it("sees its own writes only after a sync without readYourWrites", async () => {
    const dataSource = await replica({ readYourWrites: false });
    await dataSource.sync();
    await dataSource.getRepository(Entry).insert({ owner: "mine", amount: 1 });
    // The write went to the primary; the local replica has not pulled it yet.
    expect(await owners(dataSource)).to.deep.equal([]);
    expect((await primary.query<{ owner: string }>("SELECT owner FROM entry")).rows).to.deep.equal([{ owner: "mine" }]);
    await dataSource.sync();
    expect(await owners(dataSource)).to.deep.equal(["mine"]);
  });
});
