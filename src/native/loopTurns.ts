/**
 * Keeps the event loop turning while statements run inline. An inline result is ready before the
 * native call returns, so a chain of `await`s over inline statements would settle every step as a
 * microtask and never give timers, I/O or other requests a turn. Here the first inline result of
 * a turn of the loop marks the start of a stretch (and schedules one `setImmediate` that ends it
 * when the loop turns); once the stretch has lasted longer than the yield interval, the next
 * result settles only after that `setImmediate` has run, that is after the loop has turned. The
 * cost is one macrotask per stretch, never one per statement.
 */

/** When the current stretch began (`performance.now()`), or -1 when the loop has turned since. */
let stretchStart = -1;
/** Results held back until the loop turns. */
let held: (() => void)[] = [];

function turned(): void {
  const due = held;
  held = [];
  if (due.length === 0) {
    stretchStart = -1;
    return;
  }
  // The results released here resume their flows within this turn: their JavaScript is the start
  // of the next stretch, not free time before it.
  stretchStart = performance.now();
  setImmediate(turned);
  for (const settle of due) settle();
}

/**
 * Whether a result ready now must wait for the loop to turn (a stretch over `intervalMs`, which
 * 0 turns off). Starts a stretch if none is running.
 */
export function mustYield(intervalMs: number): boolean {
  if (intervalMs <= 0) return false;
  const now = performance.now();
  if (stretchStart < 0) {
    stretchStart = now;
    setImmediate(turned);
    return false;
  }
  return now - stretchStart >= intervalMs;
}

/** A Promise of `value` settled once the loop has turned. */
export function afterTurn<T>(value: T): Promise<T> {
  return new Promise<T>((resolve) => held.push(() => resolve(value)));
}

/** A Promise rejected with `error` once the loop has turned. */
export function failAfterTurn(error: unknown): Promise<never> {
  return new Promise<never>((_resolve, reject) => held.push(() => reject(error)));
}
