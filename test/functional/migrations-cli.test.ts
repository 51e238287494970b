/**
 * Migrations through the real TypeORM CLI (`typeorm-ts-node-commonjs`) in a child process:
 * generate, run, schema:log and revert against a libSQL file, a remote database and an embedded
 * replica, and the repository's own `ormconfig.ts` example migration.
 */
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { LibSqlDataSource } from "../../src";
import { freshDatabase, skipUnavailable, TARGETS, type DatabaseLocation } from "./support/databases";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "node_modules", ".bin", "typeorm-ts-node-commonjs");

async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(CLI, args, {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...env },
      timeout: 120_000,
    });
    return stdout + stderr;
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`typeorm ${args.join(" ")} failed:\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`, {
      cause: error,
    });
  }
}

const ENTITY_V1 = `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity()
export class Note {
  @PrimaryGeneratedColumn() id: number;
  @Column() text: string;
}
`;

const ENTITY_V2 = `
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
@Entity()
export class Note {
  @PrimaryGeneratedColumn() id: number;
  @Index() @Column() text: string;
  @Column({ type: "boolean", default: false }) done: boolean;
  @CreateDateColumn() createdAt: Date;
}
`;

const DATA_SOURCE = `
import "reflect-metadata";
import * as path from "path";
import { LibSqlDataSource } from "../../src";
import { freshDatabase, skipUnavailable, TARGETS, type DatabaseLocation } from "./support/databases";
import { Note } from "./entity";
export default new LibSqlDataSource({
  url: process.env.CLI_TEST_URL,
  syncUrl: process.env.CLI_TEST_SYNC_URL || undefined,
  entities: [Note],
  migrations: [path.join(__dirname, "migrations", "*.ts")],
});
`;

/** The note table's columns and the migrations recorded, read from the database (a replica's primary). */
async function inspectDatabase(location: DatabaseLocation): Promise<{ columns: string[]; migrations: string[] }> {
  const dataSource = await new LibSqlDataSource({ url: location.syncUrl ?? location.url }).initialize();
  try {
    const columns = ((await dataSource.query(`PRAGMA table_info("note")`)) as { name: string }[]).map((c) => c.name);
    const hasMigrations =
      (await dataSource.query(`SELECT name FROM sqlite_master WHERE name = 'migrations'`)).length > 0;
    const migrations = hasMigrations
      ? ((await dataSource.query(`SELECT name FROM "migrations" ORDER BY id`)) as { name: string }[]).map((m) => m.name)
      : [];
    return { columns, migrations };
  } finally {
    await dataSource.destroy();
  }
}

for (const target of TARGETS.filter((t) => t !== "memory")) {
  describe(`migrations through the TypeORM CLI (${target})`, function () {
    this.timeout(240_000);
    let dir: string;
    let location: DatabaseLocation;
    let env: Record<string, string>;

    before(async function () {
      skipUnavailable(this, target);
      location = await freshDatabase(target);
      env = { CLI_TEST_URL: location.url ?? "", CLI_TEST_SYNC_URL: location.syncUrl ?? "" };
      dir = path.join(ROOT, ".tmp", `cli-${target}-${process.pid}-${Date.now()}`);
      fs.mkdirSync(path.join(dir, "migrations"), { recursive: true });
      fs.writeFileSync(path.join(dir, "datasource.ts"), DATA_SOURCE);
    });

    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("generates, runs, logs and reverts migrations", async () => {
      const dataSourceFile = path.relative(ROOT, path.join(dir, "datasource.ts"));

      fs.writeFileSync(path.join(dir, "entity.ts"), ENTITY_V1);
      let output = await cli(
        ["migration:generate", "-d", dataSourceFile, path.join(dir, "migrations", "CreateNote")],
        env,
      );
      expect(output).to.match(/has been\s+generated successfully/);
      const [first] = fs.readdirSync(path.join(dir, "migrations"));
      expect(fs.readFileSync(path.join(dir, "migrations", first), "utf8")).to.contain(`CREATE TABLE "note"`);

      output = await cli(["migration:run", "-d", dataSourceFile], env);
      expect(output).to.match(/Migration CreateNote\d+ has been\s+executed successfully/);
      expect(await inspectDatabase(location)).to.deep.equal({
        columns: ["id", "text"],
        migrations: [first.replace(/^(\d+)-(.*)\.ts$/, "$2$1")],
      });

      // Wait a millisecond so the second migration's timestamp differs.
      await new Promise((resolve) => setTimeout(resolve, 5));
      fs.writeFileSync(path.join(dir, "entity.ts"), ENTITY_V2);
      output = await cli(["migration:generate", "-d", dataSourceFile, path.join(dir, "migrations", "AddDone")], env);
      expect(output).to.match(/has been\s+generated successfully/);
      output = await cli(["migration:run", "-d", dataSourceFile], env);
      expect(output).to.match(/Migration AddDone\d+ has been\s+executed successfully/);
      let state = await inspectDatabase(location);
      expect(state.columns).to.deep.equal(["id", "text", "done", "createdAt"]);
      expect(state.migrations).to.have.length(2);

      output = await cli(["schema:log", "-d", dataSourceFile], env);
      expect(output).to.match(/Your schema is up to date/);

      output = await cli(["migration:revert", "-d", dataSourceFile], env);
      expect(output).to.match(/Migration AddDone\d+ has been\s+reverted successfully/);
      state = await inspectDatabase(location);
      expect(state.columns).to.deep.equal(["id", "text"]);
      expect(state.migrations).to.have.length(1);
    });
  });
}

describe("the example migration of ormconfig.ts through the TypeORM CLI", function () {
  this.timeout(240_000);

  it("applies and reverts it", async () => {
    const databaseFile = path.join(ROOT, ".tmp", `cli-example-${process.pid}-${Date.now()}`, "app.db");
    const env = { TYPEORM_LIBSQL_URL: `file:${databaseFile}` };
    try {
      let output = await cli(["migration:run", "-d", "ormconfig.ts"], env);
      expect(output).to.match(/Migration Init1764460800000 has been\s+executed successfully/);
      expect(fs.existsSync(databaseFile)).to.equal(true);

      output = await cli(["schema:log", "-d", "ormconfig.ts"], env);
      expect(output).to.match(/Your schema is up to date/);

      output = await cli(["migration:revert", "-d", "ormconfig.ts"], env);
      expect(output).to.match(/Migration Init1764460800000 has been\s+reverted successfully/);
    } finally {
      fs.rmSync(path.dirname(databaseFile), { recursive: true, force: true });
    }
  });
});
