import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned, type IouKind } from "@kdet/core";
import { makeAnchorPoints } from "./anchors";
import { boxToDist, dflIntegral, dflLoss, dflTargets, distToBox } from "./dfl";
import { flattenLevels, levelShapes } from "./flatten";
import type { HeadOutput } from "./types";

/** Dense predictions of a distribution head on its anchor-point grid (shared by the YOLOv8 and GFL heads). */
export type DenseGrid = {
  /** `[N,A,C]` class logits. */
  cls: tf.Tensor3D;
  /** `[N,A,4·bins]` distance-distribution logits. */
  dist: tf.Tensor3D;
  /** `[N,A,4]` decoded xyxy boxes in stride units. */
  boxesGrid: tf.Tensor3D;
  /** `[A,1]` stride per anchor. */
  stride: tf.Tensor2D;
  /** `[A·2]` anchor points (pixels), `[A]` strides, anchors per level. */
  points: Float32Array;
  strides: Float32Array;
  counts: number[];
};

/**
 * Flattens raw per-level outputs and decodes boxes: anchor points ((x, y) + offset)·stride
 * (offset 0.5: ultralytics cell centres; 0: mmdet cell corners), distances d = DFL integral of the
 * `bins`-bin logits, boxes = (a/s − d_lt, a/s + d_rb) in stride units. New tensors (caller disposes).
 */
export function denseGrid(
  raw: HeadOutput,
  strides: readonly number[],
  bins: number,
  offset: number,
): DenseGrid {
  const anc = makeAnchorPoints(levelShapes(raw.cls), strides, offset);
  return tf.tidy(() => {
    const A = anc.strides.length;
    const cls = flattenLevels(raw.cls);
    const dist = flattenLevels(raw.box);
    const stride = tf.tensor2d(anc.strides, [A, 1]);
    const grid = tf.div(tf.tensor2d(anc.points, [A, 2]), stride);
    const boxesGrid = distToBox(grid, dflIntegral(dist, bins)) as tf.Tensor3D;
    return { cls, dist, boxesGrid, stride, points: anc.points, strides: anc.strides, counts: anc.counts };
  });
}

/** Foreground anchors of a batch: flat indices b·A + a, their target boxes in stride units `[n·4]`, and weights. */
export interface Foreground {
  idx: number[];
  boxes: number[];
  weights: number[];
}

/**
 * The two regression terms of DFL heads over the foreground anchors, each Σ over positives · w / `norm`:
 * - box = Σ w·(1 − IoU_kind(pred, target)) / norm (CIoU for YOLOv8, GIoU for GFL), boxes in stride units;
 * - dfl = Σ w·mean_sides CE(dist logits, DFL target of clamp(target distance, 0, bins − 1 − 0.01)) / norm.
 * Zero scalars when there is no positive. Call inside a tidy (the loss functions do).
 */
export function regressionTerms(
  d: DenseGrid,
  fg: Foreground,
  bins: number,
  kind: IouKind,
  norm: number,
): { box: tf.Scalar; dfl: tf.Scalar } {
  const n = fg.idx.length;
  if (n === 0) return { box: tf.scalar(0), dfl: tf.scalar(0) };
  const [N, A] = d.cls.shape;
  const idx = tf.tensor1d(fg.idx, "int32");
  const w = tf.tensor1d(fg.weights);
  const target = new Float32Array(fg.boxes);
  const pred = tf.gather(tf.reshape(d.boxesGrid, [N * A, 4]), idx);
  const overlap = boxIouAligned(pred, tf.tensor2d(target, [n, 4]), kind);
  const box = tf.div(tf.sum(tf.mul(tf.sub(1, overlap), w)), norm) as tf.Scalar;
  const tDist = new Float32Array(n * 4);
  fg.idx.forEach((bi, i) => {
    const a = bi % A;
    const s = d.strides[a] as number;
    boxToDist(
      (d.points[2 * a] as number) / s,
      (d.points[2 * a + 1] as number) / s,
      target,
      4 * i,
      bins - 1 - 0.01,
      tDist,
      4 * i,
    );
  });
  const logits = tf.gather(tf.reshape(d.dist, [N * A, 4 * bins]), idx) as tf.Tensor2D;
  const ce = dflLoss(logits, tf.tensor3d(dflTargets(tDist, bins), [n, 4, bins]), bins);
  const dfl = tf.div(tf.sum(tf.mul(tf.mean(ce, -1), w)), norm) as tf.Scalar;
  return { box, dfl };
}
