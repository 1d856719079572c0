import * as tf from "@tensorflow/tfjs-core";
import { taskAlignedAssign, type TaskAlignedOptions } from "../assigners/task-aligned-assigner";
import { bceWithLogits } from "./bce";
import { denseGrid, regressionTerms, type DenseGrid } from "./dense";
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

/** YOLOv8 dense grid: anchor points at cell centres (ultralytics `make_anchors`, offset 0.5), `regMax` bins. */
export function yolov8Dense(raw: HeadOutput, strides: readonly number[], regMax: number): DenseGrid {
  return denseGrid(raw, strides, regMax, 0.5);
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
export function yolov8Loss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  numClasses: number,
  regMax: number,
  opts: Yolov8LossOptions = {},
): DetectionLoss {
  return tf.tidy(() => {
    const d = yolov8Dense(raw, strides, regMax);
    const [N, A] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N)
      throw new Error(`yolov8Loss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const probs = tf.sigmoid(d.cls).dataSync();
    const predPx = tf.mul(d.boxesGrid, d.stride).dataSync();
    const targetScores = new Float32Array(N * A * C);
    const fgIdx: number[] = [];
    const fgBoxes: number[] = [];
    const fgWeight: number[] = [];
    let scoreSum = 0;
    for (let b = 0; b < N; b++) {
      const as = taskAlignedAssign(
        {
          numClasses: C,
          scores: probs.subarray(b * A * C, (b + 1) * A * C),
          predBoxes: predPx.subarray(b * A * 4, (b + 1) * A * 4),
          anchors: d.points,
          gtBoxes: targets.boxes[b] as Float32Array,
          gtLabels: targets.classes[b] as Int32Array,
        },
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
    const { box, dfl } = regressionTerms(
      d,
      { idx: fgIdx, boxes: fgBoxes, weights: fgWeight },
      regMax,
      "ciou",
      S,
    );
    const parts = {
      box: tf.mul(box, opts.box ?? 7.5) as tf.Scalar,
      cls: tf.mul(cls, opts.cls ?? 0.5) as tf.Scalar,
      dfl: tf.mul(dfl, opts.dfl ?? 1.5) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
