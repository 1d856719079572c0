import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned } from "@kdet/core";
import { taskAlignedAssign, type TaskAlignedOptions } from "../assigners/task-aligned-assigner";
import { makeAnchorPoints } from "./anchors";
import { bceWithLogits } from "./bce";
import { boxToDist, dflIntegral, dflLoss, dflTargets, distToBox } from "./dfl";
import { flattenLevels, levelShapes } from "./flatten";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** Loss gains and assigner settings of {@link yolov8Loss} (ultralytics defaults). */
export interface Yolov8LossOptions {
  /** Gain of the CIoU box term (default 7.5). */
  box?: number;
  /** Gain of the BCE classification term (default 0.5). */
  cls?: number;
  /** Gain of the DFL term (default 1.5). */
  dfl?: number;
  assigner?: TaskAlignedOptions;
}

/** Dense YOLOv8 predictions on the anchor grid: everything the loss and the decoder share. */
export type Yolov8Dense = {
  /** `[N,A,C]` class logits. */
  cls: tf.Tensor3D;
  /** `[N,A,4R]` distance-distribution logits. */
  dist: tf.Tensor3D;
  /** `[N,A,4]` decoded xyxy boxes in stride units (anchor grid). */
  boxesGrid: tf.Tensor3D;
  /** `[A,1]` stride per anchor. */
  stride: tf.Tensor2D;
  points: Float32Array;
  strides: Float32Array;
};

/**
 * Flattens raw head outputs and decodes boxes: anchor points at cell centres (offset 0.5), distances
 * d = DFL integral of `box` logits, boxes = (a − d_lt, a + d_rb) in stride units. Tensors are new (caller disposes).
 */
export function yolov8Dense(raw: HeadOutput, strides: readonly number[], regMax: number): Yolov8Dense {
  const anc = makeAnchorPoints(levelShapes(raw.cls), strides, 0.5);
  return tf.tidy(() => {
    const A = anc.strides.length;
    const cls = flattenLevels(raw.cls);
    const dist = flattenLevels(raw.box);
    const stride = tf.tensor2d(anc.strides, [A, 1]);
    const grid = tf.div(tf.tensor2d(anc.points, [A, 2]), stride);
    const boxesGrid = distToBox(grid, dflIntegral(dist, regMax)) as tf.Tensor3D;
    return { cls, dist, boxesGrid, stride, points: anc.points, strides: anc.strides };
  });
}

/**
 * YOLOv8 detection loss (ultralytics `v8DetectionLoss`):
 * - assignment: {@link taskAlignedAssign} on σ(cls) and the decoded boxes in pixels (no gradient);
 * - S = max(Σ target scores, 1);
 * - cls = Σ BCE(logits, target scores) / S over all anchors and classes;
 * - box = Σ_fg (1 − CIoU(pred, gt)) · w / S, with w = Σ_c target score of the anchor, boxes in stride units;
 * - dfl = Σ_fg mean over the 4 sides of CE(dist, DFL target of clamp(gt distance, 0, R−1−0.01)) · w / S;
 * - total = 7.5·box + 0.5·cls + 1.5·dfl (parts are reported weighted).
 * Boxes xyxy in input pixels; layout NHWC. Deliberate difference: ultralytics returns the total ×
 * batch size (its gradient scale for `nbs` accumulation); kdet returns the per-batch value.
 * Images without boxes give cls only; zero-area gt boxes contain no anchor centre and get no positive.
 */
export function yolov8Loss(raw: HeadOutput, targets: DetectionTargets, strides: readonly number[], numClasses: number, regMax: number, opts: Yolov8LossOptions = {}): DetectionLoss {
  return tf.tidy(() => {
    const d = yolov8Dense(raw, strides, regMax);
    const [N, A] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N) throw new Error(`yolov8Loss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const probs = tf.sigmoid(d.cls).dataSync();
    const predPx = tf.mul(d.boxesGrid, d.stride).dataSync();
    const targetScores = new Float32Array(N * A * C);
    const fgIdx: number[] = [];
    const fgBoxes: number[] = [];
    const fgWeight: number[] = [];
    let scoreSum = 0;
    for (let b = 0; b < N; b++) {
      const as = taskAlignedAssign(
        { numClasses: C, scores: probs.subarray(b * A * C, (b + 1) * A * C), predBoxes: predPx.subarray(b * A * 4, (b + 1) * A * 4), anchors: d.points, gtBoxes: targets.boxes[b] as Float32Array, gtLabels: targets.classes[b] as Int32Array },
        opts.assigner,
      );
      targetScores.set(as.targetScores, b * A * C);
      for (let a = 0; a < A; a++) {
        let w = 0;
        for (let c = 0; c < C; c++) w += as.targetScores[a * C + c] as number;
        scoreSum += w;
        if (!as.fg[a]) continue;
        fgIdx.push(b * A + a);
        const s = d.strides[a] as number;
        for (let k = 0; k < 4; k++) fgBoxes.push((as.targetBoxes[4 * a + k] as number) / s);
        fgWeight.push(w);
      }
    }
    const S = Math.max(scoreSum, 1);
    const cls = tf.div(tf.sum(bceWithLogits(d.cls, tf.tensor3d(targetScores, [N, A, C]))), S) as tf.Scalar;
    let box = tf.scalar(0);
    let dfl = tf.scalar(0);
    const n = fgIdx.length;
    if (n > 0) {
      const idx = tf.tensor1d(fgIdx, "int32");
      const w = tf.tensor1d(fgWeight);
      const tBoxes = new Float32Array(fgBoxes);
      const pred = tf.gather(tf.reshape(d.boxesGrid, [N * A, 4]), idx);
      const ciou = boxIouAligned(pred, tf.tensor2d(tBoxes, [n, 4]), "ciou");
      box = tf.div(tf.sum(tf.mul(tf.sub(1, ciou), w)), S) as tf.Scalar;
      const tDist = new Float32Array(n * 4);
      fgIdx.forEach((fi, i) => {
        const a = fi % A;
        const s = d.strides[a] as number;
        boxToDist((d.points[2 * a] as number) / s, (d.points[2 * a + 1] as number) / s, tBoxes, 4 * i, regMax - 1 - 0.01, tDist, 4 * i);
      });
      const dist = tf.gather(tf.reshape(d.dist, [N * A, 4 * regMax]), idx) as tf.Tensor2D;
      const ce = dflLoss(dist, tf.tensor3d(dflTargets(tDist, regMax), [n, 4, regMax]), regMax);
      dfl = tf.div(tf.sum(tf.mul(tf.mean(ce, -1), w)), S) as tf.Scalar;
    }
    const parts = { box: tf.mul(box, opts.box ?? 7.5) as tf.Scalar, cls: tf.mul(cls, opts.cls ?? 0.5) as tf.Scalar, dfl: tf.mul(dfl, opts.dfl ?? 1.5) as tf.Scalar };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
