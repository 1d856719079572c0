/**
 * Student-anchored InfoNCE over instance embeddings (the `ckd` family's contrastive term).
 * Internal module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { LOGIT_BOUND } from "../ops/logit-ops";

/** Negative sets of {@link infoNce} besides the other instances. */
export interface InfoNceOptions {
  /** Temperature τ. */
  tau: number;
  /** Use `v_j` (j ≠ k) as negatives of anchor k. */
  instanceNegatives: boolean;
  /** Shared negatives `[M, D]` (e.g. background embeddings), or null. */
  background: tf.Tensor2D | null;
  /** Per-anchor negatives `[K, R, D]` (e.g. the same box on other images), or null. */
  crossImage: tf.Tensor3D | null;
}

/**
 * `−(1/K) Σ_k log( e^{u_k·v_k/τ} / (e^{u_k·v_k/τ} + Σ_{n ∈ neg(k)} e^{u_k·n/τ}) )` for
 * L2-normalised student anchors `u` `[K, D]` and teacher positives `v` `[K, D]`; neg(k) = the
 * other `v_j`, every background row, and the anchor's own cross-image rows. Computed as a
 * log-softmax over the row `[pos | v-negatives | background | cross]`, the excluded diagonal
 * set to −1e4 (probability exactly 0). Returns a scalar; an anchor with no negative adds 0.
 */
export function infoNce(u: tf.Tensor2D, v: tf.Tensor2D, o: InfoNceOptions): tf.Scalar {
  return tf.tidy(() => {
    const k = u.shape[0];
    const cols: tf.Tensor[] = [tf.div(tf.sum(tf.mul(u, v), 1, true), o.tau)];
    if (o.instanceNegatives && k > 1) {
      const sim = tf.div(tf.matMul(u, v, false, true), o.tau);
      cols.push(tf.where(tf.cast(tf.eye(k), "bool"), tf.fill([k, k], -LOGIT_BOUND), sim));
    }
    if (o.background && o.background.shape[0] > 0)
      cols.push(tf.div(tf.matMul(u, o.background, false, true), o.tau));
    if (o.crossImage && o.crossImage.shape[1] > 0)
      cols.push(tf.div(tf.sum(tf.mul(tf.expandDims(u, 1), o.crossImage), 2), o.tau));
    const logits = cols.length === 1 ? cols[0]! : tf.concat(cols, 1);
    const logProbPos = tf.slice(tf.logSoftmax(logits), [0, 0], [k, 1]);
    return tf.neg(tf.mean(logProbPos)) as tf.Scalar;
  });
}
