/**
 * `pkd`: Pearson-correlation feature distillation, as mmrazor's `PKDLoss`.
 *
 * Paper: Cao et al., "PKD: General Distillation Framework for Object Detectors via Pearson
 * Correlation Coefficient" (NeurIPS 2022). Reference: open-mmlab/mmrazor mmrazor/models/losses/pkd_loss.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { resizeBilinearTorch, standardizeChannels, sumLevels, tidyLoss } from "../ops/feature-ops";
import { assertSameShape, levelList } from "../ops/logit-ops";
import { stopGradient } from "@kdet/core";
import type { DistillLoss, LossResult } from "../types";
import { PkdConfig } from "./pkd-config";

/**
 * Creates the `pkd` loss. Per level of NHWC `[N,H,W,C]` features: if the HEIGHTS differ (only
 * H is compared, as the reference) the student (`resizeStu`) or the teacher is resized
 * bilinearly with half-pixel centres (PyTorch `align_corners=False`) to the other's H×W; each
 * channel of each tensor is standardised with mean and UNBIASED std over N·H·W jointly,
 * `(x − μ)/(σ + 1e-6)`; `L = Σ_levels mean((Ŝ − T̂)²)/2`. Deliberate differences: the
 * unbiased divisor is max(n−1, 1) (PyTorch gives NaN for a 1-pixel batch) and the std's gradient
 * is 0 at zero variance. Teacher is constant. Parts: `{ pkd }`.
 */
export function createPkd(config: z.input<typeof PkdConfig> = {}): DistillLoss {
  const cfg = PkdConfig.parse(config);
  return {
    id: "pkd",
    variables: [],
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== ts.length)
        throw new Error(`pkd: ${ss.length} student levels vs ${ts.length} teacher levels`);
      return tidyLoss(() => {
        const r = sumLevels("pkd", ss.length, (i) => {
          let s = ss[i]! as tf.Tensor4D;
          let t = stopGradient(ts[i]!) as tf.Tensor4D;
          if (s.rank !== 4 || t.rank !== 4) throw new Error("pkd: features must be NHWC rank 4");
          if (s.shape[1] !== t.shape[1]) {
            if (cfg.resizeStu) s = resizeBilinearTorch(s, [t.shape[1], t.shape[2]]);
            else t = resizeBilinearTorch(t, [s.shape[1], s.shape[2]]);
          }
          assertSameShape("pkd", s, t, "feature");
          const d = tf.squaredDifference(
            standardizeChannels(s, "pkd", 1e-6),
            standardizeChannels(t, "pkd", 1e-6),
          );
          const l = tf.div(tf.mean(d), 2) as tf.Scalar;
          return { total: l, parts: { pkd: l } };
        });
        const total = r.total;
        return { total, parts: { pkd: total } };
      });
    },
    dispose() {},
  };
}
