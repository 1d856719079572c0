import * as tf from "@tensorflow/tfjs-core";
import { roiAlign } from "@kdet/core";

/** Multi-level RoI pooling settings (mmdet `SingleRoIExtractor` of `faster-rcnn_r50_fpn`). */
export interface RoiPoolOptions {
  /** Output bins per side (mmdet `output_size` 7). */
  outputSize?: number;
  /** Sampling points per bin side, 0 = adaptive ⌈roi / bins⌉ (mmdet `sampling_ratio` 0). */
  samplingRatio?: number;
  /** Scale of the finest level's RoIs (mmdet `finest_scale` 56). */
  finestScale?: number;
}

/**
 * FPN level of each RoI, as mmdet `SingleRoIExtractor.map_roi_levels` (Lin et al., FPN, eq. 1 with k0 = 4):
 * scale = √((x2 − x1)·(y2 − y1)), level = clamp(⌊log2(scale / finestScale + 1e−6)⌋, 0, numLevels − 1).
 * `boxes` flat xyxy `[R·4]` (input pixels); returns level indices (0 = the finest pooled level, P2).
 */
export function mapRoiLevels(boxes: ArrayLike<number>, numLevels: number, finestScale = 56): Int32Array {
  const R = boxes.length / 4;
  const out = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    const w = (boxes[4 * r + 2] as number) - (boxes[4 * r] as number);
    const h = (boxes[4 * r + 3] as number) - (boxes[4 * r + 1] as number);
    const lvl = Math.floor(Math.log2(Math.sqrt(w * h) / finestScale + 1e-6));
    out[r] = Math.min(Math.max(lvl, 0), numLevels - 1);
  }
  return out;
}

/**
 * Pools RoIs from an FPN, level by level: each RoI from the level {@link mapRoiLevels} picks, by `@kdet/core`
 * `roiAlign` (`outputSize`², spatial scale 1/stride, `samplingRatio`, aligned = true, mmcv `RoIAlign`). `features`
 * NHWC `[N, h_l, w_l, C]` finest first at `strides`; `rois` rows (batch index, x1, y1, x2, y2), input pixels.
 * Returns `pooled` `[R, s, s, C]` whose row i is RoI `order[i]` (the RoIs of level 0 first, each level in RoI order);
 * differentiable w.r.t. the features (zero w.r.t. the boxes, as mmcv). Tidy.
 */
export function poolRoisByLevel(
  features: readonly tf.Tensor4D[],
  strides: readonly number[],
  rois: Float32Array,
  opts: RoiPoolOptions = {},
): { pooled: tf.Tensor4D; order: Int32Array } {
  const { outputSize = 7, samplingRatio = 0, finestScale = 56 } = opts;
  const R = rois.length / 5;
  const boxes = new Float32Array(R * 4);
  for (let r = 0; r < R; r++) boxes.set(rois.subarray(5 * r + 1, 5 * r + 5), 4 * r);
  const levels = mapRoiLevels(boxes, features.length, finestScale);
  const order = new Int32Array(R);
  const pooled = tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    let n = 0;
    features.forEach((f, l) => {
      const idx: number[] = [];
      for (let r = 0; r < R; r++) if (levels[r] === l) idx.push(r);
      if (idx.length === 0) return;
      const sel = new Float32Array(idx.length * 5);
      idx.forEach((r, i) => sel.set(rois.subarray(5 * r, 5 * r + 5), 5 * i));
      parts.push(
        roiAlign(f, tf.tensor2d(sel, [idx.length, 5]), {
          outputSize: [outputSize, outputSize],
          spatialScale: 1 / (strides[l] as number),
          samplingRatio,
          aligned: true,
        }),
      );
      order.set(idx, n);
      n += idx.length;
    });
    const C = features[0]?.shape[3] ?? 0;
    if (parts.length === 0) return tf.zeros([0, outputSize, outputSize, C]) as tf.Tensor4D;
    return parts.length === 1 ? (parts[0] as tf.Tensor4D) : (tf.concat(parts, 0) as tf.Tensor4D);
  });
  return { pooled, order };
}

/** Rows of `x` (level order, as {@link poolRoisByLevel}) back in RoI order: `out[order[i]] = x[i]` (`x` itself when the orders agree). */
function toRoiOrder<T extends tf.Tensor>(x: T, order: Int32Array): T {
  if (order.every((r, i) => r === i)) return x;
  const inverse = new Int32Array(order.length);
  order.forEach((r, i) => {
    inverse[r] = i;
  });
  return tf.tidy(() => tf.gather(x, tf.tensor1d(inverse, "int32"), 0) as T);
}

/** {@link poolRoisByLevel} with the pooled maps in RoI order (one gather of `[R, s, s, C]`). Tidy. */
export function poolRois(
  features: readonly tf.Tensor4D[],
  strides: readonly number[],
  rois: Float32Array,
  opts: RoiPoolOptions = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const { pooled, order } = poolRoisByLevel(features, strides, rois, opts);
    return toRoiOrder(pooled, order);
  });
}

/**
 * `head` applied to the RoIs pooled level by level, its per-RoI outputs (first axis R) returned in RoI order: the
 * same as `head(poolRois(…))` for a row-wise head, with the reordering on the head's small outputs instead of the
 * `[R, s, s, C]` maps (whose gather, and its gradient, cost as much as RoIAlign on CPU backends). Tidy.
 */
export function headOnRois<T extends { [K in keyof T]: tf.Tensor }>(
  features: readonly tf.Tensor4D[],
  strides: readonly number[],
  rois: Float32Array,
  opts: RoiPoolOptions,
  head: (pooled: tf.Tensor4D) => T,
): T {
  return tf.tidy(() => {
    const { pooled, order } = poolRoisByLevel(features, strides, rois, opts);
    const out = head(pooled);
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, toRoiOrder(v as tf.Tensor, order)]),
    ) as T;
  });
}
