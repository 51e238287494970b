/**
 * Errors and logging: constraint violations surface as `QueryFailedError` with the SQLite
 * extended code on `driverError`, the logger sees queries, errors and slow queries, and
 * `queryTimeout` interrupts a runaway query.
 */
import { expect } from "chai";
import { QueryFailedError } from "typeorm";
import { LibSqlDataSource, LibSqlError } from "../../src";
import { Author, BLOG_ENTITIES, Post } from "./entity/blog";
import { openDataSource, RecordingLogger, TARGETS, skipUnavailable } from "./support/databases";

type Failed = QueryFailedError & { driverError: LibSqlError; code?: string };

async function failure(work: () => Promise<unknown>): Promise<Failed> {
  try {
    await work();
  } catch (error) {
    expect(error).to.be.instanceOf(QueryFailedError);
    return error as Failed;
  }
  throw new Error("expected a QueryFailedError");
}

const SLOW_SQL = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT count(*) AS c FROM n`;

for (const target of TARGETS) {
  describe(`errors and logging (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    let dataSource: LibSqlDataSource;
    let logger: RecordingLogger;

    beforeEach(async () => {
      logger = new RecordingLogger();
      dataSource = await openDataSource(target, { entities: BLOG_ENTITIES, logger, logging: true });
    });

    afterEach(async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    });

    it("reports constraint violations with SQLite extended codes", async () => {
      const authors = dataSource.getRepository(Author);
      await authors.save({ name: "dup" });

      const unique = await failure(() => authors.insert({ name: "dup" }));
      expect(unique.driverError).to.be.instanceOf(LibSqlError);
      expect(unique.driverError.code).to.equal("SQLITE_CONSTRAINT_UNIQUE");
      expect(unique.code).to.equal("SQLITE_CONSTRAINT_UNIQUE");
      expect(unique.message).to.match(/UNIQUE constraint failed: author\.name/);

      const foreignKey = await failure(() =>
        dataSource.query(`INSERT INTO "post"("title", "published", "authorId") VALUES ('x', 0, 999)`),
      );
      expect(foreignKey.driverError.code).to.equal("SQLITE_CONSTRAINT_FOREIGNKEY");

      const notNull = await failure(() => dataSource.query(`INSERT INTO "post"("title", "published") VALUES ('x', 0)`));
      expect(notNull.driverError.code).to.equal("SQLITE_CONSTRAINT_NOTNULL");

      await dataSource.query(`CREATE TABLE "checked" ("v" integer CHECK ("v" > 0))`);
      const check = await failure(() => dataSource.query(`INSERT INTO "checked" VALUES (?)`, [-1]));
      expect(check.driverError.code).to.equal("SQLITE_CONSTRAINT_CHECK");

      const primaryKey = await failure(() =>
        dataSource.query(`INSERT INTO "tag"("id", "label") VALUES (1, 'a'), (1, 'b')`),
      );
      expect(primaryKey.driverError.code).to.equal("SQLITE_CONSTRAINT_PRIMARYKEY");

      const syntax = await failure(() => dataSource.query(`SELEC 1`));
      expect(syntax.driverError.code).to.equal("SQLITE_ERROR");
      expect(syntax.query).to.equal("SELEC 1");
    });

    it("reports a foreign key violation inside a transaction and rolls it back", async () => {
      const error = await failure(() =>
        dataSource.transaction(async (manager) => {
          await manager.getRepository(Author).save({ name: "kept?" });
          await manager.query(`INSERT INTO "post"("title", "published", "authorId") VALUES ('x', 0, 424242)`);
        }),
      );
      expect(error.driverError.code).to.equal("SQLITE_CONSTRAINT_FOREIGNKEY");
      expect(await dataSource.getRepository(Author).count()).to.equal(0);
    });

    it("converts parameters as TypeORM's SQLite drivers do", async () => {
      const when = new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 678));
      const rows = await dataSource.query<Record<string, unknown>[]>(`SELECT ? AS t, ? AS f, ? AS d, ? AS u, ? AS b`, [
        true,
        false,
        when,
        undefined,
        Buffer.from("hi"),
      ]);
      expect(rows[0]).to.deep.equal({
        t: 1,
        f: 0,
        d: "2024-02-29 13:14:15.678",
        u: null,
        b: Buffer.from("hi"),
      });
      const invalid = await failure(() => dataSource.query(`SELECT ?`, [{ not: "a value" }]));
      expect(invalid.driverError.code).to.equal("LIBSQL_INVALID_PARAM");
      // NaN is refused rather than stored as NULL, as the native binding documents.
      const nan = await failure(() => dataSource.query(`SELECT ?`, [Number.NaN]));
      expect(nan.driverError.code).to.equal("LIBSQL_INVALID_PARAM");
    });

    it("logs queries with parameters and failed queries with their error", async () => {
      logger.clear();
      await dataSource.getRepository(Author).findOneBy({ name: "nobody" });
      await dataSource.query(`SELECT * FROM "missing"`).catch(() => undefined);
      const select = logger.entries.find((e) => e.kind === "query" && e.text.includes(`FROM "author"`));
      expect(select?.parameters).to.deep.equal(["nobody"]);
      const error = logger.entries.find((e) => e.kind === "error");
      expect(error?.text).to.equal(`SELECT * FROM "missing"`);
      expect((error?.error as LibSqlError).code).to.equal("SQLITE_ERROR");
    });

    it("logs slow queries past maxQueryExecutionTime", async () => {
      const slowLogger = new RecordingLogger();
      const slow = await openDataSource(target, { entities: [], logger: slowLogger, maxQueryExecutionTime: 1 });
      try {
        await slow.query(SLOW_SQL.replace("30000000", "300000"));
        await slow.query(`SELECT 1`);
        const entries = slowLogger.entries.filter((e) => e.kind === "slow");
        expect(entries.map((e) => e.text)).to.include(SLOW_SQL.replace("30000000", "300000"));
        expect(entries.every((e) => (e.time ?? 0) > 1)).to.equal(true);
      } finally {
        await slow.destroy();
      }
    });

    it("interrupts a runaway query after queryTimeout", async function () {
      if (target === "remote") {
        // A remote statement cannot be interrupted (interrupt() is LIBSQL_UNSUPPORTED there);
        // cancelling remote requests comes with the remote timeouts (issue #9, item 3).
        console.log("      [skipped] queryTimeout on a remote database: remote requests cannot be cancelled yet");
        this.skip();
      }
      const limited = await openDataSource(target, { entities: [], queryTimeoutMs: 100 });
      try {
        const started = Date.now();
        const error = await failure(() => limited.query(SLOW_SQL));
        expect(error.driverError.code).to.equal("SQLITE_INTERRUPT");
        expect(Date.now() - started).to.be.lessThan(3_000);
        expect(await limited.query(`SELECT 1 AS one`)).to.deep.equal([{ one: 1 }]);
      } finally {
        await limited.destroy();
      }
    });

    it("rejects queries on a released runner", async () => {
      const runner = dataSource.createQueryRunner();
      await runner.release();
      let released: Error | undefined;
      await runner.query("SELECT 1").catch((error: Error) => {
        released = error;
      });
      expect(released?.name).to.equal("QueryRunnerAlreadyReleasedError");
      expect(await dataSource.getRepository(Post).count()).to.equal(0);
    });
  });
}
