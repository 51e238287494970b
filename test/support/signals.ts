/**
 * Test support: waiting for a signal instead of a fixed time. `until` polls a condition (a
 * counter, a log entry) every millisecond, bounded; `tracked` tells whether a promise has settled
 * without awaiting it; `barrier` holds concurrent work until all of it has arrived.
 */
import { setTimeout as sleep } from "timers/promises";

/** Resolves once `condition()` holds, checking every millisecond; throws after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}

/** A few turns of the event loop: lets a call just issued reach the native core. */
export async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** `promise`, with whether it has settled yet. */
export function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const observed = promise.finally(() => {
    settled = true;
  });
  observed.catch(() => undefined);
  return { promise: observed, settled: () => settled };
}

/** A barrier for `parties` callers: each call resolves once all of them have called. */
export function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}
