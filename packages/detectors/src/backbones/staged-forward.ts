import type * as tf from "@tensorflow/tfjs-core";
import type { Module } from "@kdet/core";

/**
 * Forward pass of a staged backbone (CSPDarknet, YOLOX darknet): `stem`, then every stage in order; returns the
 * outputs of the stages from index `from` on (default 1: c3–c5 of stages c2–c5). NHWC throughout.
 */
export function stagedForward(
  stem: Module<tf.Tensor4D, tf.Tensor4D>,
  stages: readonly Module<tf.Tensor4D, tf.Tensor4D>[],
  x: tf.Tensor4D,
  from = 1,
): tf.Tensor4D[] {
  let y = stem.call(x);
  const outs: tf.Tensor4D[] = [];
  for (const [i, s] of stages.entries()) {
    y = s.call(y);
    if (i >= from) outs.push(y);
  }
  return outs;
}
