/**
 * Benchmark settings: defaults sized so that a full run takes a few minutes on two cores, each
 * overridable by a command-line flag (`--find-one=2000`) or an environment variable
 * (`BENCH_FIND_ONE=2000`). `--scale=0.2` multiplies every count for a quick smoke run.
 */

export interface BenchConfig {
  /** Entities saved one by one. */
  save: number;
  /** Rows inserted by the bulk workload, and the rows per `insert()` call. */
  bulkRows: number;
  bulkChunk: number;
  /** `findOneBy` calls on random primary keys. */
  findOne: number;
  /** `find` calls of 50 posts with their author joined. */
  findJoined: number;
  /** `transaction()` calls with a rolled-back nested savepoint. */
  transactions: number;
  /** Rows in the large table, and how many times it is read whole / streamed. */
  largeRows: number;
  largeQueries: number;
  /** In-flight request handlers and seconds per driver for the concurrent mix. */
  concurrency: number;
  concurrencySeconds: number;
  /** Raw driver calls (no TypeORM), and point selects on an embedded replica. */
  rawSelect: number;
  rawInsert: number;
  /** Operations per remote row (round trips through a delaying proxy), and the proxy's delay each way in ms. */
  remoteOps: number;
  remoteDelayMs: number;
  replicaSelect: number;
  /** Rows seeded before the workloads run. */
  seedAuthors: number;
  seedPosts: number;
  /** Rounds per workload (drivers take turns, in a rotating order); the median round is reported. */
  rounds: number;
  /** Share of each workload run untimed first, to warm the JIT and statement caches. */
  warmup: number;
  /** Connections in our driver's pool (0 keeps the driver's default). */
  poolSize: number;
  /** Our driver's `inlineBudgetMs` (negative keeps the driver's default; 0 turns inline off). */
  inlineBudgetMs: number;
  /** Comma-separated workload ids to run (all when empty). */
  only: string;
  /** Comma-separated driver ids to run (all when empty). */
  drivers: string;
  /** Configurations to run: "both" (default), "defaults" or "wal-normal". */
  settings: string;
  /**
   * Where to write latest.md, latest.json and chart.svg. Empty: bench/results for a full default
   * run, bench/.work/results for any run with options (so trial runs never replace the published results).
   */
  out: string;
  /** Seed of the pseudo-random key sequence, so every driver sees the same keys. */
  seed: number;
}

const DEFAULTS: BenchConfig = {
  save: 2000,
  bulkRows: 10_000,
  bulkChunk: 500,
  findOne: 8000,
  findJoined: 1500,
  transactions: 1500,
  largeRows: 20_000,
  largeQueries: 10,
  concurrency: 8,
  concurrencySeconds: 5,
  rawSelect: 20_000,
  rawInsert: 10_000,
  remoteOps: 30,
  remoteDelayMs: 10,
  replicaSelect: 20_000,
  seedAuthors: 2000,
  seedPosts: 10_000,
  rounds: 3,
  warmup: 0.1,
  poolSize: 0,
  inlineBudgetMs: -1,
  only: "",
  drivers: "",
  settings: "both",
  out: "",
  seed: 42,
};

/** Counts that `--scale` multiplies (the large table keeps its size: the workload is "20,000 rows"). */
const SCALED: (keyof BenchConfig)[] = [
  "save",
  "findOne",
  "findJoined",
  "transactions",
  "largeQueries",
  "concurrencySeconds",
  "rawSelect",
  "rawInsert",
  "replicaSelect",
];

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (key: string): string => `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unrecognised argument "${arg}" (expected --name=value)`);
    flags.set(match[1], match[2] ?? "true");
  }
  return flags;
}

export function loadConfig(argv: readonly string[] = process.argv.slice(2), env = process.env): BenchConfig {
  const flags = parseFlags(argv);
  const config: BenchConfig = { ...DEFAULTS };
  const known = new Set<string>(["scale"]);
  for (const key of Object.keys(DEFAULTS) as (keyof BenchConfig)[]) {
    known.add(kebab(key));
    const raw = flags.get(kebab(key)) ?? env[envName(key)];
    if (raw === undefined) continue;
    if (typeof DEFAULTS[key] === "number") {
      const value = Number(raw);
      if (!Number.isFinite(value) || (value < 0 && key !== "inlineBudgetMs"))
        throw new Error(`--${kebab(key)} must be a non-negative number, not "${raw}"`);
      (config[key] as number) = value;
    } else {
      (config[key] as string) = raw;
    }
  }
  for (const flag of flags.keys()) {
    if (!known.has(flag)) throw new Error(`unknown option --${flag}; known: ${[...known].sort().join(", ")}`);
  }
  const scale = Number(flags.get("scale") ?? env.BENCH_SCALE ?? 1);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error("--scale must be a positive number");
  for (const key of SCALED) {
    (config[key] as number) = Math.max(1, Math.round((config[key] as number) * scale));
  }
  return config;
}

/** Share of each count the unwatched priming pass runs (see `primingConfig`). */
const PRIMING_SHARE = 0.1;

/**
 * The sizes of the priming pass that every driver runs once before the rounds: a tenth of each
 * workload's count, no warm-up, a fifth of a second of the mix, one bulk chunk.
 */
export function primingConfig(config: BenchConfig): BenchConfig {
  const primed: BenchConfig = { ...config, warmup: 0, concurrencySeconds: 0.2, bulkRows: config.bulkChunk };
  for (const key of SCALED) {
    if (key === "concurrencySeconds") continue;
    (primed[key] as number) = Math.max(1, Math.round((config[key] as number) * PRIMING_SHARE));
  }
  return primed;
}

export function selected(list: string, id: string): boolean {
  if (!list.trim()) return true;
  return list
    .split(",")
    .map((s) => s.trim())
    .includes(id);
}
