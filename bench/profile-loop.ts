/**
 * Diagnostic, not part of `npm run bench`: explains event-loop blocks of our driver. While one
 * workload runs, a 1 ms timer chain reads the JavaScript thread's scheduler statistics
 * (/proc/thread-self/schedstat: time on CPU, time runnable but waiting for a CPU) at every firing,
 * so every gap over 3 ms splits into running JavaScript (or GC), waiting for a CPU (the OS gave
 * the core to another thread, e.g. our native workers), and sleeping (the loop was idle).
 * Run: `npx ts-node --transpile-only bench/profile-loop.ts --only=find-joined --scale=0.3`.
 */
import "reflect-metadata";
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { loadConfig, selected } from "./config";
import { openOrmTarget } from "./drivers";
import { seed } from "./seed";
import { workloads } from "./workloads";

function schedstat(): [number, number] {
  const [run, wait] = fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
  return [run / 1e6, wait / 1e6];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const target = await openOrmTarget("typeorm-libsql", path.join(__dirname, ".work"), config.poolSize);
  await seed(target.dataSource, config);
  for (const w of workloads) {
    if (w.level !== "typeorm" || !selected(config.only, w.id)) continue;
    const gaps: { gap: number; running: number; waiting: number }[] = [];
    let last = performance.now();
    let [lastRun, lastWait] = schedstat();
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const now = performance.now();
      const [run, wait] = schedstat();
      if (now - last > 3) gaps.push({ gap: now - last, running: run - lastRun, waiting: wait - lastWait });
      last = now;
      lastRun = run;
      lastWait = wait;
      timer = setTimeout(tick, 1);
    };
    timer = setTimeout(tick, 1);
    await w.run(target, { config });
    clearTimeout(timer);
    gaps.sort((a, b) => b.gap - a.gap);
    process.stdout.write(`${w.id}: ${gaps.length} gaps over 3 ms; longest:\n`);
    for (const g of gaps.slice(0, 5)) {
      const sleeping = Math.max(0, g.gap - g.running - g.waiting);
      process.stdout.write(
        `  ${g.gap.toFixed(1)} ms = running ${g.running.toFixed(1)} + waiting for a CPU ${g.waiting.toFixed(1)} + idle ${sleeping.toFixed(1)}\n`,
      );
    }
  }
  await target.dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
