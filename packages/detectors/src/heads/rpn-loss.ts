import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@kdet/core";
import { maxIouAssign, type MaxIouOptions } from "../assigners/max-iou-assigner";
import { bceWithLogits } from "./bce";
import { deltaEncode } from "./delta-coder";
import { randomSample, type SamplerOptions } from "./roi-sampler";

/** RPN assignment of `faster-rcnn_r50_fpn` (mmdet `train_cfg.rpn.assigner`): pos ≥ 0.7, neg < 0.3, low-quality matches ≥ 0.3. */
export const RPN_ASSIGNER: MaxIouOptions = {
  posIouThr: 0.7,
  negIouThr: 0.3,
  minPosIou: 0.3,
  matchLowQuality: true,
};
/** RPN sampling (mmdet `train_cfg.rpn.sampler`): 256 anchors per image, at most half positive. */
export const RPN_SAMPLER: SamplerOptions = { num: 256, posFraction: 0.5 };

/**
 * RPN loss, as mmdet `RPNHead` (`AnchorHead.loss_by_feat`, `RandomSampler`, allowed_border −1), per image:
 * {@link maxIouAssign} of all anchors (`RPN_ASSIGNER`), {@link randomSample} (`RPN_SAMPLER`); with
 * Z = Σ_images (max(#pos, 1) + max(#neg, 1)) (mmdet `SamplingResult.avg_factor`):
 * - `rpn_cls` = Σ_sampled BCE(logit, 1 if positive else 0) / Z (mmdet `CrossEntropyLoss(use_sigmoid=True)`, weight 1);
 * - `rpn_box` = Σ_pos Σ_4 |δ − δ*| / Z, δ* = {@link deltaEncode}(anchor, gt) with means 0, stds 1 (mmdet `L1Loss`, weight 1).
 * `logits` `[N, K]` objectness logits and `deltas` `[N, K, 4]` over the K anchors `anchors` (flat xyxy input pixels),
 * `gts[b]` flat xyxy boxes. `rngs[b]` draws image b's sample. Tidy.
 */
export function rpnLoss(
  logits: tf.Tensor2D,
  deltas: tf.Tensor3D,
  anchors: Float32Array,
  gts: readonly Float32Array[],
  rngs: readonly Rng[],
): { rpn_cls: tf.Scalar; rpn_box: tf.Scalar } {
  return tf.tidy(() => {
    const [N, K] = logits.shape;
    const idx: number[] = [];
    const target: number[] = [];
    const posIdx: number[] = [];
    const posDelta: number[] = [];
    const tmp = new Float32Array(4);
    let Z = 0;
    for (let b = 0; b < N; b++) {
      const gt = gts[b] as Float32Array;
      const assigned = maxIouAssign(anchors, gt, RPN_ASSIGNER);
      const { pos, neg } = randomSample(assigned, RPN_SAMPLER, rngs[b] as Rng);
      for (const k of pos) {
        idx.push(b * K + k);
        target.push(1);
        posIdx.push(b * K + k);
        deltaEncode(anchors, k, gt, assigned[k] as number, tmp, 0);
        posDelta.push(...tmp);
      }
      for (const k of neg) {
        idx.push(b * K + k);
        target.push(0);
      }
      Z += Math.max(pos.length, 1) + Math.max(neg.length, 1);
    }
    const flat = tf.reshape(logits, [N * K]);
    const cls = tf.div(
      tf.sum(bceWithLogits(tf.gather(flat, tf.tensor1d(idx, "int32")), tf.tensor1d(target))),
      Z,
    ) as tf.Scalar;
    const box =
      posIdx.length === 0
        ? tf.scalar(0)
        : (tf.div(
            tf.sum(
              tf.abs(
                tf.sub(
                  tf.gather(tf.reshape(deltas, [N * K, 4]), tf.tensor1d(posIdx, "int32")),
                  tf.tensor2d(posDelta, [posIdx.length, 4]),
                ),
              ),
            ),
            Z,
          ) as tf.Scalar);
    return { rpn_cls: cls, rpn_box: box };
  });
}
