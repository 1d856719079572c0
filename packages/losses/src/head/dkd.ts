/**
 * `dkd`: Decoupled Knowledge Distillation, as mmrazor's `DKDLoss`.
 *
 * Paper: Zhao et al., "Decoupled Knowledge Distillation", CVPR 2022.
 * Reference: open-mmlab/mmrazor mmrazor/models/losses/decoupled_kd.py.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { assertSameShape, klTerms, scaledLogits, single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { DkdConfig } from "./dkd-config";

/** Context of `dkd`: `ctx.gtLabels` holds the target class of every logit row. */
export interface DkdContext extends LossContext {
  /** Target class per row (rows = all axes but the last, row-major), ints in [0, C). */
  gtLabels: Int32Array | number[] | tf.Tensor;
}

function targetMask(labels: unknown, rows: number, numClasses: number, skip: boolean): tf.Tensor {
  if (labels === undefined) throw new Error("dkd: ctx.gtLabels is required (target class per logit row)");
  const data =
    labels instanceof tf.Tensor
      ? Array.from(labels.dataSync())
      : Array.isArray(labels) || labels instanceof Int32Array
        ? Array.from(labels)
        : null;
  if (data === null) throw new Error("dkd: ctx.gtLabels must be an Int32Array, number[] or tf.Tensor");
  if (data.length !== rows)
    throw new Error(`dkd: ctx.gtLabels has ${data.length} labels, expected one per logit row (${rows})`);
  const top = skip ? numClasses + 1 : numClasses;
  const bad = data.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= top);
  if (bad >= 0)
    throw new Error(
      `dkd: ctx.gtLabels[${bad}] = ${data[bad]} is not a class index in [0, ${numClasses})${skip ? ` or the background ${numClasses}` : ""}`,
    );
  // a background label (= C with background: "skip") one-hots to an all-zero row, removed by the row mask
  return tf.oneHot(tf.tensor1d(data, "int32"), top).slice([0, 0], [rows, numClasses]).toFloat();
}

/**
 * Creates the `dkd` loss on logits `[..., C]` (rows = all leading axes; mmrazor uses `[N,C]`),
 * softmax over the last axis, with `ctx.gtLabels` (one class per row, see {@link DkdContext}):
 * - TCKD = τ²·R(KL(b^T‖b^S)), `b = [p_target, Σ_{k≠target} p_k]`, `p = softmax(z/τ)`;
 * - NCKD = τ²·R(KL(q^T‖q^S)), `q = softmax(z/τ − 1000·onehot)` (target masked, not removed);
 * - L = α·TCKD + β·NCKD; parts `{ tckd: α·TCKD, nckd: β·NCKD }`.
 * `R` follows `honourReduction` (see {@link DkdConfig}); batch divisor N = shape[0]. With `background: "skip"`,
 * rows labelled C (dense maps: no object assigned) are left out of both sums (the divisor stays N).
 * Deliberate deviation: log b^S is computed as log-sum-exp of student log-probabilities instead of
 * the reference's `log(Σ softmax)` — equal in value, but finite where the reference gives −∞.
 * Scaled logits are clamped to ±1e4 (`LOGIT_BOUND`).
 */
export function createDkd(config: z.input<typeof DkdConfig> = {}): DistillLoss {
  const cfg = DkdConfig.parse(config);
  const reduce = (s: tf.Scalar, n: number, perRow: number): tf.Tensor => {
    if (cfg.reduction === "batchmean") return tf.div(s, n);
    if (cfg.reduction === "mean" && cfg.honourReduction) return tf.div(s, n * perRow);
    return s;
  };
  return {
    id: "dkd",
    variables: [],
    compute(student, teacher, ctx): LossResult {
      const s = single("dkd", student, "student");
      const t = single("dkd", teacher, "teacher");
      assertSameShape("dkd", s, t, "logit");
      const c = s.shape[s.rank - 1]!;
      if (c < 2)
        throw new Error(`dkd: needs at least 2 classes on the last axis, got shape [${s.shape.join(",")}]`);
      const rows = s.size / c;
      return tf.tidy(() => {
        const g = targetMask((ctx as DkdContext | undefined)?.gtLabels, rows, c, cfg.background === "skip");
        // 1 for rows with a target class, 0 for skipped background rows: [rows, 1]
        const keep = tf.sum(g, 1, true);
        const zs = tf.reshape(scaledLogits(s, cfg.tau), [rows, c]);
        const zt = tf.reshape(scaledLogits(stopGradient(t), cfg.tau), [rows, c]);
        // Binary (target, rest) log-probabilities from log-softmax: [rows, 2].
        const binLog = (z: tf.Tensor) => {
          const logp = tf.logSoftmax(z);
          const target = tf.sum(tf.mul(logp, g), 1, true);
          const rest = tf.logSumExp(tf.sub(logp, tf.mul(g, 1e9)), 1, true);
          return tf.concat([target, rest], 1);
        };
        const n = s.shape[0] ?? 1;
        const tau2 = cfg.tau * cfg.tau;
        const tckd = tf.mul(reduce(tf.sum(tf.mul(klTerms(binLog(zt), binLog(zs)), keep)), n, 2), tau2);
        const masked = (z: tf.Tensor) => tf.logSoftmax(tf.sub(z, tf.mul(g, 1000)));
        const nckd = tf.mul(reduce(tf.sum(tf.mul(klTerms(masked(zt), masked(zs)), keep)), n, c), tau2);
        const parts = {
          tckd: tf.mul(tckd, cfg.alpha) as tf.Scalar,
          nckd: tf.mul(nckd, cfg.beta) as tf.Scalar,
        };
        return { total: tf.add(parts.tckd, parts.nckd) as tf.Scalar, parts };
      });
    },
    dispose() {},
  };
}
