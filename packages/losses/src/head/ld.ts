/**
 * `ld`: Localization Distillation on the box-side distributions of a GFL/DFL head.
 *
 * Paper: Zheng et al., "Localization Distillation for Dense Object Detection", CVPR 2022.
 * Reference: HikariTJU/LD mmdet/models/losses/kd_loss.py (KnowledgeDistillationKLDivLoss) and
 * mmdet/models/dense_heads/ld_head.py (LDHead.loss_single, the `loss_ld` term).
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { assertRank, assertSameShape, klTerms, scaledLogits, single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { LdConfig } from "./ld-config";

/** Context of `ld`. */
export interface LdContext extends LossContext {
  /** Student class logits NHWC `[N,H,W,K]` (sigmoid head); ω = max_k σ, detached. */
  studentCls: tf.Tensor;
  /** Assigned label per position `[N,H,W]` (tensor or flat (n,h,w) array); K = background. */
  assignedLabels: tf.Tensor | Int32Array;
}

/** Flat (n,h,w) indices of the positive positions: labels in [0, numClasses). */
export function ldPositiveIndices(labels: ArrayLike<number>, numClasses: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l >= 0 && l < numClasses) out.push(i);
  }
  return Int32Array.from(out);
}

function positiveMask(ctx: LdContext, n: number, h: number, w: number, k: number): tf.Tensor {
  const v = ctx.assignedLabels as unknown;
  const data = v instanceof tf.Tensor ? v.dataSync() : v instanceof Int32Array ? v : undefined;
  if (data === undefined)
    throw new Error("ld: ctx.assignedLabels is required (label per position [N,H,W], background = K)");
  if (data.length !== n * h * w)
    throw new Error(`ld: ctx.assignedLabels has ${data.length} entries, expected N·H·W = ${n * h * w}`);
  const mask = new Float32Array(data.length);
  for (const i of ldPositiveIndices(data, k)) mask[i] = 1;
  return tf.tensor4d(mask, [n, h, w, 1]);
}

/**
 * Creates the `ld` loss on box-distribution logits NHWC `[N,H,W,4·(regMax+1)]` (channel =
 * side·(regMax+1) + bin, sides l,t,r,b), student and teacher at the same positions:
 *
 *   L = T² · Σ_{a∈pos} Σ_{e=1..4} ω_a · B( Σ_b p^T_{a,e,b}(log p^T_{a,e,b} − log p^S_{a,e,b}) ) / avgFactor
 *
 * with `p = softmax(x/T)` over the bins, `B` = 1/(regMax+1) (`binReduction: "mean"`) or 1,
 * `ω_a = max_k σ(ctx.studentCls)` (detached), positives from `ctx.assignedLabels` (see
 * {@link LdContext}). Not divided by the number of positives (as the reference); an image
 * without positives gives 0. Scaled logits clamped to ±1e4 (`LOGIT_BOUND`). Parts `{ ld }`.
 */
export function createLd(config: z.input<typeof LdConfig> = {}): DistillLoss {
  const cfg = LdConfig.parse(config);
  const bins = cfg.regMax + 1;
  return {
    id: "ld",
    variables: [],
    compute(student, teacher, ctx): LossResult {
      const s = single("ld", student, "student");
      const t = single("ld", teacher, "teacher");
      assertSameShape("ld", s, t, "box-logit");
      assertRank("ld", s, [4], "box logits (NHWC)");
      const [n, h, w, c] = s.shape as [number, number, number, number];
      if (c !== 4 * bins)
        throw new Error(`ld: box logits have ${c} channels, expected 4·(regMax+1) = ${4 * bins}`);
      const lctx = (ctx ?? {}) as LdContext;
      if (!(lctx.studentCls instanceof tf.Tensor))
        throw new Error("ld: ctx.studentCls is required (student class logits NHWC [N,H,W,K])");
      const cls = lctx.studentCls;
      if (cls.rank !== 4 || cls.shape[0] !== n || cls.shape[1] !== h || cls.shape[2] !== w) {
        throw new Error(
          `ld: ctx.studentCls shape [${cls.shape.join(",")}] does not match box logits [${n},${h},${w},*]`,
        );
      }
      return tf.tidy(() => {
        const pos = positiveMask(lctx, n, h, w, cls.shape[3]!);
        const omega = tf.mul(pos, tf.max(tf.sigmoid(stopGradient(cls)), 3, true)); // [N,H,W,1]
        const logPS = tf.logSoftmax(scaledLogits(tf.reshape(s, [n, h, w, 4, bins]), cfg.tau));
        const logPT = tf.logSoftmax(scaledLogits(tf.reshape(stopGradient(t), [n, h, w, 4, bins]), cfg.tau));
        const kl = tf.sum(klTerms(logPT, logPS), 4); // [N,H,W,4]
        const scale = (cfg.tau * cfg.tau) / (cfg.avgFactor * (cfg.binReduction === "mean" ? bins : 1));
        const total = tf.mul(tf.sum(tf.mul(kl, omega)), scale) as tf.Scalar;
        return { total, parts: { ld: total } };
      });
    },
    dispose() {},
  };
}
