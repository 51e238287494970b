/**
 * Diagnostic, not part of `npm run bench`: splits the per-call cost of our native binding into
 * the hop off the JavaScript thread and the SQLite work, and shows what concurrency buys.
 * Run: `npx ts-node --transpile-only bench/profile-hop.ts`; writes bench/results/hop-profile.md.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { LibSqlConnection, nativeBinding } from "../src/native";
import { freshFile } from "./drivers";
import { rawSchemaSql } from "./seed";
import { keyAt } from "./workloads/keys";

const ROWS = 10_000;
const SELECT = "SELECT id, name, value FROM raw_item WHERE id = ?";

interface Line {
  what: string;
  perCallUs: number;
  callsPerSec: number;
}

async function time(what: string, calls: number, flows: number, op: (i: number) => unknown): Promise<Line> {
  for (let i = 0; i < Math.min(2000, calls / 10); i++) await op(i);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: flows }, async () => {
      while (next < calls) await op(next++);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { what, perCallUs: (seconds * 1e6) / calls, callsPerSec: calls / seconds };
}

async function main(): Promise<void> {
  const dir = path.join(__dirname, ".work");
  const file = freshFile(dir, "hop-profile.db");
  const conn = await LibSqlConnection.open({ url: file });
  await conn.pragma("journal_mode", "WAL");
  await conn.pragma("synchronous", "NORMAL");
  for (const sql of rawSchemaSql(ROWS)) await conn.execute(sql);
  const others = [conn, conn.connectShared(), conn.connectShared(), conn.connectShared()];
  const statements = await Promise.all(others.map((c) => c.prepare(SELECT)));
  const native = nativeBinding();
  const key = (i: number): number => keyAt(i, ROWS, 42);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Better = require("better-sqlite3") as new (file: string) => {
    prepare(sql: string): { get(...p: unknown[]): unknown };
  };
  const better = new Better(file).prepare(SELECT);

  const lines: Line[] = [];
  lines.push(await time("sync native call (stats), no hop", 200_000, 1, () => native.stats()));
  lines.push(
    await time("async native call, trivial work (busyTimeout)", 20_000, 1, () => native.busyTimeout(conn.id, 5000)),
  );
  lines.push(await time("prepared point select, 1 in flight", 20_000, 1, (i) => statements[0].query([key(i)])));
  lines.push(
    await time("prepared point select, 8 in flight, 1 connection", 20_000, 8, (i) => statements[0].query([key(i)])),
  );
  lines.push(
    await time("prepared point select, 8 in flight, 4 connections", 20_000, 8, (i) =>
      statements[i & 3].query([key(i)]),
    ),
  );
  lines.push(await time("better-sqlite3 prepared point select (sync)", 200_000, 1, (i) => better.get(key(i))));

  const table = [
    "| call | µs per call | calls/s |",
    "| --- | ---: | ---: |",
    ...lines.map(
      (l) => `| ${l.what} | ${l.perCallUs.toFixed(1)} | ${Math.round(l.callsPerSec).toLocaleString("en-GB")} |`,
    ),
  ].join("\n");
  process.stdout.write(`${table}\n`);
  const out = path.join(__dirname, "results", "hop-profile.md");
  fs.writeFileSync(
    out,
    `# Per-call cost of the native hop\n\nNode ${process.version}, ${new Date().toISOString()}\n\n${table}\n`,
  );
  for (const s of statements) await s.finalize();
  for (const c of others.reverse()) await c.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
