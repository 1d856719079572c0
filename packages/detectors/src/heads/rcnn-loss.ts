import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { maxIouAssign, type MaxIouOptions } from "../assigners/max-iou-assigner";
import { deltaEncode, type DeltaCoderOptions } from "./delta-coder";
import type { BBoxOutput } from "./bbox-head";
import { randomSample, type SamplerOptions } from "./roi-sampler";

/** R-CNN assignment (mmdet `train_cfg.rcnn.assigner`): pos ≥ 0.5, neg < 0.5, no low-quality matches. */
export const RCNN_ASSIGNER: MaxIouOptions = {
  posIouThr: 0.5,
  negIouThr: 0.5,
  minPosIou: 0.5,
  matchLowQuality: false,
};
/** R-CNN sampling (mmdet `train_cfg.rcnn.sampler`): 512 RoIs per image, at most a quarter positive. */
export const RCNN_SAMPLER: SamplerOptions = { num: 512, posFraction: 0.25 };
/** R-CNN delta coder (mmdet `bbox_coder`): means 0, stds (0.1, 0.1, 0.2, 0.2). */
export const RCNN_CODER: DeltaCoderOptions = { means: [0, 0, 0, 0], stds: [0.1, 0.1, 0.2, 0.2] };

/** Sampled RoIs of a batch with their targets. */
export interface RcnnTargets {
  /** `[R·5]` rows (batch index, x1, y1, x2, y2), input pixels; per image positives first. */
  rois: Float32Array;
  /** `[R]` class of each RoI, C = background. */
  labels: Int32Array;
  /** Indices (into the R RoIs) of the positives and their `[P·4]` encoded targets ({@link RCNN_CODER}). */
  pos: number[];
  deltas: Float32Array;
}

/**
 * R-CNN training targets, as mmdet `StandardRoIHead.loss` with `RandomSampler(add_gt_as_proposals=True)`, per
 * image b: candidates = [gt boxes; proposals]; {@link maxIouAssign} (`RCNN_ASSIGNER`) with each gt candidate
 * assigned its own gt (mmdet `AssignResult.add_gt_`); {@link randomSample} (`RCNN_SAMPLER`, `rngs[b]`);
 * positives get their gt's class and δ* = encode(candidate, gt) with `RCNN_CODER`, negatives the background class C.
 * `sampler` defaults to `RCNN_SAMPLER`. Boxes flat xyxy input pixels. Plain arrays.
 */
export function rcnnTargets(
  proposals: readonly Float32Array[],
  gts: readonly Float32Array[],
  classes: readonly Int32Array[],
  numClasses: number,
  rngs: readonly Rng[],
  sampler: SamplerOptions = RCNN_SAMPLER,
): RcnnTargets {
  const rois: number[] = [];
  const labels: number[] = [];
  const pos: number[] = [];
  const deltas: number[] = [];
  const tmp = new Float32Array(4);
  proposals.forEach((props, b) => {
    const gt = gts[b] as Float32Array;
    const cls = classes[b] as Int32Array;
    const M = gt.length / 4;
    const cand = new Float32Array(gt.length + props.length);
    cand.set(gt, 0);
    cand.set(props, gt.length);
    const assigned = maxIouAssign(cand, gt, RCNN_ASSIGNER);
    for (let j = 0; j < M; j++) assigned[j] = j;
    const s = randomSample(assigned, sampler, rngs[b] as Rng);
    for (const k of s.pos) {
      const j = assigned[k] as number;
      const label = cls[j] as number;
      if (!(label >= 0 && label < numClasses))
        throw new Error(`rcnnTargets: image ${b} gt ${j} has class ${label}, allowed 0..${numClasses - 1}`);
      pos.push(labels.length);
      labels.push(label);
      rois.push(b, ...cand.subarray(4 * k, 4 * k + 4));
      deltaEncode(cand, k, gt, j, tmp, 0, RCNN_CODER);
      deltas.push(...tmp);
    }
    for (const k of s.neg) {
      labels.push(numClasses);
      rois.push(b, ...cand.subarray(4 * k, 4 * k + 4));
    }
  });
  return {
    rois: Float32Array.from(rois),
    labels: Int32Array.from(labels),
    pos,
    deltas: Float32Array.from(deltas),
  };
}

/**
 * R-CNN loss, as mmdet `BBoxHead.loss` (`Shared2FCBBoxHead` of `faster-rcnn_r50_fpn`), over the R sampled RoIs
 * of the batch: `rcnn_cls` = Σ_r CE(softmax(logits_r), label_r) / max(R, 1) (mmdet `CrossEntropyLoss`, weight 1,
 * avg_factor = #RoIs); `rcnn_box` = Σ_pos Σ_4 |δ_{label} − δ*| / max(R, 1) (mmdet `L1Loss`, weight 1, avg_factor
 * `bbox_targets.size(0)` = R), δ_{label} the deltas of the RoI's own class. Tidy.
 */
export function rcnnLoss(out: BBoxOutput, t: RcnnTargets): { rcnn_cls: tf.Scalar; rcnn_box: tf.Scalar } {
  return tf.tidy(() => {
    const R = t.labels.length;
    const C1 = out.cls.shape[1];
    const logp = tf.logSoftmax(out.cls);
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(t.labels, "int32"), C1))));
    const cls = tf.div(nll, Math.max(R, 1)) as tf.Scalar;
    const P = t.pos.length;
    if (P === 0) return { rcnn_cls: cls, rcnn_box: tf.scalar(0) };
    const C = C1 - 1;
    const rows = Int32Array.from(t.pos, (r) => r * C + (t.labels[r] as number));
    const pred = tf.gather(tf.reshape(out.box, [R * C, 4]), tf.tensor1d(rows, "int32"));
    const l1 = tf.sum(tf.abs(tf.sub(pred, tf.tensor2d(t.deltas, [P, 4]))));
    return { rcnn_cls: cls, rcnn_box: tf.div(l1, Math.max(R, 1)) as tf.Scalar };
  });
}
