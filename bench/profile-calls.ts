/**
 * Diagnostic, not part of `npm run bench`: counts the native calls (each one a hop off the
 * JavaScript thread) that our driver makes per TypeORM operation in each workload, and the
 * wall time per operation, to attribute the gap to better-sqlite3 to hops versus work.
 * Run: `npx ts-node --transpile-only bench/profile-calls.ts [--only=…]`.
 */
import "reflect-metadata";
import * as path from "path";
import { nativeBinding } from "../src/native";
import { loadConfig, selected } from "./config";
import { openOrmTarget } from "./drivers";
import { seed } from "./seed";
import { workloads } from "./workloads";

const SYNC = new Set([
  "connectShared",
  "statementInfo",
  "currentTransaction",
  "savepoints",
  "cursorColumns",
  "connectionInfo",
  "interrupt",
  "maxWriteReplicationIndex",
  "stats",
  "versions",
]);

async function main(): Promise<void> {
  const config = { ...loadConfig(), warmup: 0, rounds: 1 };
  const native = nativeBinding() as unknown as Record<string, unknown>;
  const counts = new Map<string, number>();
  for (const [name, fn] of Object.entries(native)) {
    if (typeof fn !== "function" || SYNC.has(name)) continue;
    native[name] = (...args: unknown[]) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  const target = await openOrmTarget("typeorm-libsql", path.join(__dirname, ".work"), config.poolSize);
  await seed(target.dataSource, config);
  process.stdout.write(
    "| workload | ops | µs per op | native async calls per op | by call |\n| --- | ---: | ---: | ---: | --- |\n",
  );
  for (const w of workloads) {
    if (w.level !== "typeorm" || !selected(config.only, w.id)) continue;
    counts.clear();
    const sample = await w.run(target, { config });
    const calls = [...counts.values()].reduce((a, b) => a + b, 0);
    const perOp = sample.ops / (w.id === "bulk-insert" ? config.bulkChunk : 1);
    const detail = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${(n / perOp).toFixed(1)}`)
      .join(", ");
    process.stdout.write(
      `| ${w.id} | ${perOp} | ${((sample.seconds * 1e6) / perOp).toFixed(0)} | ${(calls / perOp).toFixed(1)} | ${detail} |\n`,
    );
  }
  await target.dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
