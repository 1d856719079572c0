/**
 * `fbkd`: feature-based KD with attention masks and non-local relations, as mmrazor's
 * `FBKDStudentConnector` + `FBKDTeacherConnector` + `FBKDLoss` (one FPN level).
 *
 * Paper: Zhang & Ma, "Improve Object Detection with Feature-based Knowledge Distillation:
 * Towards Accurate and Efficient Detectors" (ICLR 2021).
 * Reference: open-mmlab/mmrazor mmrazor/models/losses/fbkd_loss.py,
 * mmrazor/models/architectures/connectors/fbkd_connector.py; mmcv mmcv/cnn/bricks/non_local.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { z } from "zod";
import { FbkdStudentConnector } from "../adapters/fbkd-connectors";
import { NonLocal2d } from "../adapters/non-local";
import { assertSameGrid, safeSqrt, spatialAttention, tidyLoss } from "../ops/feature-ops";
import { single } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { FbkdConfig } from "./fbkd-config";

/** The `fbkd` loss object: student connector and teacher non-local block are trainable. */
export interface FbkdLoss extends DistillLoss {
  readonly studentConnector: FbkdStudentConnector;
  readonly teacherNonLocal: NonLocal2d;
}

/**
 * Creates the `fbkd` loss. NHWC student/teacher `[N,H,W,C]` (same shape). With the detached mask
 * `M = (A^sp(S) + A^sp(T))/2` `[N,H,W,1]` ({@link spatialAttention}, T_sp) and ‖·‖ the L2 norm
 * over the WHOLE tensor (not squared):
 * - `feat = w1 · sqrt(Σ (T − Conv1×1(S))² · M)`;
 * - `channel = w2 · ‖mean_{h,w} T − Linear(mean_{h,w} S)‖`;
 * - `spatial = w3 · ‖mean_c T − Conv3×3_{1→1}(mean_c S)‖`;
 * - `nonlocal = w4 · ‖NL_T(T) − Conv1×1(NL_S(S))‖` ({@link NonLocal2d}, BN in train mode);
 * - `L = feat + channel + spatial + nonlocal`.
 * Parts `{ feat, channel, spatial, nonlocal }`. The norms' gradient at 0 is 0
 * (PyTorch's `sqrt` gives NaN there). Teacher is constant (its non-local block still trains).
 */
export function createFbkd(config: z.input<typeof FbkdConfig> = {}): FbkdLoss {
  const cfg = FbkdConfig.parse(config);
  const nl = {
    channels: cfg.teacherChannels,
    reduction: cfg.reduction,
    mode: cfg.mode,
    subSample: cfg.subSample,
    maxpoolStride: cfg.maxpoolStride,
  };
  const studentConnector = new FbkdStudentConnector({ ...nl, seed: cfg.seed });
  const teacherNonLocal = new NonLocal2d({ ...nl, seed: cfg.seed + 100, name: "fbkd_t/non_local" });
  return {
    id: "fbkd",
    studentConnector,
    teacherNonLocal,
    get variables() {
      return [...studentConnector.variables, ...teacherNonLocal.variables];
    },
    compute(student, teacher): LossResult {
      const s = single("fbkd", student, "student") as tf.Tensor4D;
      const t0 = single("fbkd", teacher, "teacher") as tf.Tensor4D;
      return tidyLoss(() => {
        const t = stopGradient(t0);
        assertSameGrid("fbkd", s, t);
        if (s.shape[3] !== cfg.teacherChannels || t.shape[3] !== cfg.teacherChannels)
          throw new Error(`fbkd: features must have ${cfg.teacherChannels} channels`);
        const [n, h, w] = s.shape;
        const sc = studentConnector;
        const mask = stopGradient(
          tf.div(tf.add(spatialAttention(s, cfg.spatialT), spatialAttention(t, cfg.spatialT)), 2),
        );
        const norm = (x: tf.Tensor) => safeSqrt(tf.sum(x));
        const feat = norm(tf.mul(tf.squaredDifference(t, sc.adaptation.apply(s)), mask));
        const channel = norm(
          tf.squaredDifference(tf.mean(t, [1, 2]), sc.channelAdapt.apply(tf.mean(s, [1, 2]) as tf.Tensor2D)),
        );
        const poolC = (x: tf.Tensor) => tf.reshape(tf.mean(x, 3), [n, h, w, 1]) as tf.Tensor4D;
        const spatial = norm(tf.squaredDifference(poolC(t), sc.spatialAdapt.apply(poolC(s))));
        const nonlocal = norm(
          tf.squaredDifference(teacherNonLocal.apply(t), sc.nonLocalAdapt.apply(sc.nonLocal.apply(s))),
        );
        const parts = {
          feat: tf.mul(feat, cfg.maskL2Weight) as tf.Scalar,
          channel: tf.mul(channel, cfg.channelWeight) as tf.Scalar,
          spatial: tf.mul(spatial, cfg.spatialWeight) as tf.Scalar,
          nonlocal: tf.mul(nonlocal, cfg.nonlocalWeight) as tf.Scalar,
        };
        return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
      });
    },
    dispose() {
      studentConnector.dispose();
      teacherNonLocal.dispose();
    },
  };
}
