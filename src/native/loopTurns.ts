/**
 * Keeps the event loop turning while statements run inline. An inline result is ready before the
 * native call returns, so a chain of `await`s over inline statements would settle every step as a
 * microtask and never give timers, I/O or other requests a turn. Here the first inline result
 * after the loop has turned marks the start of a stretch; once the stretch has lasted longer than
 * the yield interval, the next results are held, and settle only after one whole turn of the loop
 * — its timers, its I/O and its immediates — has run. The cost is a couple of macrotasks per
 * stretch, never one per statement.
 *
 * Why a whole turn and not the next `setImmediate`: a stretch can begin in any phase of the loop
 * (a timer, an I/O callback, an off-thread result, an immediate). An immediate scheduled from the
 * poll phase runs in the check phase of the same turn, with no timers phase in between, so a
 * stretch begun in the poll phase and the one its held results begin in the check phase would run
 * back to back: twice the interval without a timer. The held results are therefore released by
 * an immediate that an immediate schedules: the second always runs a turn after the first, with
 * the timers and poll phases in between, whatever phase the results were held in.
 */

/** When the current stretch began (`performance.now()`), or -1 when the loop has turned since. */
let stretchStart = -1;
/** Results held back until the loop turns. */
let held: (() => void)[] = [];
/** Whether the release of the held results is scheduled. */
let releasing = false;

/** Starts a stretch now; it ends when the loop next reaches its check phase with nothing held. */
function startStretch(now: number): void {
  stretchStart = now;
  setImmediate(stretchEnded);
}

function stretchEnded(): void {
  // With results held the stretch goes on until they are released (and a new one begins then).
  if (held.length === 0) stretchStart = -1;
}

function release(): void {
  const due = held;
  held = [];
  releasing = false;
  // The results released here resume their flows within this turn: their JavaScript is the start
  // of the next stretch, not free time before it.
  startStretch(performance.now());
  for (const settle of due) settle();
}

function hold(settle: () => void): void {
  held.push(settle);
  if (releasing) return;
  releasing = true;
  // One immediate to reach a check phase, a second to be sure a whole turn lies between (above).
  setImmediate(() => setImmediate(release));
}

/**
 * Whether a result ready now must wait for the loop to turn (a stretch over `intervalMs`, which
 * 0 turns off). Starts a stretch if none is running.
 */
export function mustYield(intervalMs: number): boolean {
  if (intervalMs <= 0) return false;
  const now = performance.now();
  if (stretchStart < 0) {
    startStretch(now);
    return false;
  }
  return now - stretchStart >= intervalMs;
}

/** A Promise of `value` settled once the loop has turned. */
export function afterTurn<T>(value: T): Promise<T> {
  return new Promise<T>((resolve) => hold(() => resolve(value)));
}

/** A Promise rejected with `error` once the loop has turned. */
export function failAfterTurn(error: unknown): Promise<never> {
  return new Promise<never>((_resolve, reject) => hold(() => reject(error)));
}
