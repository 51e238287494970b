/**
 * A full garbage collection on demand, for the bench only: run, unwatched, before every watched
 * round so that no round is billed for collecting (and running the native finalizers of) what
 * another driver left behind. TypeORM's better-sqlite3 driver, on both peers, caches 100 prepared
 * statements by SQL text; TypeORM 1.x writes ids and stored numbers into the text, so nearly every
 * query leaves a native statement object to the GC, and one old-generation collection was seen to
 * spend 321 ms finalizing them inside whichever round was running (`node --trace-gc`).
 */
import * as v8 from "v8";
import * as vm from "vm";

let gc: (() => void) | undefined;

/** Collects all garbage now (V8's `gc()`, exposed for this process on first use). */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  }
  gc();
}
