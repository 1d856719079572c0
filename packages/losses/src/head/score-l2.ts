/**
 * `score-l2`: score-weighted L2 feature distillation with a trainable 1×1-conv projector, as the
 * ultralytics YOLO distillation (`DistillationModel.loss_sl2`, YOLO26 `distill_model`) does.
 *
 * Reference: ultralytics/ultralytics ultralytics/nn/distill_model.py (projector and `loss_sl2`),
 * docs.ultralytics.com/guides/knowledge-distillation. No paper; no golden vectors (tested
 * against a hand-computed formula).
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { assertRank, ctxTensor, scaledLogits, single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { ScoreL2Config } from "./score-l2-config";

/** Context of `score-l2`. */
export interface ScoreL2Context extends LossContext {
  /** Teacher class logits at this level NHWC `[N,H,W,K]`; score = max_k σ (detached). */
  teacherScores: tf.Tensor;
}

/** The `score-l2` loss with its projector convs exposed (e.g. to load PyTorch weights). */
export interface ScoreL2Loss extends DistillLoss {
  readonly projector: ConvAdapter[];
}

/**
 * Creates the `score-l2` loss on one level NHWC (student `[N,H,W,Cs]`, teacher `[N,H,W,C]`):
 *
 *   S' = projector(S),  s_{n,h,w} = max_k σ(teacherScores_{n,h,w,k}),
 *   L = Σ_{n,h,w,c} s·(S' − T)² / (C · Σ_{n,h,w} s + 1e-9)
 *
 * (a score-weighted mean squared error). Ultralytics also multiplies its loss by the batch size —
 * a convention of its trainer for every loss, left to the caller here. Parts `{ "score-l2" }`.
 */
export function createScoreL2(config: z.input<typeof ScoreL2Config>): ScoreL2Loss {
  const cfg = ScoreL2Config.parse(config);
  const { studentChannels: cin, teacherChannels: cout, seed } = cfg;
  const projector =
    cfg.projector === "mlp"
      ? [
          new ConvAdapter({ inChannels: cin, outChannels: cout, relu: true, seed }),
          new ConvAdapter({ inChannels: cout, outChannels: cout, seed: seed + 2 }),
        ]
      : cfg.projector === "conv"
        ? [new ConvAdapter({ inChannels: cin, outChannels: cout, seed })]
        : [];
  return {
    id: "score-l2",
    projector,
    variables: projector.flatMap((p) => p.variables),
    compute(student, teacher, ctx): LossResult {
      const s = single("score-l2", student, "student");
      const t = single("score-l2", teacher, "teacher");
      assertRank("score-l2", s, [4], "student (NHWC)");
      assertRank("score-l2", t, [4], "teacher (NHWC)");
      const [n, h, w, c] = t.shape as [number, number, number, number];
      if (s.shape[0] !== n || s.shape[1] !== h || s.shape[2] !== w || s.shape[3] !== cin || c !== cout) {
        throw new Error(
          `score-l2: student [${s.shape.join(",")}] / teacher [${t.shape.join(",")}] do not fit ${cin} → ${cout} channels at equal N,H,W`,
        );
      }
      const scores = ctxTensor("score-l2", ctx, "teacherScores", "teacher class logits NHWC [N,H,W,K]");
      if (scores.rank !== 4 || scores.shape[0] !== n || scores.shape[1] !== h || scores.shape[2] !== w) {
        throw new Error(
          `score-l2: ctx.teacherScores shape [${scores.shape.join(",")}] does not match the features [${n},${h},${w},*]`,
        );
      }
      return tf.tidy(() => {
        const sp = projector.reduce((x, p) => p.apply(x), s as tf.Tensor4D);
        const score = tf.max(tf.sigmoid(scaledLogits(stopGradient(scores))), 3, true); // [N,H,W,1]
        const num = tf.sum(tf.mul(tf.squaredDifference(sp, stopGradient(t)), score));
        const den = tf.add(tf.mul(tf.sum(score), c), 1e-9);
        const total = tf.div(num, den) as tf.Scalar;
        return { total, parts: { "score-l2": total } };
      });
    },
    dispose() {
      for (const p of projector) p.dispose();
    },
  };
}
