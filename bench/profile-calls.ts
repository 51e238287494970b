/**
 * Diagnostic, not part of `npm run bench`: counts the native calls our driver makes per TypeORM
 * operation in each workload (every call that can run SQL; the diagnostics themselves are left
 * out), how many of the connections' calls ran inline and how many off the thread, and the wall
 * time per operation, to attribute the gap to better-sqlite3 to calls, hops and work.
 * Run: `npx ts-node --transpile-only bench/profile-calls.ts [--only=…] [--inline-budget-ms=0]`.
 */
import "reflect-metadata";
import * as path from "path";
import { nativeBinding, type LibSqlConnection } from "../src/native";
import { loadConfig, selected } from "./config";
import { openOrmTarget, setInlineBudget } from "./drivers";
import { seed } from "./seed";
import { workloads } from "./workloads";

/** Exports that only read or change the addon's bookkeeping: not counted. */
const DIAGNOSTICS = new Set([
  "statementInfo",
  "currentTransaction",
  "savepoints",
  "cursorColumns",
  "interrupt",
  "maxWriteReplicationIndex",
  "stats",
  "versions",
  "inlineStats",
  "nativeBlocks",
  "setInlineBudget",
  "setResultShapes",
]);

async function main(): Promise<void> {
  const config = { ...loadConfig(), warmup: 0, rounds: 1 };
  setInlineBudget(config.inlineBudgetMs);
  const native = nativeBinding() as unknown as Record<string, unknown>;
  const counts = new Map<string, number>();
  for (const [name, fn] of Object.entries(native)) {
    if (typeof fn !== "function" || DIAGNOSTICS.has(name)) continue;
    native[name] = (...args: unknown[]) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  const target = await openOrmTarget("typeorm-libsql", path.join(__dirname, ".work"), config.poolSize);
  await seed(target.dataSource, config);
  const pool = (target.dataSource.driver as unknown as { pool?: { members: { connection: LibSqlConnection }[] } }).pool;
  const ran = (): { inline: number; offThread: number } => {
    let inline = 0;
    let offThread = 0;
    for (const m of pool?.members ?? []) {
      const s = m.connection.inlineStats();
      inline += s.inline;
      offThread += s.offThread;
    }
    return { inline, offThread };
  };
  process.stdout.write(
    "| workload | ops | µs per op | native calls per op | of the connections' calls: inline / off the thread, per op | by call |\n" +
      "| --- | ---: | ---: | ---: | ---: | --- |\n",
  );
  for (const w of workloads) {
    if (w.level !== "typeorm" || !selected(config.only, w.id)) continue;
    counts.clear();
    const before = ran();
    const sample = await w.run(target, { config });
    const after = ran();
    const calls = [...counts.values()].reduce((a, b) => a + b, 0);
    const perOp = sample.ops / (w.id === "bulk-insert" ? config.bulkChunk : 1);
    const detail = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${(n / perOp).toFixed(1)}`)
      .join(", ");
    const inline = (after.inline - before.inline) / perOp;
    const offThread = (after.offThread - before.offThread) / perOp;
    process.stdout.write(
      `| ${w.id} | ${perOp} | ${((sample.seconds * 1e6) / perOp).toFixed(0)} | ${(calls / perOp).toFixed(1)} | ` +
        `${inline.toFixed(2)} / ${offThread.toFixed(2)} | ${detail} |\n`,
    );
  }
  await target.dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
