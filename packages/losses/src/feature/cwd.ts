/**
 * `cwd`: Channel-wise Distillation, as mmrazor's `ChannelWiseDivergence`.
 *
 * Paper: Shu et al., "Channel-wise Knowledge Distillation for Dense Prediction" (ICCV 2021).
 * Reference: open-mmlab/mmrazor mmrazor/models/losses/cwd.py; the `cross_entropy` form is the
 * authors' detection code (pppppM/mmdetection-distiller mmdet/distillation/losses/cwd.py).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { sumLevels, tidyLoss } from "../ops/feature-ops";
import { assertSameShape, levelList, scaledLogits } from "../ops/logit-ops";
import { stopGradient } from "@kdet/core";
import type { DistillLoss, LossResult } from "../types";
import { CwdConfig } from "./cwd-config";

/** `[N,H,W,C]` → `[N·C, H·W]` channel maps (row-major h·W+w), via transpose [0,3,1,2]. */
function channelMaps(x: tf.Tensor): tf.Tensor2D {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.transpose(x, [0, 3, 1, 2]).reshape([n * c, h * w]);
}

/**
 * Creates the `cwd` loss. Per level, on NHWC `[N,H,W,C]` student and teacher of equal shape:
 * `p_{n,c} = softmax_{h,w}(x_{n,c}/τ)` and
 * `L = τ² / (N·C) · Σ_{n,c,i} p^T (log p^T − log p^S)` (KL form), summed over levels when
 * arrays are given. Log-probabilities come from `logSoftmax` over the H·W axis after a
 * transpose to `[N·C, H·W]` (an NHWC reshape would mix channels). Deliberate difference:
 * `x/τ` is clamped to ±1e4 (`LOGIT_BOUND`) so float32-extreme inputs give finite values.
 * No align conv (channel counts must match). Teacher is constant. Parts: `{ cwd }`.
 */
export function createCwd(config: z.input<typeof CwdConfig> = {}): DistillLoss {
  const cfg = CwdConfig.parse(config);
  return {
    id: "cwd",
    variables: [],
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== ts.length)
        throw new Error(`cwd: ${ss.length} student levels vs ${ts.length} teacher levels`);
      return tidyLoss(() =>
        sumLevels("cwd", ss.length, (i) => {
          const s = ss[i]!;
          const t = ts[i]!;
          assertSameShape("cwd", s, t, "feature");
          if (s.rank !== 4) throw new Error(`cwd: features must be NHWC rank 4, got [${s.shape.join(",")}]`);
          const [n, , , c] = s.shape as number[];
          const logPS = tf.logSoftmax(channelMaps(scaledLogits(s, cfg.tau)));
          const logPT = tf.logSoftmax(channelMaps(scaledLogits(stopGradient(t), cfg.tau)));
          const pT = tf.exp(logPT);
          const terms = cfg.form === "kl" ? tf.mul(pT, tf.sub(logPT, logPS)) : tf.neg(tf.mul(pT, logPS));
          const total = tf.mul(tf.sum(terms), (cfg.tau * cfg.tau) / (n! * c!)) as tf.Scalar;
          return { total, parts: { cwd: total } };
        }),
      );
    },
    dispose() {},
  };
}
