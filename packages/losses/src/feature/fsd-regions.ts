/**
 * FSD region weights and the masked-distribution KL (the FSD family's building blocks; see
 * `fsd.ts`). Internal module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { centernetHeatmap } from "../masks/centernet-heatmap";
import { LOGIT_BOUND } from "../ops/logit-ops";

/**
 * Class-agnostic CenterNet heatmap of a batch on an `h×w` map as NHWC `[N,h,w,1]`: per image,
 * `centernetHeatmap` (mmdet `gaussian_target`: radius = trunc(gaussian_radius((h·r_h, w·r_w),
 * minOverlap)), σ = (2r+1)/6, integer centre, element-wise max over boxes).
 * Boxes `xyxy` in input pixels (`imageSize = [H_img, W_img]`, the padded batch input).
 */
export function heatmapBatch(
  boxes: ReadonlyArray<ArrayLike<number>>,
  h: number,
  w: number,
  imageSize: readonly [number, number],
  minOverlap: number,
): tf.Tensor4D {
  const data = new Float32Array(boxes.length * h * w);
  boxes.forEach((b, n) => {
    const heat = centernetHeatmap(b, undefined, 1, [h, w], imageSize, minOverlap).heatmap;
    data.set(heat, n * h * w);
  });
  return tf.tensor4d(data, [boxes.length, h, w, 1]);
}

/**
 * Scaled channel logits `clip(x/τ, ±LOGIT_BOUND)` of NHWC `[N,H,W,C]` as `[N, C, H·W]` (the CWD
 * transpose [0,3,1,2]; an NHWC reshape would mix channels). Compute once per tensor and share it
 * between the regions.
 */
export function channelLogits(x: tf.Tensor, tau: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const z = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, c, h * w]);
    return tf.clipByValue(tau === 1 ? z : tf.div(z, tau), -LOGIT_BOUND, LOGIT_BOUND) as tf.Tensor3D;
  });
}

/**
 * Masked-distribution KL of one region, from {@link channelLogits} `zS`, `zT` `[N,C,H·W]` (zT
 * constant) and constant weights `W` `[N,H,W,1]`:
 *
 *   p_{n,c,i} ∝ W_{n,i}·exp(z_{n,c,i})   (softmax of z + log W over the positions with W > 0)
 *   KL = τ²/(N·C) · Σ_{n,c} KL(p^T_{n,c} ‖ p^S_{n,c})
 *
 * Positions with W = 0 get the bias −3·LOGIT_BOUND, so their probability is exactly 0 in float32
 * (finite logs, zero gradient, no `where` on the differentiable path); an image whose region is
 * empty contributes 0.
 */
export function regionKl(zS: tf.Tensor3D, zT: tf.Tensor3D, weight: tf.Tensor, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, c, hw] = zS.shape;
    const w = tf.reshape(weight, [n, 1, hw]);
    const inside = tf.greater(w, 0);
    const bias = tf.where(
      inside,
      tf.log(tf.where(inside, w, tf.onesLike(w))),
      tf.fill([n, 1, hw], -3 * LOGIT_BOUND),
    );
    const support = tf.cast(tf.any(inside, [1, 2]), "float32"); // [N]
    const logPS = tf.logSoftmax(tf.add(zS, bias));
    const logPT = tf.logSoftmax(tf.add(zT, bias));
    const kl = tf.sum(tf.mul(tf.exp(logPT), tf.sub(logPT, logPS)), [1, 2]); // [N]
    return tf.mul(tf.sum(tf.mul(kl, support)), (tau * tau) / (n * c)) as tf.Scalar;
  });
}

/**
 * Weighted squared error of one region: `Σ_{n,h,w,c} W (S − T)² / (C · max(Σ_{n,h,w} W, 1e-12))`,
 * the weighted mean over the region's elements (0 for an empty region). NHWC; weights `[N,H,W,1]`.
 */
export function regionMse(s: tf.Tensor, t: tf.Tensor, weight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const c = s.shape[3] ?? 1;
    const num = tf.sum(tf.mul(tf.squaredDifference(s, t), weight));
    return tf.div(num, tf.mul(tf.maximum(tf.sum(weight), 1e-12), c)) as tf.Scalar;
  });
}
