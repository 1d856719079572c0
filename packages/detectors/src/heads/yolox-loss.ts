import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned } from "@kdet/core";
import { simOtaAssign, type SimOtaOptions } from "../assigners/simota-assigner";
import { makeAnchorPoints } from "./anchors";
import { bceWithLogits } from "./bce";
import { flattenLevels, levelShapes } from "./flatten";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** Loss weights and assigner settings of {@link yoloxLoss} (YOLOX defaults). */
export interface YoloxLossOptions {
  /** Weight of the IoU term (YOLOX `reg_weight`, default 5). */
  iou?: number;
  /** Weight of the objectness term (default 1). */
  obj?: number;
  /** Weight of the classification term (default 1). */
  cls?: number;
  assigner?: SimOtaOptions;
}

/** YOLOX outputs flattened over levels and decoded. */
export interface YoloxDense {
  /** `[N,A,C]` class logits. */
  cls: tf.Tensor3D;
  /** `[N,A,1]` objectness logits. */
  obj: tf.Tensor3D;
  /** `[N,A,4]` decoded xyxy boxes in input pixels. */
  boxes: tf.Tensor3D;
  /** `[A·2]` anchor centres ((x + 0.5)·s, (y + 0.5)·s) in pixels, as SimOTA's centre prior uses them. */
  centres: Float32Array;
  /** `[A]` stride per anchor. */
  strides: Float32Array;
}

/**
 * Flattens YOLOX raw outputs (`box` = [t_x, t_y, t_w, t_h], `quality` = objectness logits) and decodes
 * as YOLOX `decode_outputs`: centre = (t_xy + (x, y))·s with (x, y) the integer cell index (cell
 * corner, not centre), size = exp(t_wh)·s, box = centre ∓ size/2 (xyxy, input pixels). New tensors.
 */
export function yoloxDense(raw: HeadOutput, strides: readonly number[]): YoloxDense {
  if (!raw.quality) throw new Error("yoloxDense: raw output has no objectness logits (`quality`)");
  const quality = raw.quality;
  const anc = makeAnchorPoints(levelShapes(raw.cls), strides, 0);
  const A = anc.strides.length;
  const centres = new Float32Array(2 * A);
  for (let a = 0; a < A; a++) {
    centres[2 * a] = (anc.points[2 * a] as number) + 0.5 * (anc.strides[a] as number);
    centres[2 * a + 1] = (anc.points[2 * a + 1] as number) + 0.5 * (anc.strides[a] as number);
  }
  return tf.tidy(() => {
    const t = flattenLevels(raw.box);
    const s = tf.tensor2d(anc.strides, [A, 1]);
    const xy = tf.add(tf.mul(tf.slice(t, [0, 0, 0], [-1, -1, 2]), s), tf.tensor2d(anc.points, [A, 2]));
    const half = tf.mul(tf.exp(tf.slice(t, [0, 0, 2], [-1, -1, 2])), tf.mul(s, 0.5));
    const boxes = tf.concat([tf.sub(xy, half), tf.add(xy, half)], 2) as tf.Tensor3D;
    return { cls: flattenLevels(raw.cls), obj: flattenLevels(quality), boxes, centres, strides: anc.strides };
  });
}

/**
 * YOLOX loss (Ge et al. 2021; Megvii YOLOX `YOLOXHead.get_losses`, `use_l1` off), NHWC, boxes xyxy pixels:
 * - assignment per image: {@link simOtaAssign} on σ(cls), σ(obj) and the decoded boxes (no gradient);
 * - F = max(Σ_batch #foreground, 1);
 * - iou = Σ_fg (1 − IoU(pred, gt)²) / F (YOLOX `IOUloss(loss_type="iou")`);
 * - obj = Σ over ALL anchors BCE(obj logit, fg ? 1 : 0) / F;
 * - cls = Σ_fg Σ_c BCE(cls logit, onehot_c(label)·IoU_assign) / F (IoU-aware target, IoU of the assignment);
 * - total = 5·iou + obj + cls (parts reported weighted: `iou`, `obj`, `cls`).
 * Differences: IoU adds eps = 1e-7 to heights and union (`boxIouAligned`); no L1 term (YOLOX enables it only
 * for the last 15 epochs without mosaic). Images without gts add only objectness negatives.
 */
export function yoloxLoss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  numClasses: number,
  opts: YoloxLossOptions = {},
): DetectionLoss {
  return tf.tidy(() => {
    const d = yoloxDense(raw, strides);
    const [N, A] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N)
      throw new Error(`yoloxLoss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const clsP = tf.sigmoid(d.cls).dataSync();
    const objP = tf.sigmoid(d.obj).dataSync();
    const boxes = d.boxes.dataSync();
    const objT = new Float32Array(N * A);
    const fgIdx: number[] = [];
    const fgBoxes: number[] = [];
    const clsT: number[] = [];
    for (let b = 0; b < N; b++) {
      const gt = targets.boxes[b] as Float32Array;
      const labels = targets.classes[b] as Int32Array;
      const as = simOtaAssign(
        {
          numClasses: C,
          clsProbs: clsP.subarray(b * A * C, (b + 1) * A * C),
          objProbs: objP.subarray(b * A, (b + 1) * A),
          predBoxes: boxes.subarray(b * A * 4, (b + 1) * A * 4),
          anchors: d.centres,
          strides: d.strides,
          gtBoxes: gt,
          gtLabels: labels,
        },
        opts.assigner,
      );
      for (let a = 0; a < A; a++) {
        const j = as.gtIndex[a] as number;
        if (j < 0) continue;
        objT[b * A + a] = 1;
        fgIdx.push(b * A + a);
        for (let k = 0; k < 4; k++) fgBoxes.push(gt[4 * j + k] as number);
        const row = new Array<number>(C).fill(0);
        row[labels[j] as number] = as.iou[a] as number;
        clsT.push(...row);
      }
    }
    const n = fgIdx.length;
    const F = Math.max(n, 1);
    const obj = tf.div(tf.sum(bceWithLogits(d.obj, tf.tensor3d(objT, [N, A, 1]))), F) as tf.Scalar;
    let iou: tf.Scalar = tf.scalar(0);
    let cls: tf.Scalar = tf.scalar(0);
    if (n > 0) {
      const idx = tf.tensor1d(fgIdx, "int32");
      const pred = tf.gather(tf.reshape(d.boxes, [N * A, 4]), idx);
      const overlap = boxIouAligned(pred, tf.tensor2d(fgBoxes, [n, 4]), "iou");
      iou = tf.div(tf.sum(tf.sub(1, tf.square(overlap))), F) as tf.Scalar;
      const logits = tf.gather(tf.reshape(d.cls, [N * A, C]), idx);
      cls = tf.div(tf.sum(bceWithLogits(logits, tf.tensor2d(clsT, [n, C]))), F) as tf.Scalar;
    }
    const parts = {
      iou: tf.mul(iou, opts.iou ?? 5) as tf.Scalar,
      obj: tf.mul(obj, opts.obj ?? 1) as tf.Scalar,
      cls: tf.mul(cls, opts.cls ?? 1) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
