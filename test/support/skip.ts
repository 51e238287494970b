/**
 * Test support: skipping a test or a suite only for a reason the run recognises, and the check
 * that holds CI to it.
 *
 * `skipBecause(this, reason, detail)` (from a test or a `before` hook) prints why and marks the
 * test or suite with the reason. Some reasons are never accepted in CI (`CI` set): there the
 * call fails the hook or test instead, so a missing server or compiler is an error, not a skip.
 * The root `afterAll` hook (`hooks.ts`) then counts the run's tests and, in CI, fails the run if
 * any test is pending without a recognised reason (an `it.skip`, a bare `this.skip()`).
 */
import * as fs from "fs";

/** Every reason a test may be skipped for, and whether CI accepts it. */
export const SKIP_REASONS = {
  /** No sqld binary: outside CI the remote and replica suites are skipped. */
  "no-sqld": { allowedInCi: false },
  /** No C compiler to build the test's SQLite extension with. */
  "no-c-compiler": { allowedInCi: false },
  /** File permissions that are not POSIX (Windows): a permission test cannot be set up. */
  "no-posix-permissions": { allowedInCi: true },
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;

/** Whether this run is CI (`CI` set to anything but empty, "0" or "false"). */
export function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

const REASON = Symbol.for("typeorm-libsql.test.skipReason");

type Marked = { [REASON]?: SkipReason };

/**
 * Skips the current test, or the current suite when called from a `before` hook, for `reason`.
 * In CI a reason CI does not accept throws instead, naming what could not run.
 */
export function skipBecause(context: Mocha.Context, reason: SkipReason, detail: string): never {
  if (inCi() && !SKIP_REASONS[reason].allowedInCi) {
    throw new Error(`CI must run this, but cannot (${reason}): ${detail}`);
  }
  console.log(`      [skipped: ${reason}] ${detail}`);
  const runnable = context.test;
  const isHook = (runnable as { type?: string } | undefined)?.type === "hook";
  const marked = isHook ? runnable?.parent : runnable;
  if (marked) (marked as Marked)[REASON] = reason;
  context.skip();
}

/** The recognised reason a pending test (or one of its suites) was skipped for, if any. */
function reasonOf(test: Mocha.Test): SkipReason | undefined {
  let node: Mocha.Test | Mocha.Suite | undefined = test;
  while (node) {
    const reason = (node as Marked)[REASON];
    if (reason !== undefined) return reason;
    node = node.parent;
  }
  return undefined;
}

export interface RunSummary {
  tests: number;
  passed: number;
  failed: number;
  pending: number;
  /** Pending tests per recognised reason. */
  reasons: Partial<Record<SkipReason, number>>;
  /** Full titles of pending tests without a recognised reason. */
  unexplained: string[];
}

/** Counts the tests under `root` once they have run. */
export function summarise(root: Mocha.Suite): RunSummary {
  const summary: RunSummary = { tests: 0, passed: 0, failed: 0, pending: 0, reasons: {}, unexplained: [] };
  const visit = (suite: Mocha.Suite): void => {
    for (const test of suite.tests) {
      summary.tests += 1;
      if (test.isPending()) {
        summary.pending += 1;
        const reason = reasonOf(test);
        if (reason === undefined) summary.unexplained.push(test.fullTitle());
        else summary.reasons[reason] = (summary.reasons[reason] ?? 0) + 1;
      } else if (test.state === "passed") summary.passed += 1;
      else if (test.state === "failed") summary.failed += 1;
    }
    for (const child of suite.suites) visit(child);
  };
  visit(root);
  return summary;
}

/**
 * The root `afterAll` check: prints the counts, writes them to the file named by
 * `TEST_SUMMARY_FILE` (for `.ci/run`), and in CI throws if a test is pending without a
 * recognised reason.
 */
export function checkRun(root: Mocha.Suite): void {
  const summary = summarise(root);
  const reasons = Object.entries(summary.reasons).map(([reason, count]) => `${reason}: ${count}`);
  console.log(
    `\n  run summary: ${summary.tests} tests, ${summary.passed} passed, ${summary.failed} failed, ` +
      `${summary.pending} pending${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}`,
  );
  const file = process.env.TEST_SUMMARY_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(summary));
  if (inCi() && summary.unexplained.length > 0) {
    throw new Error(
      `${summary.unexplained.length} test(s) pending without a recognised reason (use skipBecause from ` +
        `test/support/skip.ts):\n${summary.unexplained.map((title) => `  - ${title}`).join("\n")}`,
    );
  }
}
