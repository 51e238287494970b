/**
 * Option names: a name nobody reads is refused rather than silently ignored, with the nearest
 * known name suggested (`busytimeout` → `busyTimeoutMs`) or, for an option of another driver, what
 * to use here instead (`enableWAL`, `key`, `timeout` of better-sqlite3).
 */
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

/**
 * The known name closest to `name`: one that starts with it or it starts with (`busytimeout` →
 * `busyTimeoutMs`, ignoring case), else the nearest by edit distance if close enough to be a typo.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const prefixed = known.filter((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  // Of several, the longest: the unit-named spelling over its older alias (busyTimeoutMs, busyTimeout).
  if (prefixed.length > 0 && lower.length >= 4) return [...prefixed].sort((a, b) => b.length - a.length)[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Refuses the first option whose name is not `known`, saying what to use instead. `foreign` gives
 * advice for options of other drivers.
 */
export function checkOptionNames(
  options: object,
  known: readonly string[],
  foreign: Readonly<Record<string, string>> = BETTER_SQLITE3_OPTIONS,
): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    if (Object.prototype.hasOwnProperty.call(foreign, name)) throw new LibSqlOptionsError(name, foreign[name]);
    const suggestion = nearestName(name, known);
    throw new LibSqlOptionsError(
      name,
      suggestion === undefined
        ? `unknown option (the options are listed in the README under "Options")`
        : `unknown option; did you mean "${suggestion}"?`,
    );
  }
}
