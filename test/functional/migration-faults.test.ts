/**
 * A server killed in the middle of a migration that rebuilds a referenced table (remote and
 * replica, on an sqld this suite starts and kills): the migration fails, and once the server is
 * back, the old schema and every row of every table are still there, with no temporary table
 * and no record of the migration.
 */
import { expect } from "chai";
import type { MigrationInterface, QueryRunner } from "typeorm";
import { LibSqlConnection, LibSqlDataSource } from "../../src";
import { FAMILY } from "./entity/family";
import { RecordingLogger, tempDatabase } from "./support/databases";
import { CODE_WAS_INTEGER, countFamily, createOlderSchema, insertFamily, WHOLE_FAMILY } from "./support/family";
import { emptyDatabase, skipWithoutSqld, SqldServer } from "../support/sqld";

let server: SqldServer;
/** What the migration runs: the statements migration:generate writes for the change. */
let generatedUp: string[] = [];

class KilledMidway1760000000001 implements MigrationInterface {
  name = "KilledMidway1760000000001";
  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of generatedUp) {
      await queryRunner.query(sql);
      // The copy is made; the server dies before the old table is dropped and replaced.
      if (sql.startsWith(`INSERT INTO "temporary_parent"`)) await server.kill();
    }
  }
  async down(): Promise<void> {}
}

for (const mode of ["remote", "replica"] as const) {
  describe(`a server killed in the middle of a migration (${mode})`, () => {
    before(async function () {
      skipWithoutSqld(this, "migration faults");
      server = await SqldServer.start();
    });

    after(async () => {
      await server?.stop();
    });

    it("leaves the old schema and every row of every table", async () => {
      await emptyDatabase(server.url);
      const location =
        mode === "remote" ? { url: server.url } : { url: tempDatabase("replica.db"), syncUrl: server.url };
      const dataSource = await new LibSqlDataSource({
        ...location,
        entities: FAMILY,
        migrations: [KilledMidway1760000000001],
        logger: new RecordingLogger(),
        requestTimeoutMs: 5_000,
      }).initialize();
      try {
        await createOlderSchema(dataSource, CODE_WAS_INTEGER);
        await insertFamily(dataSource);
        generatedUp = (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
        expect(generatedUp).to.include(`DROP TABLE "parent"`);
        const failure = await dataSource.runMigrations().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure, "the migration fails").to.be.instanceOf(Error);
      } finally {
        await dataSource.destroy().catch(() => undefined);
      }

      await server.restart();
      const primary = await LibSqlConnection.open({ url: server.url });
      try {
        const query = async (sql: string) => (await primary.query(sql)).rows;
        expect(await countFamily(query)).to.deep.equal(WHOLE_FAMILY);
        const code = await query(`SELECT lower(type) AS type FROM pragma_table_info('parent') WHERE name = 'code'`);
        expect(code).to.deep.equal([{ type: "integer" }]);
        expect(await query(`SELECT name FROM sqlite_schema WHERE name LIKE 'temporary%'`)).to.deep.equal([]);
        const migrations = await query(`SELECT name FROM sqlite_schema WHERE name = 'migrations'`);
        if (migrations.length > 0) expect(await query(`SELECT * FROM "migrations"`)).to.deep.equal([]);
      } finally {
        await primary.close();
      }
    });
  });
}
