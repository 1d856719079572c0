/**
 * `abf`: ReviewKD (knowledge review) — ABF fusion of the student pyramid, then HCL against the
 * teacher pyramid.
 *
 * Paper: Chen et al., "Distilling Knowledge via Knowledge Review", CVPR 2021.
 * Reference: dvlab-research/ReviewKD Detection/model/kd_trans.py (ABF, ReviewKD, hcl).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { ReviewKdAbf } from "./abf-module";
import { hclTotal } from "./hcl";
import { levelList } from "../ops/logit-ops";
import type { DistillLoss, LossResult } from "../types";
import { AbfConfig } from "./abf-config";

/** The `abf` loss: a {@link DistillLoss} that also exposes its ABF stack (e.g. to load weights). */
export interface AbfLoss extends DistillLoss {
  readonly abf: ReviewKdAbf;
}

/**
 * Creates the `abf` loss on per-level lists (NHWC, shallow → deep): `o = ABF(student levels)`
 * (see {@link ReviewKdAbf}), then `L = Σ_i HCL(o_i, t_i)` (see `hclLevel`). The ABF weights
 * are the loss's `variables`; the detector keeps using its raw features. Parts `{ abf }`.
 */
export function createAbf(config: z.input<typeof AbfConfig>): AbfLoss {
  const cfg = AbfConfig.parse(config);
  const abf = new ReviewKdAbf({
    studentChannels: cfg.studentChannels,
    teacherChannels: cfg.teacherChannels,
    midChannel: cfg.midChannel,
    bnEps: cfg.bnEps,
    seed: cfg.seed,
  });
  return {
    id: "abf",
    abf,
    get variables() {
      return abf.variables;
    },
    compute(student, teacher): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== abf.numLevels)
        throw new Error(`abf: expected ${abf.numLevels} student levels, got ${ss.length}`);
      return tf.tidy(() => {
        const { total, parts } = hclTotal("abf", abf.fuse(ss), ts, cfg.poolSizes);
        return { total, parts };
      });
    },
    dispose() {
      abf.dispose();
    },
  };
}
