import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";

/**
 * Element-wise binary cross-entropy with logits, numerically stable (PyTorch
 * `binary_cross_entropy_with_logits`, reduction none): max(x, 0) − x·z + log(1 + e^−|x|).
 */
export const bceWithLogits = op(
  "bceWithLogits",
  (logits: tf.Tensor, targets: tf.Tensor): tf.Tensor =>
    tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.softplus(tf.neg(tf.abs(logits)))),
);
