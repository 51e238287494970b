/**
 * Schema synchronisation on every mode: `synchronize` creates the schema, then follows entity
 * changes on a database that already has data (added, changed, renamed and dropped columns,
 * indexes, unique constraints, foreign keys), keeping the data; `dropSchema` and
 * `clearDatabase` empty a database that has tables, views and rows; the query runner's schema API
 * works as on better-sqlite3.
 */
import { expect } from "chai";
import {
  Column,
  Entity,
  Index,
  ManyToOne,
  PrimaryGeneratedColumn,
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
  Unique,
} from "typeorm";
import { LibSqlDataSource, type LibSqlDataSourceOptions } from "../../src";
import { freshDatabase, skipUnavailable, TARGETS, type DatabaseLocation, type Target } from "./support/databases";

/** Modes whose database outlives a data source (so a second one can open it). */
const DURABLE: readonly Target[] = TARGETS.filter((target) => target !== "memory");

@Entity("owner")
class OwnerV1 {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
}

@Entity("item")
class ItemV1 {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @Column({ type: "integer", default: 1 }) quantity: number;
  @Column({ type: "varchar", nullable: true }) obsolete: string | null;
}

@Entity("owner")
class OwnerV2 {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
}

@Entity("item")
@Unique("UQ_item_sku", ["title", "sku"])
class ItemV2 {
  @PrimaryGeneratedColumn() id: number;
  @Index("IDX_item_title") @Column({ type: "varchar", length: 120 }) title: string;
  @Column({ type: "real", default: 1 }) quantity: number;
  @Column({ type: "varchar", default: "none" }) sku: string;
  @Column({ type: "text", nullable: true }) note: string | null;
  @ManyToOne(() => OwnerV2, { nullable: true, onDelete: "SET NULL" }) owner: OwnerV2 | null;
}

@Entity("referrer")
class ReferrerV1 {
  @PrimaryGeneratedColumn() id: number;
  @ManyToOne(() => OwnerV1) owner: OwnerV1;
}

@Entity("owner")
class OwnerRebuilt {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: "varchar", length: 50 }) name: string;
}

@Entity("referrer")
class ReferrerV2 {
  @PrimaryGeneratedColumn() id: number;
  @ManyToOne(() => OwnerRebuilt) owner: OwnerRebuilt | null;
}

async function open(
  location: DatabaseLocation,
  entities: (new () => object)[],
  options: Partial<LibSqlDataSourceOptions> = {},
): Promise<LibSqlDataSource> {
  return new LibSqlDataSource({ ...location, entities, synchronize: true, ...options }).initialize();
}

async function schemaObjects(dataSource: LibSqlDataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT type || ' ' || name AS object FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1`,
  )) as { object: string }[];
  return rows.map((row) => row.object);
}

for (const target of DURABLE) {
  describe(`schema synchronisation on a database with data (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    it("follows entity changes and keeps existing data", async () => {
      const location = await freshDatabase(target);
      const v1 = await open(location, [OwnerV1, ItemV1]);
      await v1.getRepository(ItemV1).save([
        { title: "a", quantity: 2, obsolete: "x" },
        { title: "b", quantity: 3 },
      ]);
      await v1.destroy();

      const v2 = await open(location, [OwnerV2, ItemV2]);
      try {
        const runner = v2.createQueryRunner();
        const table = (await runner.getTable("item"))!;
        await runner.release();
        const names = table.columns.map((c) => c.name).sort();
        expect(names).to.deep.equal(["id", "note", "ownerId", "quantity", "sku", "title"]);
        expect(table.findColumnByName("quantity")?.type).to.equal("real");
        expect(table.findColumnByName("title")?.length).to.equal("120");
        expect(table.indices.map((i) => i.name)).to.include("IDX_item_title");
        expect(table.uniques.map((u) => u.name)).to.include("UQ_item_sku");
        expect(table.foreignKeys).to.have.length(1);
        expect(table.foreignKeys[0].referencedTableName).to.equal("owner");
        expect(table.foreignKeys[0].onDelete).to.equal("SET NULL");

        const items = await v2.getRepository(ItemV2).find({ order: { id: "ASC" } });
        expect(items.map((i) => [i.title, i.quantity, i.sku])).to.deep.equal([
          ["a", 2, "none"],
          ["b", 3, "none"],
        ]);

        // The foreign key is enforced after the table was rebuilt.
        const owner = await v2.getRepository(OwnerV2).save({ name: "o" });
        await v2.getRepository(ItemV2).update({ title: "a" }, { owner });
        await v2.getRepository(OwnerV2).delete({ id: owner.id });
        expect(
          (await v2.getRepository(ItemV2).findOneOrFail({ where: { title: "a" }, relations: { owner: true } })).owner,
        ).to.equal(null);

        // A second synchronisation has nothing left to do.
        const pending = await v2.driver.createSchemaBuilder().log();
        expect(pending.upQueries).to.deep.equal([]);
      } finally {
        await v2.destroy();
      }
    });

    it("rebuilds a table that other rows point to, keeping the rows that point to it", async () => {
      const location = await freshDatabase(target);
      const v1 = await open(location, [OwnerV1, ReferrerV1]);
      const owner = await v1.getRepository(OwnerV1).save({ name: "o" });
      await v1.getRepository(ReferrerV1).save({ owner });
      await v1.destroy();
      // OwnerRebuilt changes a column of "owner", so synchronize rebuilds that table.
      const v2 = new LibSqlDataSource({ ...location, entities: [OwnerRebuilt, ReferrerV2], synchronize: true });
      await v2.initialize();
      try {
        const referrers = await v2.getRepository(ReferrerV2).find({ relations: { owner: true } });
        expect(referrers.map((r) => r.owner?.name)).to.deep.equal(["o"]);
      } finally {
        await v2.destroy();
      }
    });

    it("drops a schema with tables, a view and rows: dropSchema, then clearDatabase", async () => {
      const location = await freshDatabase(target);
      const first = await open(location, [OwnerV2, ItemV2]);
      const owner = await first.getRepository(OwnerV2).save({ name: "o" });
      await first.getRepository(ItemV2).save({ title: "t", quantity: 2, sku: "s", owner });
      await first.query(`CREATE TABLE "stray" ("x" integer)`);
      await first.query(`INSERT INTO "stray" VALUES (1)`);
      await first.query(`CREATE VIEW "item_titles" AS SELECT "title" FROM "item"`);
      await first.destroy();

      const second = await open(location, [OwnerV2, ItemV2], { dropSchema: true });
      try {
        expect(await second.getRepository(OwnerV2).count()).to.equal(0);
        expect(await second.getRepository(ItemV2).count()).to.equal(0);
        expect(await schemaObjects(second)).to.not.include.members(["table stray", "view item_titles"]);
        await second.getRepository(OwnerV2).save({ name: "again" });
        await second.query(`CREATE VIEW "owner_names" AS SELECT "name" FROM "owner"`);
        await second.dropDatabase();
        expect(await schemaObjects(second)).to.deep.equal([]);
        // synchronize builds the schema again on the emptied database.
        await second.synchronize();
        expect(await second.getRepository(OwnerV2).count()).to.equal(0);
      } finally {
        await second.destroy();
      }
    });
  });
}

for (const target of TARGETS) {
  describe(`the query runner's schema API (${target})`, () => {
    before(function () {
      skipUnavailable(this, target);
    });

    it("adds, renames, changes and drops columns, indexes, uniques and foreign keys", async () => {
      const dataSource = await new LibSqlDataSource({ ...(await freshDatabase(target)), entities: [] }).initialize();
      const runner = dataSource.createQueryRunner();
      try {
        await runner.createTable(
          new Table({
            name: "parent",
            columns: [
              { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
            ],
          }),
        );
        await runner.createTable(
          new Table({
            name: "child",
            columns: [
              { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
              { name: "label", type: "varchar" },
              { name: "parentId", type: "integer", isNullable: true },
            ],
          }),
        );
        await runner.query(`INSERT INTO "parent" DEFAULT VALUES`);
        await runner.query(`INSERT INTO "child"("label", "parentId") VALUES ('x', 1)`);

        await runner.addColumn("child", new TableColumn({ name: "extra", type: "integer", default: 5 }));
        await runner.renameColumn("child", "label", "name");
        await runner.changeColumn(
          "child",
          "name",
          new TableColumn({ name: "name", type: "varchar", length: "30", isNullable: true }),
        );
        await runner.createIndex("child", new TableIndex({ name: "IDX_child_name", columnNames: ["name"] }));
        await runner.createUniqueConstraint(
          "child",
          new (await import("typeorm")).TableUnique({ name: "UQ_child_extra", columnNames: ["extra", "name"] }),
        );
        await runner.createForeignKey(
          "child",
          new TableForeignKey({
            name: "FK_child_parent",
            columnNames: ["parentId"],
            referencedTableName: "parent",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        );

        let table = (await runner.getTable("child"))!;
        expect(table.columns.map((c) => c.name)).to.deep.equal(["id", "name", "parentId", "extra"]);
        expect(table.findColumnByName("name")?.isNullable).to.equal(true);
        expect(table.findColumnByName("extra")?.default).to.equal("5");
        expect(table.indices.map((i) => i.name)).to.deep.equal(["IDX_child_name"]);
        expect(table.uniques.map((u) => u.name)).to.deep.equal(["UQ_child_extra"]);
        expect(table.foreignKeys.map((f) => f.name)).to.deep.equal(["FK_child_parent"]);
        expect(await runner.query(`SELECT "name", "extra" FROM "child"`)).to.deep.equal([{ name: "x", extra: 5 }]);

        await runner.query(`DELETE FROM "parent"`);
        expect(await runner.query(`SELECT count(*) AS n FROM "child"`)).to.deep.equal([{ n: 0 }]);

        await runner.dropForeignKey("child", "FK_child_parent");
        await runner.dropUniqueConstraint("child", "UQ_child_extra");
        await runner.dropIndex("child", "IDX_child_name");
        await runner.dropColumn("child", "extra");
        table = (await runner.getTable("child"))!;
        expect(table.columns.map((c) => c.name)).to.deep.equal(["id", "name", "parentId"]);
        expect(table.foreignKeys).to.deep.equal([]);
        expect(table.uniques).to.deep.equal([]);
        expect(table.indices).to.deep.equal([]);

        await runner.dropTable("child");
        expect(await runner.hasTable("child")).to.equal(false);
      } finally {
        await runner.release();
        await dataSource.destroy();
      }
    });
  });
}
