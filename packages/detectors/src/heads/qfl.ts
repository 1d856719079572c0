import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";
import { bceWithLogits } from "./bce";

/**
 * Quality focal loss (Li et al., NeurIPS 2020, eq. 4; mmdet `quality_focal_loss`), element-wise:
 * QFL(x, y) = BCE(x, y) · |y − σ(x)|^β, y ∈ [0, 1] the IoU quality target (0 for negatives and
 * other classes). The modulating factor keeps its gradient, as in mmdet. Reduction: none.
 */
export const qualityFocalLoss = op(
  "qualityFocalLoss",
  (logits: tf.Tensor, targets: tf.Tensor, beta = 2): tf.Tensor =>
    tf.mul(bceWithLogits(logits, targets), tf.pow(tf.abs(tf.sub(targets, tf.sigmoid(logits))), beta)),
);
