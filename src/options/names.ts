/**
 * Option names. A name that is a near miss of a known one (`busytimeout` for `busyTimeoutMs`, a
 * typo, a missing or different unit) is refused with the known name suggested, and an option of
 * better-sqlite3 is refused with what to use here instead (`enableWAL`, `key`, `timeout`): either
 * would otherwise be silently without effect. Any other name is ignored, as TypeORM ignores names
 * it does not know (NestJS spreads `retryAttempts`, `autoLoadEntities`, … into the data source's
 * options), and reported once per process at debug level (`NODE_DEBUG=typeorm-libsql`).
 */
import { debuglog } from "util";
import { LibSqlOptionsError } from "./errors";

/** Options of TypeORM's better-sqlite3 driver that users bring along, and what to do instead. */
export const BETTER_SQLITE3_OPTIONS: Readonly<Record<string, string>> = {
  enableWAL: 'is a better-sqlite3 option; WAL is on by default here (see "journalMode")',
  key: 'is a better-sqlite3 option; give the key as "encryptionKey"',
  timeout: 'is a better-sqlite3 option; give the busy timeout as "busyTimeoutMs"',
  readonly: "is a better-sqlite3 option that typeorm-libsql does not have; remove it",
  fileMustExist: "is a better-sqlite3 option that typeorm-libsql does not have; remove it",
  verbose: 'is a better-sqlite3 option; use TypeORM\'s "logging" to see the SQL',
  nativeBinding: "is a better-sqlite3 option that typeorm-libsql does not have; remove it",
  driver: "is a better-sqlite3 option; typeorm-libsql always uses its own native core, so remove it",
};

/** Edit distance between two names, compared without regard to case. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const substitution = previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length];
}

/** A name without its unit, in lower case: `syncIntervalSeconds` and `syncIntervalMs` → `syncinterval`. */
function withoutUnit(name: string): string {
  return name.toLowerCase().replace(/_?(ms|millis|milliseconds|s|sec|secs|seconds)$/, "");
}

/**
 * The known name that `name` is a near miss of, if any: one that starts with it (`busytimeout` →
 * `busyTimeoutMs`, ignoring case), one that differs only in its unit (`syncIntervalSeconds` →
 * `syncIntervalMs`), else the nearest by edit distance if close enough to be a typo (one edit for
 * a name of up to four letters, a third of the name's length for a longer one).
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const prefixed = known.filter((k) => k.toLowerCase().startsWith(lower));
  // Of several, the longest: the unit-named spelling (busyTimeoutMs).
  if (prefixed.length > 0 && lower.length >= 4) return [...prefixed].sort((a, b) => b.length - a.length)[0];
  const stem = withoutUnit(name);
  const sameStem = known.find((k) => withoutUnit(k) === stem);
  if (sameStem !== undefined && stem.length >= 4) return sameStem;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = name.length <= 4 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/**
 * `true` while `Listed` names every key of `T`, otherwise the keys left out: assigning `true` to
 * it compiles only while a list of option names is complete.
 */
export type EveryKeyListed<T, Listed> = [Exclude<keyof T, Listed>] extends [never] ? true : Exclude<keyof T, Listed>;

const debug = debuglog("typeorm-libsql");
/** Unknown names already reported, so that each is logged once per process. */
const reported = new Set<string>();

/**
 * Checks the names of `options`: refuses the first that is an option of another driver (`foreign`
 * gives the advice) or a near miss of a `known` name, and ignores the others, logging each once
 * at debug level. `where` names the options in that log line.
 */
export function checkOptionNames(
  options: object,
  known: readonly string[],
  where: string,
  foreign: Readonly<Record<string, string>> = BETTER_SQLITE3_OPTIONS,
): void {
  const ignored: string[] = [];
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    if (Object.prototype.hasOwnProperty.call(foreign, name)) throw new LibSqlOptionsError(name, foreign[name]);
    const suggestion = nearestName(name, known);
    if (suggestion !== undefined) {
      throw new LibSqlOptionsError(name, `unknown option; did you mean "${suggestion}"?`);
    }
    ignored.push(name);
  }
  const unreported = ignored.filter((name) => !reported.has(`${where}\0${name}`));
  if (unreported.length === 0) return;
  for (const name of unreported) reported.add(`${where}\0${name}`);
  debug("%s: ignoring unknown option(s) %s", where, unreported.join(", "));
}
