/**
 * `mse`: FitNets / plain feature imitation, as mmrazor's `L2Loss`, plus the detection "mimic"
 * options (1×1 align conv; per-channel feature normalisation of PaddleDetection / DAMO-YOLO).
 *
 * Paper: Romero et al., "FitNets: Hints for Thin Deep Nets" (ICLR 2015).
 * Reference: open-mmlab/mmrazor mmrazor/models/losses/l2_loss.py; PaddlePaddle/PaddleDetection
 * ppdet/slim/distill_loss.py (MimicFeatureLoss); tinyvision/DAMO-YOLO distill_loss.py (MimicLoss).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { l2NormalizeSamples, safeSqrt, standardizeChannels, sumLevels, tidyLoss } from "../ops/feature-ops";
import { assertSameShape, levelList } from "../ops/logit-ops";
import { stopGradient } from "@kdet/core";
import type { DistillLoss, LossResult } from "../types";
import { needsAlign } from "../channel-settings";
import { MseConfig } from "./mse-config";

/** The `mse` loss object; `align` is the trainable align conv (null when channels match). */
export interface MseLoss extends DistillLoss {
  readonly align: ConvAdapter | null;
}

/**
 * Creates the `mse` loss. On NHWC `[N,H,W,C]` (or `[N,D]`) features, per level:
 * `Ŝ = align(S)` (conv C_s→C_t, 'same', only when the channels differ), optional per-channel
 * standardisation, optional per-sample normalisation `x̂_n = mult·x_n/‖x_n‖₂`, then
 * `L = Σ(Ŝ − T̂)² / N` (`divElement`: / numel; `dist`: `sqrt(Σ)`); summed over levels when
 * arrays are given (the align conv needs a single level). The result does not depend on the
 * flatten order, so no transpose is needed. Deliberate difference: the normalisation divides by
 * max(‖x‖, 1e-12) (mmrazor has no eps and gives NaN for an all-zero sample). Teacher is
 * constant. Parts: `{ mse }`.
 */
export function createMse(config: z.input<typeof MseConfig> = {}): MseLoss {
  const cfg = MseConfig.parse(config);
  const align = needsAlign(cfg)
    ? new ConvAdapter({
        inChannels: cfg.studentChannels!,
        outChannels: cfg.teacherChannels!,
        kernelSize: cfg.alignKernel,
        relu: cfg.alignRelu,
        seed: cfg.seed,
        name: "mse_align",
      })
    : null;
  const prep = (x: tf.Tensor) =>
    cfg.featureNorm === "none"
      ? x
      : standardizeChannels(
          x,
          cfg.featureNorm === "bn" ? "bn" : "pkd",
          cfg.featureNorm === "bn" ? 1e-5 : 1e-6,
        );
  return {
    id: "mse",
    align,
    get variables() {
      return align ? align.variables : [];
    },
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== ts.length)
        throw new Error(`mse: ${ss.length} student levels vs ${ts.length} teacher levels`);
      if (align && ss.length !== 1) throw new Error("mse: an align conv needs exactly one level");
      return tidyLoss(() =>
        sumLevels("mse", ss.length, (i) => {
          let s = ss[i]!;
          if (align) s = align.apply(s as tf.Tensor4D);
          let t = stopGradient(ts[i]!);
          assertSameShape("mse", s, t, "feature");
          s = prep(s);
          t = prep(t);
          if (cfg.normalize) {
            s = l2NormalizeSamples(s, cfg.mult);
            t = l2NormalizeSamples(t, cfg.mult);
          }
          const sq = tf.sum(tf.squaredDifference(s, t));
          const red = cfg.dist ? safeSqrt(sq) : tf.div(sq, cfg.divElement ? s.size : (s.shape[0] ?? 1));
          const total = red as tf.Scalar;
          return { total, parts: { mse: total } };
        }),
      );
    },
    dispose() {
      align?.dispose();
    },
  };
}
