/**
 * `mgd`: Masked Generative Distillation, one FPN level (yzd-v/MGD `FeatureLoss` = mmrazor
 * `MGDConnector` + `MGDLoss`).
 *
 * Paper: Yang et al., "Masked Generative Distillation" (ECCV 2022).
 * Reference: yzd-v/MGD det/mmdet/distillation/losses/mgd.py; open-mmlab/mmrazor
 * mmrazor/models/architectures/connectors/mgd_connector.py, mmrazor/models/losses/mgd_loss.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { z } from "zod";
import { alignConv, type ConvAdapter } from "../adapters/conv-adapter";
import { GenerationBlock } from "../adapters/generation-block";
import { assertSameGrid, tidyLoss } from "../ops/feature-ops";
import { single } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { MgdConfig } from "./mgd-config";

/** The `mgd` loss object: align conv (or null) and the generation block are trainable. */
export interface MgdLoss extends DistillLoss {
  readonly align: ConvAdapter | null;
  readonly generation: GenerationBlock;
}

/**
 * Creates the `mgd` loss. NHWC student `[N,H,W,C_s]`, teacher `[N,H,W,C]`:
 * `u ~ U[0,1)` of shape `[N,H,W,1]` (`[N,1,1,C]` with `maskOnChannel`) — taken from `ctx.rand`
 * when given (same layout), else drawn from `ctx.rng` (row-major), else from a generator seeded
 * by `seed` that advances every call (the reference re-draws `torch.rand` every forward);
 * `M = 0 where u > 1 − λ else 1`; `L = α · Σ(G(align(S) ⊙ M) − T)² / N` with the trainable
 * {@link GenerationBlock} G (align runs before masking). Teacher is constant. Parts: `{ mgd }`.
 */
export function createMgd(config: z.input<typeof MgdConfig> = {}): MgdLoss {
  const cfg = MgdConfig.parse(config);
  const c = cfg.teacherChannels;
  const align = alignConv(cfg.studentChannels, c, cfg.seed, "mgd_align");
  const generation = new GenerationBlock({ channels: c, seed: cfg.seed + 10, name: "mgd_generation" });
  let draws = 0;
  return {
    id: "mgd",
    align,
    generation,
    get variables() {
      return [...(align?.variables ?? []), ...generation.variables];
    },
    compute(student, teacher, ctx): LossResult {
      const s0 = single("mgd", student, "student") as tf.Tensor4D;
      const t0 = single("mgd", teacher, "teacher") as tf.Tensor4D;
      const [n, h, w] = t0.shape;
      const shape = cfg.maskOnChannel ? [n, 1, 1, c] : [n, h, w, 1];
      const rand = ctx?.rand;
      if (rand !== undefined && (rand.shape.length !== 4 || rand.shape.some((d, i) => d !== shape[i]))) {
        throw new Error(`mgd: ctx.rand must have shape [${shape.join(",")}], got [${rand.shape.join(",")}]`);
      }
      const seed = cfg.seed * 1_000_003 + draws++;
      return tidyLoss(() => {
        const rng = ctx?.rng;
        const u =
          rand ??
          (rng
            ? tf.tensor(
                Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng()),
                shape,
              )
            : tf.randomUniform(shape, 0, 1, "float32", seed));
        const mask = tf.cast(tf.lessEqual(u, 1 - cfg.lambdaMgd), "float32");
        const s = align ? align.apply(s0) : s0;
        const t = stopGradient(t0);
        assertSameGrid("mgd", s, t);
        const gen = generation.apply(tf.mul(s, mask) as tf.Tensor4D);
        const total = tf.mul(tf.sum(tf.squaredDifference(gen, t)), cfg.alphaMgd / n) as tf.Scalar;
        return { total, parts: { mgd: total } };
      });
    },
    dispose() {
      align?.dispose();
      generation.dispose();
    },
  };
}
