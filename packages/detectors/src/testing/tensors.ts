/** Test-only tensor helpers. */
import * as tf from "@tensorflow/tfjs-core";

/** max |a − b| over all elements, as a number (no tensors left behind). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}
