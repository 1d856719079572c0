/** Stacks per-image masks into a tensor. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Stacks per-image row-major `[h·w]` masks into an NHWC `[N,h,w,1]` float32 tensor (broadcasts
 * over channels).
 */
export function batchMask(masks: ReadonlyArray<ArrayLike<number>>, h: number, w: number): tf.Tensor4D {
  const data = new Float32Array(masks.length * h * w);
  masks.forEach((m, i) => {
    if (m.length !== h * w) throw new Error(`batchMask: mask ${i} has ${m.length} values, expected ${h * w}`);
    data.set(m, i * h * w);
  });
  return tf.tensor4d(data, [masks.length, h, w, 1]);
}
