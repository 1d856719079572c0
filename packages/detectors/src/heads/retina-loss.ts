import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned } from "@kdet/core";
import { IGNORED, maxIouAssign, type MaxIouOptions } from "../assigners/max-iou-assigner";
import { anchorsPerLocation, makeAnchorBoxes, type AnchorBoxOptions } from "./anchor-boxes";
import { deltaDecode, deltaEncode, type DeltaCoderOptions } from "./delta-coder";
import { flattenLevels, levelShapes } from "./flatten";
import { sigmoidFocalLoss } from "./focal-loss";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** RetinaNet box-regression losses: L1 on deltas (mmdet ≥ 2.0), smooth-L1 on deltas (Detectron, β 0.11), GIoU on decoded boxes. */
export type RetinaBoxLoss = "l1" | "smooth-l1" | "giou";

/** RetinaNet loss settings (mmdet `retinanet_r50_fpn_1x_coco` defaults). */
export interface RetinaLossOptions {
  /** Focal-loss α and γ (default 0.25, 2). */
  alpha?: number;
  gamma?: number;
  /** Box loss (default "l1", as mmdet). */
  boxLoss?: RetinaBoxLoss;
  /** Smooth-L1 β (default 0.11). */
  beta?: number;
  /** Weights of the focal and box terms (default 1, 1). */
  cls?: number;
  box?: number;
  assigner?: MaxIouOptions;
  coder?: DeltaCoderOptions;
  anchors?: AnchorBoxOptions;
}

/** RetinaNet predictions flattened over levels, locations and anchors, with the anchor boxes. */
export interface RetinaDense {
  /** `[N,K,C]` class logits and `[N,K,4]` deltas, K = Σ h·w·A. */
  cls: tf.Tensor3D;
  deltas: tf.Tensor3D;
  /** `[K·4]` xyxy anchor boxes (pixels) and K per level. */
  anchors: Float32Array;
  counts: number[];
}

/** Flattens RetinaNet raw outputs (`[N,h,w,A·C]`, `[N,h,w,A·4]`) and builds the matching anchors. New tensors. */
export function retinaDense(
  raw: HeadOutput,
  strides: readonly number[],
  numClasses: number,
  anchorOpts: AnchorBoxOptions = {},
): RetinaDense {
  const A = anchorsPerLocation(anchorOpts);
  const C = raw.cls[0]?.shape[3] ?? 0;
  if (C !== A * numClasses)
    throw new Error(
      `retinaDense: class maps have ${C} channels, expected ${A} anchors × ${numClasses} classes`,
    );
  const { boxes, counts } = makeAnchorBoxes(levelShapes(raw.cls), strides, anchorOpts);
  return {
    ...tf.tidy(() => ({ cls: flattenLevels(raw.cls, numClasses), deltas: flattenLevels(raw.box, 4) })),
    anchors: boxes,
    counts,
  };
}

/**
 * RetinaNet loss (Lin et al., ICCV 2017), as mmdet `RetinaHead` (`AnchorHead.loss_by_feat`, PseudoSampler):
 * - assignment: {@link maxIouAssign} of the anchors (pos ≥ 0.5, neg < 0.4, ignored between, each gt's
 *   best anchors forced positive);
 * - normaliser Z = Σ_images max(#pos in the image, 1) (mmdet 3 `SamplingResult.avg_factor`, PseudoSampler);
 * - cls = Σ_{non-ignored anchors, classes} FL(x, onehot) / Z (α 0.25, γ 2);
 * - box: "l1" Σ_pos Σ_4 |δ − δ*| / Z, δ* = {@link deltaEncode}(anchor, gt) (means 0, stds 1);
 *   "smooth-l1" the same with SL1_β(d) = 0.5d²/β if d < β else d − β/2; "giou" Σ_pos (1 − GIoU(decode(δ), gt)) / Z;
 * - total = cls + box (weights 1).
 * Boxes xyxy input pixels, NHWC, anchor-major channels.
 */
export function retinaLoss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  numClasses: number,
  opts: RetinaLossOptions = {},
): DetectionLoss {
  const { alpha = 0.25, gamma = 2, boxLoss = "l1", beta = 0.11 } = opts;
  return tf.tidy(() => {
    const d = retinaDense(raw, strides, numClasses, opts.anchors);
    const [N, K] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N)
      throw new Error(`retinaLoss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const onehot = new Float32Array(N * K * C);
    const valid = new Float32Array(N * K).fill(1);
    const idx: number[] = [];
    const fgAnchors: number[] = [];
    const fgGt: number[] = [];
    const fgDelta: number[] = [];
    const tmp = new Float32Array(4);
    let norm = 0;
    for (let b = 0; b < N; b++) {
      const before = idx.length;
      const gt = targets.boxes[b] as Float32Array;
      const labels = targets.classes[b] as Int32Array;
      const assigned = maxIouAssign(d.anchors, gt, opts.assigner);
      for (let k = 0; k < K; k++) {
        const j = assigned[k] as number;
        if (j === IGNORED) valid[b * K + k] = 0;
        if (j < 0) continue;
        const label = labels[j] as number;
        if (!(label >= 0 && label < C))
          throw new Error(`retinaLoss: image ${b} gt ${j} has class ${label}, allowed 0..${C - 1}`);
        onehot[(b * K + k) * C + label] = 1;
        idx.push(b * K + k);
        fgAnchors.push(...d.anchors.subarray(4 * k, 4 * k + 4));
        fgGt.push(...gt.subarray(4 * j, 4 * j + 4));
        deltaEncode(d.anchors, k, gt, j, tmp, 0, opts.coder);
        fgDelta.push(...tmp);
      }
      norm += Math.max(idx.length - before, 1);
    }
    const n = idx.length;
    const fl = sigmoidFocalLoss(d.cls, tf.tensor3d(onehot, [N, K, C]), alpha, gamma);
    const cls = tf.div(tf.sum(tf.mul(fl, tf.tensor3d(valid, [N, K, 1]))), norm) as tf.Scalar;
    let box: tf.Scalar = tf.scalar(0);
    if (n > 0) {
      const pred = tf.gather(tf.reshape(d.deltas, [N * K, 4]), tf.tensor1d(idx, "int32")) as tf.Tensor2D;
      if (boxLoss === "giou") {
        const decoded = deltaDecode(tf.tensor2d(fgAnchors, [n, 4]), pred, opts.coder);
        box = tf.div(
          tf.sum(tf.sub(1, boxIouAligned(decoded, tf.tensor2d(fgGt, [n, 4]), "giou"))),
          norm,
        ) as tf.Scalar;
      } else {
        const diff = tf.abs(tf.sub(pred, tf.tensor2d(fgDelta, [n, 4])));
        const per =
          boxLoss === "l1"
            ? diff
            : tf.where(
                tf.less(diff, beta),
                tf.div(tf.mul(0.5, tf.square(diff)), beta),
                tf.sub(diff, 0.5 * beta),
              );
        box = tf.div(tf.sum(per), norm) as tf.Scalar;
      }
    }
    const parts = {
      cls: tf.mul(cls, opts.cls ?? 1) as tf.Scalar,
      box: tf.mul(box, opts.box ?? 1) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
