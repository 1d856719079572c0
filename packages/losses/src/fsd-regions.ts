/**
 * FSD region weights and the masked-distribution KL (the FSD family's building blocks; see
 * `fsd.ts`). Internal module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { centernetHeatmap } from "./masks/centernet-heatmap.js";
import { LOGIT_BOUND } from "./logit-ops.js";

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

/** `[N,H,W,C]` → `[N·C, H·W]` channel maps (row-major h·W+w), via transpose [0,3,1,2]. */
export function channelMaps(x: tf.Tensor): tf.Tensor2D {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.transpose(x, [0, 3, 1, 2]).reshape([n * c, h * w]);
}

/**
 * Log-probabilities of the per-channel distribution restricted to a weighted region:
 * `log p_i = log softmax_i( x_i/τ + log W_i )` over the positions with `W_i > 0`
 * (i.e. `p_i ∝ W_i·exp(x_i/τ)`), on NHWC `x` `[N,H,W,C]` and weights `W` `[N,H,W,1]` (constant).
 * Positions with `W = 0` get the logit `−LOGIT_BOUND` (probability exactly 0 in float32, finite
 * log, zero gradient). A map with no support gives the uniform distribution (KL 0). Returns
 * `[N·C, H·W]`.
 */
export function regionLogProbs(x: tf.Tensor, weight: tf.Tensor, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const wAll = channelMaps(tf.broadcastTo(weight, x.shape));
    const inside = tf.greater(wAll, 0);
    const logW = tf.log(tf.where(inside, wAll, tf.onesLike(wAll)));
    const z = tf.clipByValue(tf.div(channelMaps(x), tau), -LOGIT_BOUND, LOGIT_BOUND);
    const logits = tf.where(inside, tf.add(z, logW), tf.fill(wAll.shape, -LOGIT_BOUND));
    return tf.logSoftmax(logits) as tf.Tensor2D;
  });
}

/**
 * Masked-distribution KL of one region: `τ²/(N·C) · Σ_{n,c} KL(p^T_{n,c} ‖ p^S_{n,c})` with
 * `p` from {@link regionLogProbs}; `s`, `t` NHWC `[N,H,W,C]` (t constant), weights `[N,H,W,1]`.
 */
export function regionKl(s: tf.Tensor, t: tf.Tensor, weight: tf.Tensor, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, , , c] = s.shape as number[];
    const logPS = regionLogProbs(s, weight, tau);
    const logPT = regionLogProbs(t, weight, tau);
    const kl = tf.sum(tf.mul(tf.exp(logPT), tf.sub(logPT, logPS)));
    return tf.mul(kl, (tau * tau) / (n! * c!)) as tf.Scalar;
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
