/**
 * `qfl-kd`: soft-label (Quality-Focal-style) KD for sigmoid dense heads, as CrossKD's
 * `KDQualityFocalLoss`.
 *
 * Papers: Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object Detection", CVPR 2024;
 * the focal form follows GFL's Quality Focal Loss (Li et al., NeurIPS 2020).
 * Reference: jbwang1997/CrossKD mmdet/models/losses/kd_loss.py (kd_quality_focal_loss) with the
 * mmdet 3.x reducer (mmdet/models/losses/utils.py weight_reduce_loss).
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { absT, assertSameShape, ctxOptNumber, ctxOptTensor, scaledLogits, single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { QflKdConfig } from "./qfl-kd-config";

/** float32 machine epsilon that mmdet 3.x adds to every avg_factor. */
export const FLOAT32_EPS = 1.1920928955078125e-7;

/** Context of `qfl-kd` (both optional). */
export interface QflKdContext extends LossContext {
  /** Per-position label weights λ, N·H·W values in (n,h,w) order (e.g. `[N,H,W]`); default 1. */
  labelWeights?: tf.Tensor;
  /** Average factor (number of positive positions); absent → mean over all elements. */
  avgFactor?: number;
}

/**
 * `|x|^β` with torch's zero gradient at x = 0 (tfjs' abs has gradient −1 there) and no NaN for
 * β < 1. Comparisons have no tfjs gradient, so the mask is `step` (zero gradient).
 */
function focalPow(x: tf.Tensor, beta: number): tf.Tensor {
  return tf.tidy(() => {
    const a = absT(x);
    const nz = tf.step(a); // 1 where |x| > 0
    if (beta === 1) return a;
    return tf.mul(tf.pow(tf.add(a, tf.sub(1, nz)), beta), nz);
  });
}

/**
 * Creates the `qfl-kd` loss on class logits NHWC `[N,H,W,C]` (or `[M,C]` rows):
 *
 *   q = σ(t) (detached), p = σ(s),
 *   ℓ_{a,c} = BCEWithLogits(s_{a,c}, q_{a,c}) · |p_{a,c} − q_{a,c}|^β,
 *   L = Σ_a λ_a Σ_c ℓ_{a,c} / (avgFactor + ε32)   (ε32 = float32 eps, mmdet 3.x)
 *
 * or `mean(λ·ℓ)` over all elements when `ctx.avgFactor` is absent (mmdet's `mean`).
 * BCE in the stable form `max(s,0) − s·q + log(1 + e^{−|s|})`; logits clamped to ±1e4
 * (`LOGIT_BOUND`). Context: {@link QflKdContext}. Parts `{ "qfl-kd" }`.
 */
export function createQflKd(config: z.input<typeof QflKdConfig> = {}): DistillLoss {
  const cfg = QflKdConfig.parse(config);
  return {
    id: "qfl-kd",
    variables: [],
    compute(student, teacher, ctx): LossResult {
      const s = single("qfl-kd", student, "student");
      const t = single("qfl-kd", teacher, "teacher");
      assertSameShape("qfl-kd", s, t, "logit");
      const c = s.shape[s.rank - 1]!;
      const rows = s.size / c;
      const lw = ctxOptTensor("qfl-kd", ctx, "labelWeights");
      if (lw && lw.size !== rows)
        throw new Error(
          `qfl-kd: ctx.labelWeights has ${lw.size} values, expected one per position (${rows})`,
        );
      const avg = ctxOptNumber("qfl-kd", ctx, "avgFactor");
      return tf.tidy(() => {
        const x = tf.reshape(scaledLogits(s), [rows, c]);
        const q = tf.sigmoid(tf.reshape(scaledLogits(stopGradient(t)), [rows, c]));
        const bce = tf.add(tf.sub(tf.relu(x), tf.mul(x, q)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
        let elem = tf.mul(bce, focalPow(tf.sub(tf.sigmoid(x), q), cfg.beta));
        if (lw) elem = tf.mul(elem, tf.reshape(stopGradient(lw), [rows, 1]));
        const sum = tf.sum(elem);
        const reduced = avg === undefined ? tf.div(sum, rows * c) : tf.div(sum, avg + FLOAT32_EPS);
        const total = reduced as tf.Scalar;
        return { total, parts: { "qfl-kd": total } };
      });
    },
    dispose() {},
  };
}
