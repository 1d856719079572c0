import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";
import { bceWithLogits } from "./bce";

/**
 * Sigmoid focal loss (Lin et al., ICCV 2017, eq. 5; mmdet `py_sigmoid_focal_loss`), element-wise:
 * p = σ(x), p_t' = (1 − p)·t + p·(1 − t), FL = BCE(x, t) · (α·t + (1 − α)·(1 − t)) · p_t'^γ,
 * t ∈ {0, 1} the one-hot target (0 for background anchors). The modulating factor keeps its
 * gradient, as in mmdet and torchvision. Defaults α = 0.25, γ = 2. Reduction: none.
 */
export const sigmoidFocalLoss = op(
  "sigmoidFocalLoss",
  (logits: tf.Tensor, targets: tf.Tensor, alpha = 0.25, gamma = 2): tf.Tensor => {
    const p = tf.sigmoid(logits);
    const pt = tf.add(tf.mul(tf.sub(1, p), targets), tf.mul(p, tf.sub(1, targets)));
    const w = tf.mul(
      tf.add(tf.mul(alpha, targets), tf.mul(1 - alpha, tf.sub(1, targets))),
      tf.pow(pt, gamma),
    );
    return tf.mul(bceWithLogits(logits, targets), w);
  },
);
