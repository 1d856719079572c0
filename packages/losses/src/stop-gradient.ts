/**
 * `stopGradient`: tfjs-core 4.22 has no `tf.stopGradient`; this is the identity whose gradient
 * is zero, so a teacher tensor stays constant even when it sits inside a gradient closure.
 */
import * as tf from "@tensorflow/tfjs-core";

const stop = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** Identity in the forward pass, zero gradient in the backward pass (PyTorch `detach`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
