/**
 * libSQL's ALTER COLUMN instead of a table rebuild, in every mode, where the result is provably
 * the same: a varchar's length, text <-> varchar, a default, dropping NOT NULL, and adding NOT
 * NULL once no row holds NULL. The referenced table keeps its root page and its index's, every
 * row of every table stays, and migration:generate writes the same ALTER statements up and down.
 * A change of affinity keeps the rebuild; NOT NULL over a NULL is refused, changing nothing.
 */
import { expect } from "chai";
import { QueryFailedError, TableColumn } from "typeorm";
import { LibSqlError, type LibSqlDataSource } from "../../src";
import { FAMILY } from "./entity/family";
import { CODE_WAS_INTEGER, countFamily, createOlderSchema, insertFamily, WHOLE_FAMILY } from "./support/family";
import { openDataSource, RecordingLogger, skipUnavailable, TARGETS } from "./support/databases";

const ALTER_UP = `ALTER TABLE "parent" ALTER COLUMN "name" TO "name" varchar(40) NOT NULL`;

async function rootPages(dataSource: LibSqlDataSource): Promise<Record<string, number>> {
  const rows = (await dataSource.query(
    `SELECT name, rootpage FROM sqlite_schema WHERE tbl_name = 'parent' ORDER BY name`,
  )) as { name: string; rootpage: number }[];
  return Object.fromEntries(rows.map((row) => [row.name, row.rootpage]));
}

async function parentSql(dataSource: LibSqlDataSource): Promise<string> {
  const rows = (await dataSource.query(`SELECT sql FROM sqlite_schema WHERE name = 'parent'`)) as { sql: string }[];
  return rows[0].sql;
}

/** The entities' schema with `parent.name` defined as `oldName`, and rows (see support/family.ts). */
async function createOldSchema(dataSource: LibSqlDataSource, oldName: string, withNull = false): Promise<void> {
  await createOlderSchema(dataSource, ['"name" varchar(40) NOT NULL', oldName]);
  await insertFamily(dataSource, withNull);
}

const counts = (dataSource: LibSqlDataSource) => countFamily((sql) => dataSource.query(sql));
const FULL = WHOLE_FAMILY;

for (const target of TARGETS) {
  describe(`ALTER COLUMN instead of a rebuild (${target})`, () => {
    let dataSource: LibSqlDataSource;
    let logger: RecordingLogger;

    before(function () {
      skipUnavailable(this, target);
    });

    beforeEach(async () => {
      logger = new RecordingLogger();
      dataSource = await openDataSource(target, { entities: FAMILY, synchronize: false, logger, logging: "all" });
    });

    afterEach(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    it("migration:generate writes ALTER COLUMN up and down for a longer varchar", async () => {
      await createOldSchema(dataSource, `"name" varchar(20) NOT NULL`);
      const sql = await dataSource.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).to.deep.equal([ALTER_UP]);
      expect(sql.downQueries.map((q) => q.query)).to.deep.equal([
        `ALTER TABLE "parent" ALTER COLUMN "name" TO "name" varchar(20) NOT NULL`,
      ]);
    });

    it("synchronize lengthens a varchar of a referenced table in place: same root pages, every row kept", async () => {
      await createOldSchema(dataSource, `"name" varchar(20) NOT NULL`);
      const pages = await rootPages(dataSource);
      expect(Object.keys(pages)).to.deep.equal(["IDX_parent_name", "parent"]);
      logger.clear();
      await dataSource.synchronize();
      const schemaChanges = logger.queries().filter((q) => /^(CREATE|DROP|ALTER|INSERT)/.test(q));
      expect(schemaChanges).to.deep.equal([ALTER_UP]);
      expect(await rootPages(dataSource)).to.deep.equal(pages);
      expect(await parentSql(dataSource)).to.contain(`"name" varchar(40) NOT NULL`);
      expect(await counts(dataSource)).to.deep.equal(FULL);
      // Nothing left to do.
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).to.deep.equal([]);
    });

    it("adds NOT NULL in place when no row holds NULL", async () => {
      await createOldSchema(dataSource, `"name" varchar(20)`);
      const pages = await rootPages(dataSource);
      logger.clear();
      await dataSource.synchronize();
      expect(logger.queries().filter((q) => /^(CREATE|DROP|ALTER|INSERT)/.test(q))).to.deep.equal([ALTER_UP]);
      expect(await rootPages(dataSource)).to.deep.equal(pages);
      expect(await counts(dataSource)).to.deep.equal(FULL);
      const failure = await dataSource.query(`INSERT INTO "parent" ("name", "code") VALUES (NULL, 'x')`).then(
        () => undefined,
        (error: QueryFailedError) => error,
      );
      expect((failure?.driverError as LibSqlError | undefined)?.code).to.equal("SQLITE_CONSTRAINT_NOTNULL");
    });

    it("refuses NOT NULL over a NULL (SQLITE_CONSTRAINT_NOTNULL), changing nothing", async () => {
      await createOldSchema(dataSource, `"name" varchar(20)`, true);
      const before = await parentSql(dataSource);
      const failure = await dataSource.synchronize().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, String(failure)).to.be.instanceOf(QueryFailedError);
      expect(((failure as QueryFailedError).driverError as LibSqlError).code).to.equal("SQLITE_CONSTRAINT_NOTNULL");
      expect(await parentSql(dataSource)).to.equal(before);
      expect(await counts(dataSource)).to.deep.equal(FULL);
      const nulls = (await dataSource.query(`SELECT count(*) AS n FROM "parent" WHERE "name" IS NULL`)) as unknown[];
      expect(nulls).to.deep.equal([{ n: 1 }]);
    });

    it("changes a default, text <-> varchar and drops NOT NULL in place", async () => {
      await createOldSchema(dataSource, `"name" varchar(40) NOT NULL`);
      const pages = await rootPages(dataSource);
      const runner = dataSource.createQueryRunner();
      try {
        const table = (await runner.getTable("parent"))!;
        const name = table.findColumnByName("name")!;
        const text = name.clone();
        text.type = "text";
        text.length = "";
        text.isNullable = true;
        text.default = "'unnamed'";
        logger.clear();
        await runner.changeColumn(table, name, text);
        expect(logger.queries().filter((q) => /^(CREATE|DROP|ALTER|INSERT)/.test(q))).to.deep.equal([
          `ALTER TABLE "parent" ALTER COLUMN "name" TO "name" text DEFAULT ('unnamed')`,
        ]);
        await runner.query(`INSERT INTO "parent" ("code") VALUES ('new')`);
        expect(await runner.query(`SELECT "name" FROM "parent" WHERE "code" = 'new'`)).to.deep.equal([
          { name: "unnamed" },
        ]);
        // And back to varchar(40) NOT NULL (no NULL there).
        const back = await runner.getTable("parent");
        await runner.changeColumn(back!, "name", name);
      } finally {
        await runner.release();
      }
      expect(await rootPages(dataSource)).to.deep.equal(pages);
      expect(await parentSql(dataSource)).to.contain(`"name" varchar(40) NOT NULL`);
    });

    it("compares with the table as the database has it, not a Table object changed in place", async () => {
      await createOldSchema(dataSource, `"name" varchar(40) NOT NULL`);
      const runner = dataSource.createQueryRunner();
      try {
        // As TypeORM's own tests do: the cached table's column is changed, then passed as the new one.
        const column = (await runner.getTable("parent"))!.findColumnByName("name")!;
        const old = column.clone();
        column.default = "'renamed'";
        await runner.changeColumn("parent", old, column);
      } finally {
        await runner.release();
      }
      expect(await parentSql(dataSource)).to.contain(`"name" varchar(40) NOT NULL DEFAULT ('renamed')`);
    });

    it("keeps the rebuild for a column whose old default holds a comma (libSQL cannot alter it)", async () => {
      await createOldSchema(dataSource, `"name" varchar(40) NOT NULL DEFAULT ('a, b')`);
      // No child rows: the rebuild needs no foreign keys off (see table-rebuild.test.ts for that).
      for (const child of ["cascade_child", "restrict_child", "set_null_child"]) {
        await dataSource.query(`DELETE FROM "${child}"`);
      }
      const runner = dataSource.createQueryRunner();
      try {
        const table = (await runner.getTable("parent"))!;
        const name = table.findColumnByName("name")!;
        const changed = name.clone();
        changed.default = "'c'";
        await runner.changeColumn(table, name, changed);
      } finally {
        await runner.release();
      }
      expect(logger.queries()).to.include(`DROP TABLE "parent"`);
      expect(await parentSql(dataSource)).to.contain(`"name" varchar(40) NOT NULL DEFAULT ('c')`);
      expect((await counts(dataSource)).parent).to.equal(5);
    });

    it("keeps the rebuild for a change of affinity (integer -> varchar)", async () => {
      await createOlderSchema(dataSource, CODE_WAS_INTEGER);
      const sql = (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
      expect(sql.some((q) => q.startsWith("ALTER TABLE") && q.includes("ALTER COLUMN"))).to.equal(false);
      expect(sql).to.include(`DROP TABLE "parent"`);
      const runner = dataSource.createQueryRunner();
      try {
        // Foreign keys are on here, but no row references the table: the rebuild goes ahead.
        await runner.changeColumn("parent", "code", new TableColumn({ name: "code", type: "varchar" }));
      } finally {
        await runner.release();
      }
      expect(await parentSql(dataSource)).to.contain(`"code" varchar NOT NULL`);
    });
  });
}
