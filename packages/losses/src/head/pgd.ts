/**
 * `pgd`: Prediction-Guided Distillation on dense-head features (classification or regression
 * branch), with masks from the teacher's predictions (see `pgd-weights.ts`).
 *
 * Paper: Yang et al., "Prediction-Guided Distillation for Dense Object Detection", ECCV 2022.
 * Reference: ChenhongyiYang/PGD mmdet/distillation/losses/pgd_cls.py (PGDClsLoss),
 * pgd_reg.py (PGDRegLoss), distillers/distill_pgd.py; config work_configs/pgd_atss_r101_r50_1x.py.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { absT, assertRank, assertSameShape, ctxTensor, single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { PgdConfig } from "./pgd-config";

/** Context of `pgd`: per-position masks, N·H·W values each (`[N,H,W]` or `[N,H,W,1]`). */
export interface PgdContext extends LossContext {
  /** Foreground weights (PGD key-position weights; α 0.8 for cls, 0.6 for reg). */
  maskFg: tf.Tensor;
  /** Background weights (cls only). */
  maskBg?: tf.Tensor;
}

/** Channel attention per position: `C·softmax_c(|x|/temp)` on NHWC. */
function channelAttention(x: tf.Tensor, temp: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.softmax(tf.div(absT(x), temp)), x.shape[3]!));
}

/** Spatial attention `H·W·softmax_hw(mean_c|x| / temp)`, shape `[N,H,W,1]`. */
function spatialAttention(x: tf.Tensor, temp: number): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w] = x.shape as number[];
    const m = tf.reshape(tf.div(tf.mean(absT(x), 3), temp), [n!, h! * w!]);
    return tf.reshape(tf.mul(tf.softmax(m), h! * w!), [n!, h!, w!, 1]);
  });
}

function maskOf(ctx: LossContext | undefined, key: string, n: number, h: number, w: number): tf.Tensor {
  const m = ctxTensor("pgd", ctx, key, "per-position weights, N·H·W values");
  if (m.size !== n * h * w)
    throw new Error(
      `pgd: ctx.${key} has ${m.size} values (shape [${m.shape.join(",")}]), expected N·H·W = ${n * h * w}`,
    );
  return tf.reshape(m, [n, h, w, 1]);
}

/** Divides each image's mask by its count of non-zero entries (clamped at 1e-10). */
function normalisePerImage(m: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.div(m, tf.maximum(tf.sum(tf.cast(tf.notEqual(m, 0), "float32"), [1, 2, 3], true), 1e-10)),
  );
}

function clsLoss(cfg: PgdConfig, s: tf.Tensor, t: tf.Tensor, ctx: LossContext | undefined): LossResult {
  const [n, h, w] = s.shape as [number, number, number, number];
  return tf.tidy(() => {
    const fg = normalisePerImage(maskOf(ctx, "maskFg", n, h, w));
    const bg = normalisePerImage(maskOf(ctx, "maskBg", n, h, w));
    const sT = spatialAttention(t, cfg.tempS);
    const cT = channelAttention(t, cfg.tempC);
    const d2 = tf.mul(tf.mul(tf.squaredDifference(s, t), sT), cT); // teacher attention only
    const masked = (mask: tf.Tensor) =>
      cfg.maskMode === "reference"
        ? tf.div(tf.sum(tf.mul(tf.sum(mask, 0), tf.sum(d2, 0))), n) // Σ_m mask_m · Σ_n d²_n, ÷N
        : tf.div(tf.sum(tf.mul(mask, d2)), n);
    const maskLoss = tf.add(
      tf.div(tf.sum(absT(tf.sub(channelAttention(s, cfg.tempC), cT))), n * h * w),
      tf.div(tf.sum(absT(tf.sub(spatialAttention(s, cfg.tempS), sT))), n),
    );
    const parts = {
      fg: tf.mul(masked(fg), cfg.alpha) as tf.Scalar,
      bg: tf.mul(masked(bg), cfg.beta) as tf.Scalar,
      mask: tf.mul(maskLoss, cfg.delta) as tf.Scalar,
    };
    return { total: tf.addN([parts.fg, parts.bg, parts.mask]) as tf.Scalar, parts };
  });
}

function regLoss(cfg: PgdConfig, s: tf.Tensor, t: tf.Tensor, ctx: LossContext | undefined): LossResult {
  const [n, h, w] = s.shape as [number, number, number, number];
  return tf.tidy(() => {
    const wt = maskOf(ctx, "maskFg", n, h, w);
    const sel = tf.cast(tf.notEqual(wt, 0), "float32");
    const count = tf.maximum(tf.sum(sel), 1); // no positives → 0 (the reference's empty mean is NaN)
    const cT = channelAttention(t, cfg.tempC);
    const fea = tf.div(tf.sum(tf.mul(tf.mean(tf.mul(tf.squaredDifference(s, t), cT), 3, true), wt)), count);
    const maskLoss = tf.div(tf.sum(tf.mul(absT(tf.sub(channelAttention(s, cfg.tempC), cT)), sel)), count);
    const parts = {
      fea: tf.mul(fea, cfg.gamma) as tf.Scalar,
      mask: tf.mul(maskLoss, cfg.delta) as tf.Scalar,
    };
    return { total: tf.add(parts.fea, parts.mask) as tf.Scalar, parts };
  });
}

/**
 * Creates the `pgd` loss on one level of head features NHWC `[N,H,W,C]` (teacher constant).
 *
 * `cls` (masks `ctx.maskFg`, `ctx.maskBg`, each ÷ its per-image non-zero count):
 *   A^sp = H·W·softmax_hw(mean_c|x|/tempS), A^ch = C·softmax_c(|x|/tempC) per position,
 *   d² = (S − T)²·A^sp_T·A^ch_T; L_fg = Σ M_fg·d² / N (see `maskMode`), L_bg likewise,
 *   L_mask = Σ|A^ch_S − A^ch_T|/(N·H·W) + Σ|A^sp_S − A^sp_T|/N,
 *   L = α·L_fg + β·L_bg + δ·L_mask; parts `{ fg, bg, mask }` (weighted).
 * `reg` (weights `ctx.maskFg`; positions with weight ≠ 0 are selected, P of them):
 *   L_fea = Σ_pos mean_c((S − T)²·A^ch_T)·w / P, L_mask = Σ_pos Σ_c|A^ch_S − A^ch_T| / P,
 *   L = γ·L_fea + δ·L_mask; parts `{ fea, mask }` (weighted). P = 0 gives 0 (deviation:
 *   the reference's empty mean is NaN).
 * |x| has PyTorch's zero gradient at 0.
 */
export function createPgd(config: z.input<typeof PgdConfig> = {}): DistillLoss {
  const cfg = PgdConfig.parse(config);
  return {
    id: "pgd",
    variables: [],
    compute(student, teacher, ctx): LossResult {
      const s = single("pgd", student, "student");
      const t = single("pgd", teacher, "teacher");
      assertSameShape("pgd", s, t, "feature");
      assertRank("pgd", s, [4], "head features (NHWC)");
      return tf.tidy(() => {
        const tc = stopGradient(t);
        const { total, parts } = cfg.branch === "cls" ? clsLoss(cfg, s, tc, ctx) : regLoss(cfg, s, tc, ctx);
        return { total, parts };
      });
    },
    dispose() {},
  };
}
