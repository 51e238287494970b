/**
 * The database-per-tenant example (`npm run example:tenants`): starts a libSQL server (sqld, from
 * SQLD_BIN or PATH) with namespaces on free loopback ports, creates a database per tenant through
 * its admin API, migrates them all, writes and reads each tenant's rows through TypeORM, deletes
 * one, and stops the server. Each tenant is reached as http://<tenant>.localhost:<port>; the
 * driver resolves `*.localhost` to the loopback address itself. It prints each step.
 *
 * In your own app, import from "typeorm-libsql" instead of "../src".
 */
import "reflect-metadata";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "timers/promises";
import { Column, Entity, PrimaryGeneratedColumn, type MigrationInterface, type QueryRunner } from "typeorm";
import { LibSqlTenants, SqldAdmin } from "../src";

@Entity()
class Task {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  title: string;
}

class CreateTasks1764633600000 implements MigrationInterface {
  name = "CreateTasks1764633600000";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE "task" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar NOT NULL)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "task"`);
  }
}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function findSqld(): string {
  if (process.env.SQLD_BIN) return path.resolve(process.env.SQLD_BIN);
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "sqld");
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error("no sqld: set SQLD_BIN to an sqld binary or put sqld on PATH");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts sqld with namespaces and its admin API; resolves once it answers. */
async function startSqld(dataDir: string): Promise<{ child: ChildProcess; httpPort: number; adminPort: number }> {
  const [httpPort, grpcPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const log = fs.openSync(path.join(dataDir, "sqld.log"), "a");
  const child = spawn(
    findSqld(),
    [
      "--no-welcome",
      "--db-path",
      path.join(dataDir, "data.sqld"),
      "--http-listen-addr",
      `127.0.0.1:${httpPort}`,
      "--grpc-listen-addr",
      `127.0.0.1:${grpcPort}`,
      "--enable-namespaces",
      "--admin-listen-addr",
      `127.0.0.1:${adminPort}`,
    ],
    { stdio: ["ignore", log, log] },
  );
  fs.closeSync(log);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`sqld exited (${child.exitCode}); see ${dataDir}/sqld.log`);
    const healthy = await fetch(`http://127.0.0.1:${httpPort}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, httpPort, adminPort };
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error("sqld did not start within 30 s");
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "typeorm-libsql-tenants-"));
  step("Start sqld with namespaces");
  const sqld = await startSqld(dataDir);
  console.log(`sqld on 127.0.0.1:${sqld.httpPort}, admin API on 127.0.0.1:${sqld.adminPort}`);
  const admin = new SqldAdmin({ url: `http://127.0.0.1:${sqld.adminPort}` });
  const tenants = new LibSqlTenants({
    connection: (tenant) => ({ url: `http://${tenant}.localhost:${sqld.httpPort}` }),
    dataSource: { entities: [Task], migrations: [CreateTasks1764633600000] },
    maxOpen: 2,
    idleTimeoutMs: 30_000,
    admin,
  });
  try {
    const names = ["acme", "globex", "initech"];
    step("Create a database per tenant");
    for (const name of names) {
      await tenants.create(name);
      console.log(`created ${name} (http://${name}.localhost:${sqld.httpPort})`);
    }

    step("Migrate every tenant");
    const summary = await tenants.migrateAll(names, {
      concurrency: 2,
      onProgress: ({ done, failed, total, tenant, applied }) =>
        console.log(`${done + failed}/${total} ${tenant}: ${applied} migration(s) applied`),
    });
    console.log(`done ${summary.done}, failed ${summary.failed}, migrations applied ${summary.applied}`);

    step("Write and read each tenant's tasks (at most 2 data sources open)");
    for (const name of names) {
      await tenants.run(name, (dataSource) => dataSource.getRepository(Task).save({ title: `${name}'s first task` }));
    }
    for (const name of names) {
      const tasks = await (await tenants.get(name)).getRepository(Task).find();
      console.log(`${name} sees: ${tasks.map((task) => `"${task.title}"`).join(", ")}`);
    }
    const stats = tenants.stats();
    console.log(`open now ${stats.open}, at most ${stats.peakOpen}; opened ${stats.opened}, closed ${stats.closed}`);

    step("Delete a tenant");
    await tenants.delete("initech");
    const gone = await tenants.get("initech").then(
      () => "still there",
      (error: { code?: string }) => error.code,
    );
    console.log(`initech deleted; opening it now fails with ${gone}`);
  } finally {
    step("Stop");
    await tenants.close();
    sqld.child.kill("SIGTERM");
    await new Promise((resolve) => sqld.child.once("exit", resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
    console.log("sqld stopped, data removed");
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
