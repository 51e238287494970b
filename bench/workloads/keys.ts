/**
 * Deterministic "random" keys: the i-th key of a workload is the same on every driver, so all of
 * them read the same rows in the same order.
 */

/** A well-mixed 32-bit hash of `i` and `seed` (the mulberry32 finaliser). */
export function mix(i: number, seed: number): number {
  let t = (i + seed * 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A key in 1..n. */
export function keyAt(i: number, n: number, seed: number): number {
  return (mix(i, seed) % n) + 1;
}

/** A number in [0, 1). */
export function fractionAt(i: number, seed: number): number {
  return mix(i, seed) / 2 ** 32;
}
