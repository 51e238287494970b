/**
 * Diagnostic, not part of `npm run bench`: shows how our driver's event-loop blocks depend on V8
 * still compiling TypeORM's code. After the bench's priming pass (a tenth of the workload), one
 * workload runs several full passes beside a 1 ms timer chain; for each pass it prints the time
 * taken, the gaps over 3.5 ms, the worst gap split into the JavaScript thread's running time, its
 * wait for a CPU and the CPU the process's other threads used in it, and the CPU each of the
 * process's threads used over the pass (V8's helper threads are the unnamed `node` ones). Run
 * with `--trace-opt` to see the compilations, or `--v8-pool-size=1` to give V8 one helper thread:
 * `node --v8-pool-size=1 -r ts-node/register/transpile-only bench/profile-warmup.ts --only=find-one`
 * (`PASSES=3` by default; Linux only).
 */
import "reflect-metadata";
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { loadConfig, primingConfig, selected } from "./config";
import { openOrmTarget } from "./drivers";
import { seed } from "./seed";
import { workloads } from "./workloads";

/** The JavaScript thread's time on a CPU and time waiting for one, in ms. */
function schedstat(): [number, number] {
  const [run, wait] = fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
  return [run / 1e6, wait / 1e6];
}

/** CPU time of the whole process (every thread), in ms. */
function processCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU ticks (10 ms) used so far by each thread of the process, by thread id. */
function threadTicks(): Map<string, [string, number]> {
  const ticks = new Map<string, [string, number]>();
  for (const tid of fs.readdirSync("/proc/self/task")) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(tid, [name, Number(fields[11]) + Number(fields[12])]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ticks;
}

interface Gap {
  ms: number;
  ran: number;
  waited: number;
  others: number;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const passes = Number(process.env.PASSES ?? 3);
  const target = await openOrmTarget("typeorm-libsql", path.join(__dirname, ".work"), config.poolSize);
  await seed(target.dataSource, config);
  for (const w of workloads) {
    if (w.level !== "typeorm" || !selected(config.only, w.id)) continue;
    await w.run(target, { config: primingConfig(config) });
    for (let pass = 1; pass <= passes; pass++) {
      const gaps: Gap[] = [];
      let last = performance.now();
      let [lastRan, lastWaited] = schedstat();
      let lastCpu = processCpu();
      let timer: NodeJS.Timeout | undefined;
      const tick = (): void => {
        const now = performance.now();
        const [ran, waited] = schedstat();
        const cpu = processCpu();
        if (now - last > 3.5) {
          const thread = ran - lastRan;
          gaps.push({ ms: now - last, ran: thread, waited: waited - lastWaited, others: cpu - lastCpu - thread });
        }
        [last, lastRan, lastWaited, lastCpu] = [now, ran, waited, cpu];
        timer = setTimeout(tick, 1);
      };
      const before = threadTicks();
      const started = performance.now();
      timer = setTimeout(tick, 1);
      await w.run(target, { config });
      clearTimeout(timer);
      const took = performance.now() - started;
      const threads: string[] = [];
      for (const [tid, [name, ticks]] of threadTicks()) {
        const used = ticks - (before.get(tid)?.[1] ?? 0);
        if (used > 0) threads.push(`${name}#${tid} ${used * 10} ms`);
      }
      const worst = gaps.reduce<Gap | undefined>((a, g) => (a && a.ms >= g.ms ? a : g), undefined);
      const split = worst
        ? `worst ${worst.ms.toFixed(1)} ms: ran ${worst.ran.toFixed(1)}, waited ${worst.waited.toFixed(1)}, other threads ${Math.max(0, worst.others).toFixed(1)}`
        : "no gap over 3.5 ms";
      process.stdout.write(`${w.id} pass ${pass}: ${took.toFixed(0)} ms, ${gaps.length} gaps over 3.5 ms; ${split}\n`);
      process.stdout.write(`  CPU by thread: ${threads.join(", ")}\n`);
    }
  }
  await target.dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
