/**
 * A query runner's session on a server (the run's shared sqld): a runner that holds its connection
 * beyond one transaction keeps one server stream, so a PRAGMA holds for its later statements, in
 * and after a transaction, and does not leak to other runners (a TEMP table, which a server
 * refuses, fails with `LIBSQL_UNSUPPORTED`); a migration or `synchronize` that rebuilds a table
 * with `ON DELETE CASCADE` children keeps every child row (remote and replica); `dropDatabase` and
 * `synchronize(true)` work with foreign keys; releasing the runner ends its stream on the server.
 * Then, once, a wait of 12 s past sqld's stream expiry (about 10 s idle; sqld has no flag to
 * shorten it): a transaction fails with `LIBSQL_TRANSACTION_STATE` naming the cause and its
 * connection goes on, and a pinned PRAGMA is set again on the next stream.
 */
import { expect } from "chai";
import { setTimeout as sleep } from "timers/promises";
import { EntitySchema, TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { freshDatabase, skipUnavailable, type Target } from "./support/databases";
import { failureOf } from "../support/errors";
import { sharedSqld } from "../support/sqld";
import { TcpProxy } from "../support/proxy";

interface Parent {
  id: number;
  name: string;
  score: number;
}

interface Child {
  id: number;
  label: string;
  parent: Parent;
}

/** A parent table whose `score` column has the given type, and a child table that points to it. */
function schemas(scoreType: "integer" | "real", onDelete: "CASCADE" | "RESTRICT" = "CASCADE"): EntitySchema[] {
  const parent = new EntitySchema<Parent>({
    name: "parent",
    columns: {
      id: { type: "integer", primary: true, generated: true },
      name: { type: "varchar" },
      score: { type: scoreType },
    },
  });
  const child = new EntitySchema<Child>({
    name: "child",
    columns: {
      id: { type: "integer", primary: true, generated: true },
      label: { type: "varchar" },
    },
    relations: {
      parent: { type: "many-to-one", target: "parent", onDelete, joinColumn: true },
    },
  });
  return [parent, child];
}

/** A migration that changes `parent.score` from integer to real: TypeORM rebuilds the table. */
class ScoreToReal1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn("parent", "score", new TableColumn({ name: "score", type: "real" }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn("parent", "score", new TableColumn({ name: "score", type: "integer" }));
  }
}

async function count(dataSource: LibSqlDataSource, table: string): Promise<number> {
  const rows: { n: number }[] = await dataSource.query(`SELECT count(*) AS n FROM "${table}"`);
  return rows[0].n;
}

async function seed(dataSource: LibSqlDataSource): Promise<void> {
  await dataSource.query(`INSERT INTO "parent" ("name", "score") VALUES ('p', 1)`);
  for (let i = 1; i <= 5; i += 1) {
    await dataSource.query(`INSERT INTO "child" ("label", "parentId") VALUES (?, 1)`, [`c${i}`]);
  }
}

async function foreignKeys(runner: QueryRunner): Promise<number> {
  const rows: { foreign_keys: number }[] = await runner.query("PRAGMA foreign_keys");
  return rows[0].foreign_keys;
}

describe("a query runner's session on a server", function () {
  const opened: LibSqlDataSource[] = [];

  before(function () {
    skipUnavailable(this, "remote");
  });

  afterEach(async () => {
    for (const dataSource of opened.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
  });

  async function open(target: Target, entities: EntitySchema[] = [], extra = {}): Promise<LibSqlDataSource> {
    const dataSource = new LibSqlDataSource({ ...(await freshDatabase(target)), entities, poolSize: 4, ...extra });
    opened.push(dataSource);
    return dataSource.initialize();
  }

  it("keeps a PRAGMA for the runner's later statements, in and after a transaction, and not for others", async () => {
    const dataSource = await open("remote", schemas("integer"), { synchronize: true });
    await seed(dataSource);
    const runner = dataSource.createQueryRunner();
    const other = dataSource.createQueryRunner();
    try {
      await runner.query("PRAGMA foreign_keys = OFF");
      expect(await foreignKeys(runner)).to.equal(0);
      // With foreign keys off on the runner's server connection, no cascade and no check.
      await runner.query(`DELETE FROM "parent"`);
      expect(await count(dataSource, "child")).to.equal(5);
      await runner.startTransaction();
      await runner.query(`INSERT INTO "child" ("label", "parentId") VALUES ('orphan', 99)`);
      expect(await foreignKeys(runner)).to.equal(0);
      await runner.commitTransaction();
      expect(await foreignKeys(runner)).to.equal(0);
      // Another runner, and the data source, have foreign keys on.
      expect(await foreignKeys(other)).to.equal(1);
      const refused = await failureOf(other.query(`INSERT INTO "child" ("label", "parentId") VALUES ('x', 98)`));
      expect(refused.code).to.equal("SQLITE_CONSTRAINT_FOREIGNKEY");
      // A server has no TEMP tables: a clear refusal, and the runner's session goes on.
      const temp = await failureOf(runner.query("CREATE TEMP TABLE scratch (x integer)"));
      expect(temp.code).to.equal("LIBSQL_UNSUPPORTED");
      expect(temp.message).to.match(/TEMP tables/);
      expect(await foreignKeys(runner)).to.equal(0);
    } finally {
      await runner.release();
      await other.release();
    }
    // Released: the next runner starts from the data source's settings.
    const next = dataSource.createQueryRunner();
    try {
      await next.connect();
      expect(await foreignKeys(next)).to.equal(1);
    } finally {
      await next.release();
    }
    expect(await count(dataSource, "child")).to.equal(6);
  });

  it("streams rows on the runner's server connection and keeps its session after the stream", async () => {
    const dataSource = await open("remote", schemas("integer"), { synchronize: true });
    await seed(dataSource);
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query("PRAGMA foreign_keys = OFF");
      const stream = await runner.stream(`SELECT "label" FROM "child" ORDER BY "id"`);
      const labels: string[] = [];
      for await (const row of stream) labels.push((row as { label: string }).label);
      expect(labels).to.deep.equal(["c1", "c2", "c3", "c4", "c5"]);
      expect(await foreignKeys(runner)).to.equal(0);
    } finally {
      await runner.release();
    }
  });

  for (const target of ["file", "remote", "replica"] as const) {
    it(`keeps every CASCADE child row through a migration that rebuilds the parent (${target})`, async () => {
      const dataSource = await open(target, schemas("integer"), {
        synchronize: true,
        migrations: [ScoreToReal1700000000000],
      });
      await seed(dataSource);
      await dataSource.runMigrations();
      const columns: { name: string; type: string }[] = await dataSource.query(`PRAGMA table_info("parent")`);
      expect(columns.find((c) => c.name === "score")?.type.toLowerCase()).to.equal("real");
      expect(await count(dataSource, "parent")).to.equal(1);
      expect(await count(dataSource, "child")).to.equal(5);
    });

    it(`keeps every CASCADE child row when synchronize rebuilds the parent (${target})`, async () => {
      const location = await freshDatabase(target);
      const first = new LibSqlDataSource({ ...location, entities: schemas("integer"), synchronize: true });
      opened.push(first);
      await first.initialize();
      await seed(first);
      await first.destroy();
      const second = new LibSqlDataSource({ ...location, entities: schemas("real"), synchronize: true });
      opened.push(second);
      await second.initialize();
      if (target === "replica") await second.sync();
      expect(await count(second, "parent")).to.equal(1);
      expect(await count(second, "child")).to.equal(5);
    });
  }

  it("drops a schema with foreign keys (synchronize(true), dropDatabase)", async () => {
    // RESTRICT: dropping the parent table first would fail with foreign keys on.
    const dataSource = await open("remote", schemas("integer", "RESTRICT"), { synchronize: true });
    await seed(dataSource);
    await dataSource.synchronize(true);
    expect(await count(dataSource, "child")).to.equal(0);
    await dataSource.dropDatabase();
    const tables: unknown[] = await dataSource.query(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('parent', 'child')",
    );
    expect(tables).to.deep.equal([]);
  });

  it("ends the runner's server stream when the runner is released", async () => {
    const server = await sharedSqld();
    const proxy = await TcpProxy.start(server.httpPort);
    try {
      const dataSource = await open("remote", [], { url: proxy.url });
      const runner = dataSource.createQueryRunner();
      proxy.trace = [];
      await runner.query("PRAGMA foreign_keys = OFF");
      await runner.query("SELECT 1");
      const [pragma, select] = proxy.trace;
      // The SELECT goes on the PRAGMA's stream (it carries the stream's baton), and neither ends it.
      expect(pragma).to.include('"baton":null').and.not.include('"type":"close"');
      expect(select)
        .to.match(/"baton":"[^"]+"/)
        .and.not.include('"type":"close"');
      await runner.release();
      const closes = proxy.trace.filter((line) => /"baton":"[^"]+","requests":\[\{"type":"close"\}\]/.test(line));
      expect(closes).to.have.length(1);
    } finally {
      for (const dataSource of opened.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
      await proxy.close();
    }
  });

  describe("after the server expired its idle streams (one wait of 12 s; sqld expires a stream after about 10 s idle)", function () {
    let dataSource: LibSqlDataSource;
    let inTransaction: QueryRunner;
    let withPragma: QueryRunner;

    before(async function () {
      this.timeout(45_000);
      // Its own data source, kept until `after` (not closed after each test).
      dataSource = await new LibSqlDataSource({ ...(await freshDatabase("remote")), poolSize: 4 }).initialize();
      await dataSource.query("CREATE TABLE note (id integer PRIMARY KEY, body text)");
      inTransaction = dataSource.createQueryRunner();
      withPragma = dataSource.createQueryRunner();
      await inTransaction.startTransaction();
      await inTransaction.query("INSERT INTO note (body) VALUES ('lost')");
      await withPragma.query("PRAGMA foreign_keys = OFF");
      await withPragma.query("PRAGMA defer_foreign_keys = ON");
      await sleep(12_000);
    });

    after(async () => {
      await inTransaction?.release();
      await withPragma?.release();
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    it("a transaction's next statement fails with LIBSQL_TRANSACTION_STATE naming the cause; the connection goes on", async () => {
      const expired = await failureOf(inTransaction.query("INSERT INTO note (body) VALUES ('after')"));
      expect(expired.code).to.equal("LIBSQL_TRANSACTION_STATE");
      expect(expired.message).to.match(/expired .*idle .*about 10 s/);
      await inTransaction.rollbackTransaction();
      expect(await inTransaction.query("SELECT count(*) AS n FROM note")).to.deep.equal([{ n: 0 }]);
      await inTransaction.query("INSERT INTO note (body) VALUES ('next')");
      expect(await count(dataSource, "note")).to.equal(1);
    });

    it("a pinned runner's PRAGMA is set again on the new stream before its first statement", async () => {
      expect(await foreignKeys(withPragma)).to.equal(0);
    });
  });
});
