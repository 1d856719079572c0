/**
 * `hcl`: ReviewKD's hierarchical context loss.
 *
 * Paper: Chen et al., "Distilling Knowledge via Knowledge Review", CVPR 2021.
 * Reference: dvlab-research/ReviewKD Detection/model/kd_trans.py (`hcl`).
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { adaptiveAvgPool2d } from "../ops/adaptive-avg-pool";
import { assertRank, assertSameShape, levelList } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { HclConfig } from "./hcl-config";

/**
 * HCL of one level pair, NHWC `[N,H,W,C]`, teacher constant:
 * `[MSE(o,t) + Σ_{l∈P} 2^{−r(l)}·MSE(AP_l(o), AP_l(t))] / [1 + Σ_{l∈P} 2^{−r(l)}]`,
 * MSE = mean over all elements, P = pool sizes with l < H in the given order, r = rank in P,
 * AP_l = adaptive average pooling to l×l (PyTorch bins).
 */
export function hclLevel(o: tf.Tensor4D, t: tf.Tensor4D, poolSizes: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(o, stopGradient(t)) as tf.Tensor4D; // AP is linear: AP(o) − AP(t) = AP(o − t)
    let loss: tf.Scalar = tf.mean(tf.square(d));
    let cnt = 1;
    let tot = 1;
    for (const l of poolSizes) {
      if (l >= o.shape[1]) continue;
      cnt /= 2;
      loss = tf.add(loss, tf.mul(tf.mean(tf.square(adaptiveAvgPool2d(d, l, l))), cnt));
      tot += cnt;
    }
    return tf.div(loss, tot);
  });
}

/**
 * Creates the `hcl` loss: `L = Σ_levels hclLevel(o_i, t_i)` on one NHWC level or a list of
 * levels (student o_i — raw or ABF outputs — and teacher t_i of equal shapes). Parts `{ hcl }`.
 */
export function createHcl(config: z.input<typeof HclConfig> = {}): DistillLoss {
  const cfg = HclConfig.parse(config);
  return {
    id: "hcl",
    variables: [],
    compute(student, teacher): LossResult {
      return hclTotal("hcl", levelList(student), levelList(teacher), cfg.poolSizes);
    },
    dispose() {},
  };
}

/** `Σ_i hclLevel(s_i, t_i)` with shape checks; returns `{ total, parts: { [id]: total } }`. */
export function hclTotal(
  id: string,
  ss: tf.Tensor[],
  ts: tf.Tensor[],
  poolSizes: readonly number[],
): LossResult {
  if (ss.length === 0) throw new Error(`${id}: no levels given`);
  if (ss.length !== ts.length)
    throw new Error(`${id}: ${ss.length} student levels vs ${ts.length} teacher levels`);
  ss.forEach((s, i) => {
    assertRank(id, s, [4], `level ${i} (NHWC)`);
    assertSameShape(id, s, ts[i]!, `level ${i}`);
  });
  return tf.tidy(() => {
    const levels = ss.map((s, i) => hclLevel(s as tf.Tensor4D, ts[i] as tf.Tensor4D, poolSizes));
    const total = tf.addN(levels) as tf.Scalar;
    return { total, parts: { [id]: total } };
  });
}
