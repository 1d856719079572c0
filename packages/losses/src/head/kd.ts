/**
 * `kd`: Hinton knowledge distillation on class logits, as mmrazor's `KLDivergence`.
 *
 * Paper: Hinton, Vinyals, Dean, "Distilling the Knowledge in a Neural Network" (2015).
 * Reference: open-mmlab/mmrazor mmrazor/models/losses/kl_divergence.py.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { assertSameShape, klTerms, reduceSum, scaledLogits, single } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { KdConfig } from "./kd-config";

/**
 * Creates the `kd` loss: `L = τ²·R( Σ_k p^T_k (log p^T_k − log p^S_k) )` with
 * `p = softmax(z/τ)` over the LAST axis (classes). Inputs are logits `[N,C]` or dense NHWC
 * `[N,H,W,C]` (one distribution per position, like mmrazor's softmax over NCHW dim 1).
 * `R` is the reduction: `batchmean` divides by N only, so dense inputs grow with H·W (as the
 * reference). Both log-probabilities come from `logSoftmax`; scaled logits are clamped to ±1e4
 * (see `LOGIT_BOUND`) so float32-extreme logits stay finite. Teacher is constant.
 * Parts: `{ kd }` (= total).
 */
export function createKd(config: z.input<typeof KdConfig> = {}): DistillLoss {
  const cfg = KdConfig.parse(config);
  return {
    id: "kd",
    variables: [],
    compute(student, teacher): LossResult {
      const s = single("kd", student, "student");
      const t = single("kd", teacher, "teacher");
      assertSameShape("kd", s, t, "logit");
      return tf.tidy(() => {
        const logPS = tf.logSoftmax(scaledLogits(s, cfg.tau));
        const logPT = tf.logSoftmax(scaledLogits(stopGradient(t), cfg.tau));
        const kl = reduceSum(tf.sum(klTerms(logPT, logPS)), cfg.reduction, s.shape);
        const total = tf.mul(kl, cfg.tau * cfg.tau) as tf.Scalar;
        return { total, parts: { kd: total } };
      });
    },
    dispose() {},
  };
}
