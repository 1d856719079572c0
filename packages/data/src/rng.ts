/**
 * Seeded pseudo-random numbers: sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit state,
 * passes PractRand) seeded through splitmix32 so that nearby seeds give unrelated streams.
 * Deterministic across platforms: only 32-bit integer arithmetic (`Math.imul`, `>>>`).
 */

/** A seeded random stream. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A new independent stream derived from this one's seed and `key` (does not advance this stream). */
  fork(key: number): Rng;
  /** The seed this stream was created from. */
  readonly seed: number;
}

/** splitmix32 step: a bijective 32-bit mixer (finaliser of MurmurHash3 style). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash several integers into one 32-bit seed (order matters). */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = mix32((h ^ mix32(p | 0)) >>> 0);
  return h >>> 0;
}

/** Create an sfc32 stream from a 32-bit seed. */
export function createRng(seed: number): Rng {
  const s0 = seed >>> 0;
  let a = mix32(s0);
  let b = mix32(a ^ 0x1b873593);
  let c = mix32(b ^ 0xcc9e2d51);
  let d = 1;
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextU32();
  const next = (): number => nextU32() / 4294967296;
  return {
    seed: s0,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    fork: (key) => createRng(hashSeed(s0, key)),
  };
}

/** Fisher–Yates shuffle of `0..n-1` with the given stream. */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
