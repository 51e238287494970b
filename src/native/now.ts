/**
 * Native calls that may finish at once. A statement that runs inline (see
 * docs/execution-model.md) has its result before the native call returns; the binding's `*Now` methods hand that
 * result straight back instead of wrapping it in a Promise, and give a Promise only when the call
 * went off the thread. The driver uses them to save a Promise and a turn of the microtask queue
 * per statement; the public methods still return Promises. Once inline work has held a turn of
 * the event loop for longer than the connection's yield interval, the next result waits for the
 * loop to turn (`loopTurns.ts`). Also here: large results taken a page
 * at a time, and query options packed into a number, which is cheaper for the addon to read.
 */
import { binding, IntMode, RawResult, RowMode } from "./binding";
import { toLibSqlError } from "./errors";
import { afterTurn, failAfterTurn, mustYield } from "./loopTurns";

/** A value now, or a Promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Rows turned into JavaScript values per turn of the event loop. A larger result comes back in
 * pages, with the loop free between them, so that converting it never blocks for long.
 */
export const RESULT_PAGE_ROWS = 1000;

/** Takes the rows of a paged result (see `RESULT_PAGE_ROWS`), yielding to the loop between pages. */
export async function collect(result: RawResult): Promise<RawResult> {
  const id = result.more;
  if (id === undefined) return result;
  delete result.more;
  try {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const page = binding().takeRows(id, RESULT_PAGE_ROWS);
      for (const row of page.rows) result.rows.push(row);
      if (page.done) return result;
    }
  } catch (error) {
    try {
      binding().dropRows(id);
    } catch {
      // Already freed.
    }
    throw toLibSqlError(error);
  }
}

const INT_MODE_BITS: Record<IntMode, number> = { number: 0, bigint: 1, string: 2 };

/**
 * Query options as the addon reads them fastest: bits 0–1 the integer mode, bit 2 rows as
 * objects, bits 8 and up the page size (see `JsQueryOptions` in native/src/node/mod.rs).
 */
export function packOptions(intMode: IntMode, rowMode: RowMode, pageRows = RESULT_PAGE_ROWS): number {
  return INT_MODE_BITS[intMode] | (rowMode === "object" ? 4 : 0) | (pageRows << 8);
}

function failed(error: unknown): never {
  throw toLibSqlError(error);
}

/**
 * Makes a native call that may finish at once; its failures are `LibSqlError`s either way. A
 * result ready now comes back as a Promise settled after the loop turns if inline work has held
 * the loop for `yieldIntervalMs` (0: never).
 */
export function callNow<T>(call: () => MaybePromise<T>, yieldIntervalMs: number): MaybePromise<T> {
  let out: MaybePromise<T>;
  try {
    out = call();
  } catch (error) {
    if (mustYield(yieldIntervalMs)) return failAfterTurn(toLibSqlError(error));
    failed(error);
  }
  if (out instanceof Promise) return out.catch(failed);
  return mustYield(yieldIntervalMs) ? afterTurn(out) : out;
}

function complete(result: RawResult): MaybePromise<RawResult> {
  return result.more === undefined ? result : collect(result);
}

/** A native call returning a result, with any further pages collected (which needs a Promise). */
export function resultNow(call: () => MaybePromise<RawResult>, yieldIntervalMs: number): MaybePromise<RawResult> {
  const out = callNow(call, yieldIntervalMs);
  return out instanceof Promise ? out.then(complete) : complete(out);
}

/** A native call returning nothing. */
export function doneNow(call: () => MaybePromise<undefined>, yieldIntervalMs: number): MaybePromise<void> {
  return callNow(call, yieldIntervalMs);
}
