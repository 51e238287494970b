/**
 * TypeORM's `loadTables()` runs its introspection pragmas concurrently, so with the default pool
 * they land on several pooled connections, some of which cached the schema before the last DDL.
 * After `createTable`, `renameTable`, `renameColumn` or a change to a custom-named constraint,
 * `getTable()` must still see every column, index, unique constraint and foreign key: the same
 * table as TypeORM's better-sqlite3 driver loads after the same steps.
 */
import { expect } from "chai";
import { DataSource, Table, TableColumn, TableForeignKey, TableIndex, TableUnique, type QueryRunner } from "typeorm";
import { LibSqlDataSource } from "../../src";
import { tempDatabase } from "./support/databases";

/** The default pool size. */
const POOL_SIZE = 4;

/** Makes every pooled connection load (and cache) the schema as it is now. */
async function warmPool(dataSource: LibSqlDataSource): Promise<void> {
  const runners = Array.from({ length: POOL_SIZE }, () => dataSource.createQueryRunner());
  try {
    await Promise.all(runners.map((runner) => runner.connect()));
    await Promise.all(runners.map((runner) => runner.query(`SELECT count(*) AS n FROM "sqlite_master"`)));
  } finally {
    await Promise.all(runners.map((runner) => runner.release()));
  }
  expect(dataSource.driver.pool?.size).to.equal(POOL_SIZE);
}

function describeTable(table: Table | undefined) {
  if (!table) return undefined;
  return {
    name: table.name,
    columns: table.columns.map((c) => `${c.name}${c.isUnique ? " unique" : ""}`),
    indices: table.indices.map((i) => `${i.name}(${i.columnNames.join(",")})`).sort(),
    uniques: table.uniques.map((u) => `${u.name}(${u.columnNames.join(",")})`).sort(),
    foreignKeys: table.foreignKeys
      .map(
        (f) => `${f.name}(${f.columnNames.join(",")})->${f.referencedTableName}(${f.referencedColumnNames.join(",")})`,
      )
      .sort(),
  };
}

const parentTable = () =>
  new Table({
    name: "parent",
    columns: [{ name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" }],
  });

const childTable = () =>
  new Table({
    name: "child",
    columns: [
      { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
      { name: "code", type: "varchar", isUnique: true },
      { name: "label", type: "varchar" },
      { name: "size", type: "integer" },
      { name: "parentId", type: "integer", isNullable: true },
    ],
    // Named by the naming strategy, so renaming "label" renames the index too.
    indices: [{ columnNames: ["label"] }],
    uniques: [{ name: "UQ_child_label_size", columnNames: ["label", "size"] }],
    foreignKeys: [
      {
        name: "FK_child_parent",
        columnNames: ["parentId"],
        referencedTableName: "parent",
        referencedColumnNames: ["id"],
      },
    ],
  });

type Scenario = (runner: QueryRunner, warm: () => Promise<void>) => Promise<void>;

/** Runs `scenario` on a new database through `dataSource`, then loads `tableName` through a fresh runner. */
async function runScenario(
  dataSource: DataSource,
  scenario: Scenario,
  tableName: string,
  warm: () => Promise<void>,
): Promise<ReturnType<typeof describeTable>> {
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    try {
      await scenario(runner, warm);
    } finally {
      await runner.release();
    }
    // A fresh runner, so that nothing is cached by the runner that ran the DDL.
    const reader = dataSource.createQueryRunner();
    try {
      return describeTable(await reader.getTable(tableName));
    } finally {
      await reader.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

/** The table as this driver (default pool, every connection warmed) and better-sqlite3 load it. */
async function loadOnBoth(scenario: Scenario, tableName: string) {
  const ours = new LibSqlDataSource({ url: tempDatabase(), entities: [], poolSize: POOL_SIZE });
  const reference = new DataSource({ type: "better-sqlite3", database: tempDatabase(), entities: [] });
  return {
    ours: await runScenario(ours, scenario, tableName, () => warmPool(ours)),
    betterSqlite3: await runScenario(reference, scenario, tableName, async () => undefined),
  };
}

describe("schema introspection with the default pool after DDL", () => {
  it("createTable, then getTable()", async () => {
    const { ours, betterSqlite3 } = await loadOnBoth(async (runner, warm) => {
      await warm();
      await runner.createTable(parentTable());
      await runner.createTable(childTable());
    }, "child");
    expect(ours).to.deep.equal(betterSqlite3);
    expect(ours?.columns).to.deep.equal(["id", "code unique", "label", "size", "parentId"]);
    expect(ours?.indices).to.have.length(1);
    expect(ours?.indices[0]).to.match(/^IDX_\w+\(label\)$/);
    expect(ours?.uniques).to.have.length(2);
    expect(ours?.uniques).to.include("UQ_child_label_size(label,size)");
    expect(ours?.foreignKeys).to.deep.equal(["FK_child_parent(parentId)->parent(id)"]);
  });

  it("renameTable, then getTable()", async () => {
    const { ours, betterSqlite3 } = await loadOnBoth(async (runner, warm) => {
      await runner.createTable(parentTable());
      await runner.createTable(childTable());
      await warm();
      await runner.renameTable("child", "kid");
    }, "kid");
    expect(ours).to.deep.equal(betterSqlite3);
    expect(ours?.name).to.equal("kid");
    expect(ours?.indices).to.have.length(1);
    expect(ours?.uniques).to.have.length(2);
    expect(ours?.foreignKeys).to.deep.equal(["FK_child_parent(parentId)->parent(id)"]);
  });

  it("renameColumn, then getTable()", async () => {
    const { ours, betterSqlite3 } = await loadOnBoth(async (runner, warm) => {
      await runner.createTable(parentTable());
      await runner.createTable(childTable());
      await warm();
      await runner.renameColumn("child", "label", "title");
    }, "child");
    expect(ours).to.deep.equal(betterSqlite3);
    expect(ours?.columns).to.deep.equal(["id", "code unique", "title", "size", "parentId"]);
    expect(ours?.indices).to.have.length(1);
    expect(ours?.uniques).to.have.length(2);
    expect(ours?.foreignKeys).to.deep.equal(["FK_child_parent(parentId)->parent(id)"]);
  });

  it("custom-named constraints added, then getTable()", async () => {
    const { ours, betterSqlite3 } = await loadOnBoth(async (runner, warm) => {
      await runner.createTable(parentTable());
      await runner.createTable(plainChildTable());
      await warm();
      await addCustomConstraints(runner);
    }, "child");
    expect(ours).to.deep.equal(betterSqlite3);
    expect(ours?.indices).to.deep.equal(["IDX_custom_size(size)"]);
    expect(ours?.uniques).to.deep.equal(["UQ_custom(label,size)"]);
    expect(ours?.foreignKeys).to.deep.equal(["FK_custom(parentId)->parent(id)"]);
  });

  it("custom-named constraints dropped, then getTable()", async () => {
    const { ours, betterSqlite3 } = await loadOnBoth(async (runner, warm) => {
      await runner.createTable(parentTable());
      await runner.createTable(plainChildTable());
      await addCustomConstraints(runner);
      await warm();
      await runner.dropForeignKey("child", "FK_custom");
      await runner.dropUniqueConstraint("child", "UQ_custom");
      await runner.dropIndex("child", "IDX_custom_size");
    }, "child");
    expect(ours).to.deep.equal(betterSqlite3);
    expect(ours?.columns).to.deep.equal(["id", "label", "size", "parentId", "extra"]);
    expect(ours?.indices).to.deep.equal([]);
    expect(ours?.uniques).to.deep.equal([]);
    expect(ours?.foreignKeys).to.deep.equal([]);
  });
});

const plainChildTable = () =>
  new Table({
    name: "child",
    columns: [
      { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
      { name: "label", type: "varchar" },
      { name: "size", type: "integer" },
      { name: "parentId", type: "integer", isNullable: true },
    ],
  });

async function addCustomConstraints(runner: QueryRunner): Promise<void> {
  await runner.createIndex("child", new TableIndex({ name: "IDX_custom_size", columnNames: ["size"] }));
  await runner.createUniqueConstraint("child", new TableUnique({ name: "UQ_custom", columnNames: ["label", "size"] }));
  await runner.createForeignKey(
    "child",
    new TableForeignKey({
      name: "FK_custom",
      columnNames: ["parentId"],
      referencedTableName: "parent",
      referencedColumnNames: ["id"],
    }),
  );
  await runner.addColumn("child", new TableColumn({ name: "extra", type: "integer", isNullable: true }));
}
