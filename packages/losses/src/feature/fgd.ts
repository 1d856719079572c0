/**
 * `fgd`: Focal and Global Distillation, one FPN level, as yzd-v/FGD's `FeatureLoss`.
 *
 * Paper: Yang et al., "Focal and Global Knowledge Distillation for Detectors" (CVPR 2022).
 * Reference: yzd-v/FGD mmdet/distillation/losses/fgd.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { z } from "zod";
import { alignConv, type ConvAdapter } from "../adapters/conv-adapter";
import { GcBlock } from "../adapters/gc-block";
import {
  assertSameGrid,
  channelAttention,
  imageBoxes,
  imageSizes,
  spatialAttention,
  tidyLoss,
} from "../ops/feature-ops";
import { single } from "../ops/logit-ops";
import { batchMask, fgdMasks } from "../masks/index";
import type { DistillLoss, LossResult } from "../types";
import { FgdConfig } from "./fgd-config";

/** The `fgd` loss object: align conv (or null) and the student/teacher GcBlocks are trainable. */
export interface FgdLoss extends DistillLoss {
  readonly align: ConvAdapter | null;
  readonly gcStudent: GcBlock;
  readonly gcTeacher: GcBlock;
}

/**
 * Creates the `fgd` loss for one level. NHWC student `[N,H,W,C_s]`, teacher `[N,H,W,C]`;
 * `ctx.boxes` (xyxy input pixels) and `ctx.imgShapes` (per image, the reference) or
 * `ctx.imageSize` (the padded batch input, as mmrazor PR #463 recommends).
 * With `S = align(S)`, teacher attentions `A^sp_T` `[N,H,W,1]`, `A^ch_T` `[N,1,1,C]`
 * ({@link spatialAttention}, {@link channelAttention}) and masks `M^fg`, `M^bg` ({@link fgdMasks}):
 * - `fg = Σ M^fg·A^sp_T·A^ch_T·(S − T)² / N`, `bg` likewise with `M^bg`;
 * - `mask = (Σ|A^ch_S − A^ch_T| + Σ|A^sp_S − A^sp_T|) / N`;
 * - `rela = Σ(GC_S(S) − GC_T(T))² / N` with the trainable {@link GcBlock}s;
 * - `L = α·fg + β·bg + γ·mask + λ·rela`. Parts are the weighted terms `{ fg, bg, mask, rela }`.
 * Teacher is constant (its GcBlock is still trained through `rela`).
 */
export function createFgd(config: z.input<typeof FgdConfig> = {}): FgdLoss {
  const cfg = FgdConfig.parse(config);
  const c = cfg.teacherChannels;
  const align = alignConv(cfg.studentChannels, c, cfg.seed, "fgd_align");
  const gcStudent = new GcBlock({ channels: c, seed: cfg.seed + 10, name: "fgd_gc_s" });
  const gcTeacher = new GcBlock({ channels: c, seed: cfg.seed + 20, name: "fgd_gc_t" });
  return {
    id: "fgd",
    align,
    gcStudent,
    gcTeacher,
    get variables() {
      return [...(align?.variables ?? []), ...gcStudent.variables, ...gcTeacher.variables];
    },
    compute(student, teacher, ctx): LossResult {
      const s0 = single("fgd", student, "student") as tf.Tensor4D;
      const t0 = single("fgd", teacher, "teacher") as tf.Tensor4D;
      const [n, h, w] = t0.shape;
      const boxes = imageBoxes("fgd", ctx, n);
      const sizes = imageSizes("fgd", ctx, n);
      const masks = boxes.map((b, i) => fgdMasks(b, h, w, sizes[i]!));
      return tidyLoss(() => {
        const s = align ? align.apply(s0) : s0;
        const t = stopGradient(t0);
        assertSameGrid("fgd", s, t);
        if (s.shape[3] !== c || t.shape[3] !== c)
          throw new Error(
            `fgd: features must have ${c} channels after align, got ${s.shape[3]} and ${t.shape[3]}`,
          );
        const spT = spatialAttention(t, cfg.temp);
        const chT = channelAttention(t, cfg.temp);
        const d2 = tf.mul(tf.mul(tf.squaredDifference(s, t), spT), chT);
        const fg = tf.div(
          tf.sum(
            tf.mul(
              d2,
              batchMask(
                masks.map((m) => m.fg),
                h,
                w,
              ),
            ),
          ),
          n,
        );
        const bg = tf.div(
          tf.sum(
            tf.mul(
              d2,
              batchMask(
                masks.map((m) => m.bg),
                h,
                w,
              ),
            ),
          ),
          n,
        );
        const l1 = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.abs(tf.sub(a, b)));
        const mask = tf.div(
          tf.add(l1(channelAttention(s, cfg.temp), chT), l1(spatialAttention(s, cfg.temp), spT)),
          n,
        );
        const rela = tf.div(tf.sum(tf.squaredDifference(gcStudent.apply(s), gcTeacher.apply(t))), n);
        const parts = {
          fg: tf.mul(fg, cfg.alphaFgd) as tf.Scalar,
          bg: tf.mul(bg, cfg.betaFgd) as tf.Scalar,
          mask: tf.mul(mask, cfg.gammaFgd) as tf.Scalar,
          rela: tf.mul(rela, cfg.lambdaFgd) as tf.Scalar,
        };
        return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
      });
    },
    dispose() {
      align?.dispose();
      gcStudent.dispose();
      gcTeacher.dispose();
    },
  };
}
