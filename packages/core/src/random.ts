import * as tf from "@tensorflow/tfjs-core";

/**
 * Seeded pseudo-random numbers (sfc32, seeded through splitmix32). Same seed → same sequence on
 * every platform; independent of tfjs' own global RNG. Used for weight init, shuffles, masks.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    let s = Math.trunc(seed) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Standard normal (Box–Muller, pairs cached). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return mean + std * v;
    }
    let u = 0;
    while (u <= 1e-300) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(th);
    return mean + std * r * Math.cos(th);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const t = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = t;
    }
    return arr;
  }

  /** A new generator whose stream is derived from this one (for independent sub-streams). */
  fork(): Rng {
    return new Rng(this.nextU32());
  }

  /** A float32 tensor of uniform values in [lo, hi). */
  uniformTensor(shape: number[], lo = 0, hi = 1): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = this.uniform(lo, hi);
    return tf.tensor(data, shape, "float32");
  }

  /** A float32 tensor of normal values. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = this.normal(mean, std);
    return tf.tensor(data, shape, "float32");
  }
}
