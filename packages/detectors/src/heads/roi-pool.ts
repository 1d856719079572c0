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
 * Pools RoIs from an FPN: each RoI from the level {@link mapRoiLevels} picks, by `@kdet/core` `roiAlign`
 * (`outputSize`², spatial scale 1/stride, `samplingRatio`, aligned = true, mmcv `RoIAlign`), results in RoI order.
 * `features` NHWC `[N, h_l, w_l, C]` finest first at `strides`; `rois` rows (batch index, x1, y1, x2, y2), input
 * pixels. Returns `[R, s, s, C]`; differentiable w.r.t. the features (zero w.r.t. the boxes, as mmcv). Tidy.
 */
export function poolRois(
  features: readonly tf.Tensor4D[],
  strides: readonly number[],
  rois: Float32Array,
  opts: RoiPoolOptions = {},
): tf.Tensor4D {
  const { outputSize = 7, samplingRatio = 0, finestScale = 56 } = opts;
  const R = rois.length / 5;
  const boxes = new Float32Array(R * 4);
  for (let r = 0; r < R; r++) boxes.set(rois.subarray(5 * r + 1, 5 * r + 5), 4 * r);
  const levels = mapRoiLevels(boxes, features.length, finestScale);
  return tf.tidy(() => {
    const pooled: tf.Tensor4D[] = [];
    const order: number[] = [];
    features.forEach((f, l) => {
      const idx: number[] = [];
      for (let r = 0; r < R; r++) if (levels[r] === l) idx.push(r);
      if (idx.length === 0) return;
      const sel = new Float32Array(idx.length * 5);
      idx.forEach((r, i) => sel.set(rois.subarray(5 * r, 5 * r + 5), 5 * i));
      pooled.push(
        roiAlign(f, tf.tensor2d(sel, [idx.length, 5]), {
          outputSize: [outputSize, outputSize],
          spatialScale: 1 / (strides[l] as number),
          samplingRatio,
          aligned: true,
        }),
      );
      order.push(...idx);
    });
    const C = features[0]?.shape[3] ?? 0;
    if (pooled.length === 0) return tf.zeros([0, outputSize, outputSize, C]) as tf.Tensor4D;
    const all = pooled.length === 1 ? (pooled[0] as tf.Tensor4D) : (tf.concat(pooled, 0) as tf.Tensor4D);
    const inverse = new Int32Array(R);
    order.forEach((r, i) => {
      inverse[r] = i;
    });
    return tf.gather(all, tf.tensor1d(inverse, "int32"), 0) as tf.Tensor4D;
  });
}
