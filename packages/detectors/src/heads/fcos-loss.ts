import * as tf from "@tensorflow/tfjs-core";
import { boxIouAligned } from "@kdet/core";
import { fcosAssign, type FcosAssignOptions } from "../assigners/fcos-assigner";
import { makeAnchorPoints } from "./anchors";
import { bceWithLogits } from "./bce";
import { flattenLevels, levelShapes } from "./flatten";
import { sigmoidFocalLoss } from "./focal-loss";
import type { DetectionLoss, DetectionTargets, HeadOutput } from "./types";

/** FCOS loss settings (mmdet FCOSHead with GIoU and centre sampling, as the center-normbbox-centeronreg-giou config). */
export interface FcosLossOptions {
  /** Focal-loss α and γ (default 0.25, 2). */
  alpha?: number;
  gamma?: number;
  /** Weights of the focal, GIoU and centre-ness terms (default 1, 1, 1). */
  cls?: number;
  box?: number;
  ctr?: number;
  assigner?: FcosAssignOptions;
}

/** FCOS predictions flattened over levels, with their locations. */
export interface FcosDense {
  /** `[N,P,C]` class logits, `[N,P,4]` (l, t, r, b) distances in strides, `[N,P,1]` centre-ness logits. */
  cls: tf.Tensor3D;
  dist: tf.Tensor3D;
  ctr: tf.Tensor3D;
  /** `[P·2]` locations (cell centres, pixels), `[P]` strides, locations per level. */
  points: Float32Array;
  strides: Float32Array;
  counts: number[];
}

/** Flattens FCOS raw outputs; locations at cell centres ((x + 0.5)·s, mmdet `MlvlPointGenerator`). New tensors. */
export function fcosDense(raw: HeadOutput, strides: readonly number[]): FcosDense {
  if (!raw.quality) throw new Error("fcosDense: raw outputs have no centre-ness (quality) maps");
  const quality = raw.quality;
  const anc = makeAnchorPoints(levelShapes(raw.cls), strides, 0.5);
  return {
    ...tf.tidy(() => ({
      cls: flattenLevels(raw.cls),
      dist: flattenLevels(raw.box),
      ctr: flattenLevels(quality),
    })),
    ...anc,
  };
}

/** Centre-ness target (Tian et al. 2019, eq. 3): √(min(l, r)/max(l, r) · min(t, b)/max(t, b)). */
export function centernessTarget(l: number, t: number, r: number, b: number): number {
  return Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, b) / Math.max(t, b)));
}

/**
 * FCOS loss (Tian et al., ICCV 2019), as mmdet `FCOSHead.loss_by_feat` on one device, the raw
 * `box` maps holding distances in strides (GIoU is scale invariant, so this equals mmdet's pixel form):
 * - assignment: {@link fcosAssign} (centre sampling 1.5, scale ranges per level, smallest area);
 * - targets of a positive: (l, t, r, b)/stride and its centre-ness c* ({@link centernessTarget});
 * - cls = Σ_{all locations, classes} FL(x, onehot) / max(#pos, 1) (α 0.25, γ 2);
 * - box = Σ_pos c*·(1 − GIoU(pred, gt)) / max(Σ c*, 1e-6), boxes relative to the location in strides;
 * - ctr = Σ_pos BCE(ctr logit, c*) / max(#pos, 1);
 * - total = cls + box + ctr (weights 1). No positive → box = ctr = 0.
 * Boxes xyxy input pixels, NHWC. GIoU uses core's ultralytics-eps form (mmdet: eps 1e-6).
 */
export function fcosLoss(
  raw: HeadOutput,
  targets: DetectionTargets,
  strides: readonly number[],
  numClasses: number,
  opts: FcosLossOptions = {},
): DetectionLoss {
  const { alpha = 0.25, gamma = 2 } = opts;
  return tf.tidy(() => {
    const d = fcosDense(raw, strides);
    const [N, P] = d.cls.shape;
    const C = numClasses;
    if (targets.boxes.length !== N || targets.classes.length !== N)
      throw new Error(`fcosLoss: targets for ${targets.boxes.length} images, batch has ${N}`);
    const levelStrides = strides.slice(0, d.counts.length);
    const onehot = new Float32Array(N * P * C);
    const idx: number[] = [];
    const dist: number[] = [];
    const cstar: number[] = [];
    for (let b = 0; b < N; b++) {
      const gt = targets.boxes[b] as Float32Array;
      const labels = targets.classes[b] as Int32Array;
      const assigned = fcosAssign(
        { points: d.points, levelCounts: d.counts, strides: levelStrides, gtBoxes: gt },
        opts.assigner,
      );
      for (let p = 0; p < P; p++) {
        const j = assigned[p] as number;
        if (j < 0) continue;
        const label = labels[j] as number;
        if (!(label >= 0 && label < C))
          throw new Error(`fcosLoss: image ${b} gt ${j} has class ${label}, allowed 0..${C - 1}`);
        onehot[(b * P + p) * C + label] = 1;
        const s = d.strides[p] as number,
          x = d.points[2 * p] as number,
          y = d.points[2 * p + 1] as number;
        const ltrb = [
          x - (gt[4 * j] as number),
          y - (gt[4 * j + 1] as number),
          (gt[4 * j + 2] as number) - x,
          (gt[4 * j + 3] as number) - y,
        ].map((v) => v / s) as [number, number, number, number];
        idx.push(b * P + p);
        dist.push(...ltrb);
        cstar.push(centernessTarget(...ltrb));
      }
    }
    const n = idx.length;
    const cls = tf.div(
      tf.sum(sigmoidFocalLoss(d.cls, tf.tensor3d(onehot, [N, P, C]), alpha, gamma)),
      Math.max(n, 1),
    ) as tf.Scalar;
    let box: tf.Scalar = tf.scalar(0);
    let ctr: tf.Scalar = tf.scalar(0);
    if (n > 0) {
      const gi = tf.tensor1d(idx, "int32");
      const w = tf.tensor1d(cstar);
      // boxes relative to their location: (−l, −t, r, b); GIoU is translation invariant
      const rel = (t: tf.Tensor2D): tf.Tensor2D => tf.mul(t, tf.tensor1d([-1, -1, 1, 1])) as tf.Tensor2D;
      const pred = rel(tf.gather(tf.reshape(d.dist, [N * P, 4]), gi) as tf.Tensor2D);
      const giou = boxIouAligned(pred, rel(tf.tensor2d(dist, [n, 4])), "giou");
      box = tf.div(
        tf.sum(tf.mul(tf.sub(1, giou), w)),
        Math.max(
          cstar.reduce((a, v) => a + v, 0),
          1e-6,
        ),
      ) as tf.Scalar;
      const ctrLogits = tf.gather(tf.reshape(d.ctr, [N * P]), gi);
      ctr = tf.div(tf.sum(bceWithLogits(ctrLogits, w)), n) as tf.Scalar;
    }
    const parts = {
      cls: tf.mul(cls, opts.cls ?? 1) as tf.Scalar,
      box: tf.mul(box, opts.box ?? 1) as tf.Scalar,
      ctr: tf.mul(ctr, opts.ctr ?? 1) as tf.Scalar,
    };
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  });
}
