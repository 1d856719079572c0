/**
 * `at`: Attention Transfer between feature maps.
 *
 * Paper: Zagoruyko & Komodakis, "Paying More Attention to Attention: Improving the Performance of
 * Convolutional Neural Networks via Attention Transfer" (ICLR 2017).
 * Reference: szagoruyko/attention-transfer utils.py (`at`, `at_loss`).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { l2NormalizeSamples, sumLevels, tidyLoss } from "../ops/feature-ops";
import { levelList } from "../ops/logit-ops";
import { stopGradient } from "@kdet/core";
import type { DistillLoss, LossResult } from "../types";
import { AtConfig } from "./at-config";

/**
 * Attention map of NHWC `[N,H,W,C]`: `Q = normalize(mean_c |F|^p)` flattened to `[N, H·W]`, with
 * `normalize(q) = q/max(‖q‖₂, 1e-12)` (PyTorch `F.normalize`). Each sample is first divided by
 * its (constant) max |F|, which leaves Q unchanged (it is scale-invariant) but keeps |F|^p
 * finite for float32-extreme features.
 */
export function attentionMap(f: tf.Tensor4D, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w] = f.shape;
    const m = tf.maximum(tf.max(tf.abs(f), [1, 2, 3], true), 1e-30);
    const q = tf.mean(tf.pow(tf.abs(tf.div(f, stopGradient(m))), p), 3).reshape([n, h * w]);
    return l2NormalizeSamples(q) as tf.Tensor2D;
  });
}

/**
 * Creates the `at` loss: per level `mean_{n,i}( (Q_S − Q_T)² )` over the `[N, H·W]` attention
 * maps (student and teacher channels may differ, spatial sizes must match), summed over levels,
 * unweighted (the reference multiplies by β/2 with β = 1000: the registry's `defaultWeight` 500).
 * Teacher is constant. Parts: `{ at }`.
 */
export function createAt(config: z.input<typeof AtConfig> = {}): DistillLoss {
  const cfg = AtConfig.parse(config);
  return {
    id: "at",
    variables: [],
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== ts.length)
        throw new Error(`at: ${ss.length} student levels vs ${ts.length} teacher levels`);
      return tidyLoss(() => {
        const r = sumLevels("at", ss.length, (i) => {
          const s = ss[i]! as tf.Tensor4D;
          const t = stopGradient(ts[i]!) as tf.Tensor4D;
          if (
            s.rank !== 4 ||
            t.rank !== 4 ||
            s.shape[0] !== t.shape[0] ||
            s.shape[1] !== t.shape[1] ||
            s.shape[2] !== t.shape[2]
          ) {
            throw new Error(
              `at: student [${s.shape.join(",")}] and teacher [${t.shape.join(",")}] must be NHWC with equal N,H,W`,
            );
          }
          const l = tf.mean(
            tf.squaredDifference(attentionMap(s, cfg.p), attentionMap(t, cfg.p)),
          ) as tf.Scalar;
          return { total: l, parts: { at: l } };
        });
        const total = r.total;
        return { total, parts: { at: total } };
      });
    },
    dispose() {},
  };
}
