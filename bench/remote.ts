/**
 * The remote rows of `npm run bench`: round trips and wall time per operation on a remote database.
 * The bench starts an sqld (SQLD_BIN, or sqld on PATH; without one the rows are skipped with the
 * reason) and puts a loopback TCP proxy in front of it that holds every chunk `delayMs` in each
 * direction, as a network would. The proxy counts the HTTP requests, so round trips are counted
 * where they happen, not inferred.
 *
 * For each operation (TypeORM's `save()`, `findOneBy`, and `transaction()` with a rolled-back
 * savepoint) our driver runs it through TypeORM; `@libsql/client` then runs the very statements
 * our driver sent (recorded from TypeORM's logger, with their parameters), as an application
 * would: one `execute` after another, inside `transaction("write")` where ours used a
 * transaction. Reported: HTTP requests per operation and mean wall time per operation.
 */
import * as fs from "fs";
import * as path from "path";
import { createClient, type InArgs, type Transaction } from "@libsql/client";
import type { Logger, QueryRunner } from "typeorm";
import { LibSqlDataSource } from "../src";
import { SqldServer, sqldUnavailable } from "../test/support/sqld";
import { TcpProxy } from "../test/support/proxy";
import { Author } from "./entities";

export interface RemoteSide {
  /** HTTP requests per operation, as counted at the proxy. */
  roundTrips: number;
  /** Mean wall time per operation, in milliseconds. */
  ms: number;
}

export interface RemoteRow {
  operation: string;
  /** The statements of one operation, as our driver sent them (SQL text, parameters elided). */
  statements: string[];
  /** The fewest round trips the statements need: BEGIN and SAVEPOINT travel with the next one. */
  needed: number;
  ours: RemoteSide;
  client: RemoteSide;
}

export interface RemoteReport {
  delayMs: number;
  operations: number;
  rows: RemoteRow[];
}

/** Records the statements TypeORM hands our driver (control statements included). */
class StatementRecorder implements Logger {
  recording: { sql: string; parameters: unknown[] }[] | undefined;

  logQuery(query: string, parameters?: unknown[], _runner?: QueryRunner): void {
    this.recording?.push({ sql: query, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

interface Operation {
  name: string;
  /** One operation through TypeORM on our driver. */
  run(dataSource: LibSqlDataSource, i: number): Promise<unknown>;
}

const OPERATIONS: Operation[] = [
  {
    name: "save() of a new entity",
    run: (ds, i) => {
      const repo = ds.getRepository(Author);
      return repo.save(repo.create({ name: `Remote ${i}`, email: `remote${i}@example.org`, score: i & 127 }));
    },
  },
  {
    name: "findOneBy primary key",
    run: (ds, i) => ds.getRepository(Author).findOneBy({ id: 1 + (i % 10) }),
  },
  {
    name: "transaction() + rolled-back savepoint",
    run: (ds, i) =>
      ds.transaction(async (em) => {
        await em.update(Author, { id: 1 + (i % 10) }, { score: i & 1023 });
        const runner = em.queryRunner;
        if (!runner) throw new Error("transaction() gave an entity manager without a query runner");
        await runner.startTransaction();
        try {
          await em.update(Author, { id: 1 + (i % 10) }, { score: -1 });
        } finally {
          await runner.rollbackTransaction();
        }
      }),
  },
];

/** Round trips the statements need when BEGIN and SAVEPOINT wait for the statement after them. */
function neededRoundTrips(statements: string[]): number {
  let trips = 0;
  for (let i = 0; i < statements.length; i += 1) {
    const travelsWithNext = /^(BEGIN|SAVEPOINT)\b/i.test(statements[i]) && i + 1 < statements.length;
    // ROLLBACK TO and RELEASE of the same savepoint are one call of the driver.
    const joined = /^RELEASE\b/i.test(statements[i]) && /^ROLLBACK TO\b/i.test(statements[i - 1] ?? "");
    if (!travelsWithNext && !joined) trips += 1;
  }
  return trips;
}

/** Replays one recorded operation on `@libsql/client`, statement by statement. */
async function replay(
  client: ReturnType<typeof createClient>,
  statements: { sql: string; parameters: unknown[] }[],
): Promise<void> {
  let tx: Transaction | undefined;
  for (const { sql, parameters } of statements) {
    const args = parameters as InArgs;
    if (/^BEGIN\b/i.test(sql)) tx = await client.transaction("write");
    else if (/^COMMIT\b/i.test(sql) && tx) {
      await tx.commit();
      tx = undefined;
    } else if (tx) await tx.execute({ sql, args });
    else await client.execute({ sql, args });
  }
}

async function measure(count: number, proxy: TcpProxy, run: (i: number) => Promise<unknown>): Promise<RemoteSide> {
  // Warm up: statement caches, HTTP connections.
  for (let i = 0; i < 3; i += 1) await run(count + i);
  proxy.resetCount();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await run(i);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  return { roundTrips: proxy.requests / count, ms: elapsed / count };
}

/** Runs the remote rows, or says why they cannot run here. */
export async function runRemoteBench(delayMs: number, operations: number): Promise<RemoteReport | { skipped: string }> {
  const unavailable = sqldUnavailable();
  if (unavailable) return { skipped: unavailable };
  const server = await SqldServer.start();
  const proxy = await TcpProxy.start(server.httpPort, { delayMs });
  const recorder = new StatementRecorder();
  const dataSource = new LibSqlDataSource({
    url: proxy.url,
    entities: [Author],
    synchronize: true,
    logger: recorder,
    logging: true,
  });
  const client = createClient({ url: proxy.url });
  try {
    await dataSource.initialize();
    await dataSource
      .getRepository(Author)
      .insert(Array.from({ length: 10 }, (_, i) => ({ name: `Seed ${i}`, email: `seed${i}@example.org`, score: i })));
    const rows: RemoteRow[] = [];
    for (const operation of OPERATIONS) {
      recorder.recording = [];
      await operation.run(dataSource, 0);
      const statements = recorder.recording;
      recorder.recording = undefined;
      const ours = await measure(operations, proxy, (i) => operation.run(dataSource, i));
      const theirs = await measure(operations, proxy, () => replay(client, statements));
      const sqls = statements.map((s) => s.sql);
      rows.push({ operation: operation.name, statements: sqls, needed: neededRoundTrips(sqls), ours, client: theirs });
    }
    return { delayMs, operations, rows };
  } finally {
    client.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    await proxy.close();
    await server.stop();
  }
}

const number = (n: number, digits: number) => n.toFixed(digits);

/** The remote table in Markdown. */
export function remoteMarkdown(report: RemoteReport | { skipped: string }): string {
  if ("skipped" in report) return `## Remote (sqld behind a delaying proxy)\n\nSkipped: ${report.skipped}\n`;
  const lines = [
    "## Remote (sqld behind a delaying proxy)",
    "",
    `A loopback TCP proxy holds every chunk ${report.delayMs} ms in each direction in front of an sqld ` +
      `the bench starts, and counts the HTTP requests. Mean of ${report.operations} operations each, after ` +
      "3 untimed ones. `@libsql/client` runs the statements our driver sent, one `execute` after another " +
      '(inside `transaction("write")` where ours used a transaction). "Needed" is the fewest round trips ' +
      "the statements take when BEGIN and SAVEPOINT travel with the statement after them.",
    "",
    "| Operation | needed | typeorm-libsql round trips | @libsql/client round trips | typeorm-libsql ms | @libsql/client ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of report.rows) {
    lines.push(
      `| ${row.operation} | ${row.needed} | ${number(row.ours.roundTrips, 2)} | ${number(row.client.roundTrips, 2)} | ` +
        `${number(row.ours.ms, 1)} | ${number(row.client.ms, 1)} |`,
    );
  }
  lines.push("", "Statements of one operation, as our driver sent them:", "");
  for (const row of report.rows) {
    lines.push(
      `- ${row.operation}: ${row.statements.map((s) => `\`${s.split(" ").slice(0, 3).join(" ")} …\``).join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes remote.md and remote.json next to the other results. */
export function writeRemote(out: string, report: RemoteReport | { skipped: string }): void {
  fs.writeFileSync(path.join(out, "remote.md"), remoteMarkdown(report));
  fs.writeFileSync(path.join(out, "remote.json"), `${JSON.stringify(report, null, 2)}\n`);
}
