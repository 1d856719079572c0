/**
 * `adaptive`: semi-supervised adaptive distillation — per-sample weights that emphasise samples
 * hard for the teacher (low confidence) and samples hard for the student to imitate (large
 * teacher–student discrepancy), with a configurable balance between easy and hard samples. No
 * ground truth is used, so unlabeled images work.
 *
 * Source: the same 2024 master's thesis as `confidence` (no public code). Related weightings:
 * focal / GHM-style hard-sample emphasis, CrossKD/QFL soft labels (reference §16, §19.2), and the
 * teacher pseudo-labels of Unbiased Teacher (§20). **[design] our construction from the description.**
 *
 * From the thesis (only its abstract is known): semi-supervised adaptive distillation weighs samples that are hard
 * for the teacher and samples that are hard for the student to imitate, correcting the easy/hard imbalance.
 * kdet's own design: what a sample is (a location or an image), the two hardness measures (teacher entropy or
 * 1 − top score; largest |σ(s) − q|), their mix λ, the balance ρ with a uniform weight, γ, and detached weights.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { bernoulliKl, teacherProbs, xlogx } from "./confidence-soft-labels";
import { tidyLoss } from "../ops/feature-ops";
import { assertSameShape, levelList } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { AdaptiveConfig } from "./adaptive-config";

/** Normalised binary entropy `H_b(q)/ln 2 ∈ [0,1]` of constant probabilities (0·log 0 = 0). */
function binaryEntropy(q: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.neg(tf.add(xlogx(q), xlogx(tf.sub(1, q)))), Math.LN2));
}

/**
 * Creates the `adaptive` loss. **[design] our construction from the description.**
 *
 * Inputs: student class logits `s` NHWC `[N,H,W,K]` and teacher scores `[N,H,W,K]` (sigmoid
 * probabilities q, or logits with `scoreKind: "logits"`; constant), one level or per-level
 * arrays; all levels form one pool of samples. Per location i:
 *
 *   ℓ_i   = Σ_k KL(q_ik ‖ σ(s_ik))                       (Bernoulli KL; 0 when σ(s) = q)
 *   h^T_i = max_k H_b(q_ik)/ln 2   (or 1 − max_k q_ik)    teacher hardness ∈ [0,1]
 *   h^S_i = max_k |σ(s_ik) − q_ik|                        student hardness ∈ [0,1]
 *   h_i   = (1 − λ)·h^T_i + λ·h^S_i,   w_i = (1 − ρ) + ρ·h_i^γ   (constants: no gradient)
 *   L     = Σ_i w_i ℓ_i / Σ_i w_i
 *
 * With `sampleUnit: "image"` the hardness h_n is the mean of h_i over the image's locations (all
 * levels), `ℓ_n` the mean of ℓ_i, and `L = Σ_n w_n ℓ_n / Σ_n w_n`. The weights are
 * normalised, so ρ moves emphasis between samples without changing the loss scale; ρ = 0 is the
 * plain mean soft-label KL. L = 0 when the student matches the teacher. Parts: `{ adaptive }`.
 */
export function createAdaptive(config: z.input<typeof AdaptiveConfig> = {}): DistillLoss {
  const cfg = AdaptiveConfig.parse(config);
  return {
    id: "adaptive",
    variables: [],
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length === 0 || ss.length !== ts.length)
        throw new Error(`adaptive: ${ss.length} student levels vs ${ts.length} teacher levels`);
      ss.forEach((s, i) => {
        assertSameShape("adaptive", s, ts[i]!, `level ${i} logits`);
        if (s.rank < 2) throw new Error(`adaptive: level ${i} must be [N,…,K], got [${s.shape.join(",")}]`);
      });
      const n = ss[0]!.shape[0]!;
      return tidyLoss(() => {
        // Per level: [N, P_l] per-location KL and hardness, concatenated over levels → [N, P].
        const ell: tf.Tensor[] = [];
        const hard: tf.Tensor[] = [];
        ss.forEach((sl, i) => {
          const k = sl.shape[sl.rank - 1]!;
          const s = tf.reshape(sl, [n, -1, k]);
          const q = tf.reshape(teacherProbs(ts[i]!, cfg.scoreKind), [n, -1, k]);
          ell.push(tf.sum(bernoulliKl(s, q), -1));
          const hT =
            cfg.teacherHardness === "entropy" ? tf.max(binaryEntropy(q), -1) : tf.sub(1, tf.max(q, -1));
          const hS = tf.max(tf.abs(tf.sub(tf.sigmoid(stopGradient(s)), q)), -1); // weights are constants
          hard.push(tf.add(tf.mul(hT, 1 - cfg.mix), tf.mul(hS, cfg.mix)));
        });
        let l = tf.concat(ell, 1);
        let h = tf.concat(hard, 1);
        if (cfg.sampleUnit === "image") {
          l = tf.mean(l, 1);
          h = tf.mean(h, 1);
        }
        const hw = cfg.gamma === 1 ? h : tf.pow(h, cfg.gamma);
        const w = tf.add(1 - cfg.balance, tf.mul(hw, cfg.balance));
        const total = tf.div(tf.sum(tf.mul(w, l)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
        return { total, parts: { adaptive: total } };
      });
    },
    dispose() {},
  };
}
