import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../random";
import { initBackend, type BackendName } from "./init-backend";

/**
 * Test support for the backend kernels (not exported from the package): seeded data, running the
 * same function on cpu and on wasm, and a normwise relative comparison.
 */

/** `n` seeded values uniform in [-1, 1) ({@link Rng}), deterministic for `seed`. */
export function seeded(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** A seeded random tensor of `shape`. */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

/** Activates `backend` (kdet kernels/fixes registered), runs `fn` in a tidy and returns the values of its tensors. */
export async function runOn(backend: BackendName, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend({ backend, quiet: true });
  const outs = tf.tidy(fn);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

/** Max |a - b| divided by max |b| (normwise relative error; 0 when both are all-zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
