import * as tf from "@tensorflow/tfjs-core";
import { atssAssign } from "../assigners/atss-assigner";
import { iou } from "../assigners/box-math";
import { denseGrid, regressionTerms, type DenseGrid } from "./dense";
import { qualityFocalLoss } from "./qfl";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** GFL loss settings (mmdet `gfl_r50_fpn_1x_coco` defaults). */
export interface GflLossOptions {
  /** QFL β (default 2). */
  beta?: number;
  /** Weights of the QFL, GIoU and DFL terms (default 1, 2, 0.25). */
  cls?: number;
  box?: number;
  dfl?: number;
  /** ATSS candidates per level (default 9). */
  topk?: number;
  /** Anchor side in strides (mmdet `octave_base_scale`, default 8). */
  anchorScale?: number;
}

/** GFL dense grid: anchor points at cell corners (mmdet `AnchorGenerator`, offset 0), `bins` = reg_max + 1. */
export function gflDense(raw: HeadOutput, strides: readonly number[], bins: number): DenseGrid {
  return denseGrid(raw, strides, bins, 0);
}

/**
 * Generalized Focal Loss (Li et al., NeurIPS 2020), as mmdet `GFLHead.loss_by_feat` on one device:
 * - assignment: {@link atssAssign} of square anchors (side `anchorScale`·stride) to the gts;
 * - quality targets: y = IoU(decoded pred (no grad), gt) at the gt class of positives, 0 elsewhere;
 * - cls = Σ BCE(x, y)·|y − σ(x)|^β / max(#pos, 1) (QFL, modulating factor with gradient as mmdet);
 * - w = max_c σ(x) of each positive (no grad), W = max(Σ w, 1);
 * - box = 2 · Σ w·(1 − GIoU(pred, gt)) / W, boxes in stride units;
 * - dfl = 0.25 · Σ w·(DFL of the 4 sides)/4 / W, targets clamp(distance, 0, R − 0.01), R = bins − 1.
 * Boxes xyxy input pixels, NHWC. GIoU uses core's ultralytics-eps form (differs from mmdet's eps ≤ 1e-7).
 */
export function gflLoss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  numClasses: number,
  bins: number,
  opts: GflLossOptions = {},
): DetectionLoss {
  const { beta = 2, topk = 9, anchorScale = 8 } = opts;
  return tf.tidy(() => {
    const d = gflDense(raw, strides, bins);
    const [N, A] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N)
      throw new Error(`gflLoss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const anchors = new Float32Array(A * 4);
    for (let a = 0; a < A; a++) {
      const h = (anchorScale * (d.strides[a] as number)) / 2;
      anchors.set(
        [d.points[2 * a]! - h, d.points[2 * a + 1]! - h, d.points[2 * a]! + h, d.points[2 * a + 1]! + h],
        4 * a,
      );
    }
    const probs = tf.sigmoid(d.cls).dataSync();
    const predGrid = d.boxesGrid.dataSync();
    const quality = new Float32Array(N * A * C);
    const fgIdx: number[] = [];
    const fgBoxes: number[] = [];
    const fgWeight: number[] = [];
    for (let b = 0; b < N; b++) {
      const gt = targets.boxes[b] as Float32Array;
      const labels = targets.classes[b] as Int32Array;
      const assigned = atssAssign({ anchors, levelCounts: d.counts, gtBoxes: gt }, topk);
      for (let a = 0; a < A; a++) {
        const j = assigned[a] as number;
        if (j < 0) continue;
        const label = labels[j] as number;
        if (!(label >= 0 && label < C))
          throw new Error(`gflLoss: image ${b} gt ${j} has class ${label}, allowed 0..${C - 1}`);
        const s = d.strides[a] as number;
        const t = [0, 1, 2, 3].map((k) => (gt[4 * j + k] as number) / s);
        const bi = b * A + a;
        quality[bi * C + label] = iou(predGrid, bi, t, 0);
        let w = 0;
        for (let c = 0; c < C; c++) w = Math.max(w, probs[bi * C + c] as number);
        fgIdx.push(bi);
        fgBoxes.push(...t);
        fgWeight.push(w);
      }
    }
    const n = fgIdx.length;
    const y = tf.tensor3d(quality, [N, A, C]);
    const cls = tf.div(tf.sum(qualityFocalLoss(d.cls, y, beta)), Math.max(n, 1)) as tf.Scalar;
    const W = Math.max(
      fgWeight.reduce((a, v) => a + v, 0),
      1,
    );
    const { box, dfl } = regressionTerms(
      d,
      { idx: fgIdx, boxes: fgBoxes, weights: fgWeight },
      bins,
      "giou",
      W,
    );
    const parts = {
      cls: tf.mul(cls, opts.cls ?? 1) as tf.Scalar,
      box: tf.mul(box, opts.box ?? 2) as tf.Scalar,
      dfl: tf.mul(dfl, opts.dfl ?? 0.25) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
