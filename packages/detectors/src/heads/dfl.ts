import * as tf from "@tensorflow/tfjs-core";
import { op } from "@kdet/core";

/**
 * Integral of a discretised distance distribution (DFL decoding; Li et al., "Generalized Focal Loss",
 * NeurIPS 2020; ultralytics `DFL`): logits `[..., 4·R]` (4 sides × R bins, side-major as in the
 * reference's `view(b, 4, R)`) → `[..., 4]` with d = Σ_{i<R} softmax(logits)_i · i, in bin units
 * (one bin = one stride).
 */
export const dflIntegral = op("dflIntegral", (logits: tf.Tensor, bins: number): tf.Tensor => {
  const lead = logits.shape.slice(0, -1);
  const p = tf.softmax(tf.reshape(logits, [...lead, 4, bins]));
  return tf.sum(tf.mul(p, tf.range(0, bins, 1, "float32")), -1);
});

/**
 * Distances (left, top, right, bottom) from anchor points → xyxy boxes (ultralytics `dist2bbox`,
 * xywh=false): x1 = ax − l, y1 = ay − t, x2 = ax + r, y2 = ay + b. `anchors` `[A,2]` broadcasts
 * against `dist` `[..., A, 4]`; both in the same unit (pixels or strides).
 */
export const distToBox = op("distToBox", (anchors: tf.Tensor, dist: tf.Tensor): tf.Tensor => {
  const [lt, rb] = tf.split(dist, 2, -1) as [tf.Tensor, tf.Tensor];
  return tf.concat([tf.sub(anchors, lt), tf.add(anchors, rb)], -1);
});

/**
 * Inverse of {@link distToBox} on plain numbers (ultralytics `bbox2dist`): for one anchor (ax, ay) and
 * one xyxy box, writes (ax − x1, ay − y1, x2 − ax, y2 − ay) clamped to [0, max] into `out` at `o`.
 */
export function boxToDist(
  ax: number,
  ay: number,
  box: ArrayLike<number>,
  b: number,
  max: number,
  out: Float32Array,
  o: number,
): void {
  const c = (v: number): number => Math.min(Math.max(v, 0), max);
  out[o] = c(ax - (box[b] as number));
  out[o + 1] = c(ay - (box[b + 1] as number));
  out[o + 2] = c((box[b + 2] as number) - ax);
  out[o + 3] = c((box[b + 3] as number) - ay);
}

/**
 * DFL target distribution (Li et al. 2020, eq. 6): a continuous distance t ∈ [0, R−1) puts weight
 * (⌊t⌋+1 − t) on bin ⌊t⌋ and (t − ⌊t⌋) on bin ⌊t⌋+1; `dist` `[n·4]` (bins) → `[n·4·R]`.
 * Cross-entropy against it equals the reference's `CE(pred, tl)·wl + CE(pred, tr)·wr`.
 */
export function dflTargets(dist: Float32Array, bins: number): Float32Array {
  const out = new Float32Array(dist.length * bins);
  for (let i = 0; i < dist.length; i++) {
    const t = dist[i] as number;
    const tl = Math.floor(t);
    const wr = t - tl;
    out[i * bins + tl] = 1 - wr;
    if (tl + 1 < bins) out[i * bins + tl + 1] = wr;
  }
  return out;
}

/**
 * Distribution focal loss per side: −Σ_i target_i · log_softmax(logits)_i over the R bins.
 * `logits` `[n, 4·R]`, `targets` `[n, 4, R]` from {@link dflTargets} → `[n, 4]`. Reduction: none.
 */
export const dflLoss = op(
  "dflLoss",
  (logits: tf.Tensor2D, targets: tf.Tensor3D, bins: number): tf.Tensor2D => {
    const n = logits.shape[0];
    const logp = tf.logSoftmax(tf.reshape(logits, [n, 4, bins]));
    return tf.neg(tf.sum(tf.mul(targets, logp), -1)) as tf.Tensor2D;
  },
);
