/**
 * `fgfi`: Fine-grained Feature Imitation with the anchor-IoU imitation mask.
 *
 * Paper: Wang et al., "Distilling Object Detectors with Fine-grained Feature Imitation" (CVPR 2019).
 * Reference: twangnh/Distilling-Object-Detectors lib/model/rpn/anchor_target_layer.py,
 * generate_anchors.py, bbox_transform.py, trainval_net_sup.py, lib/model/faster_rcnn/vgg11.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { assertSameGrid, imageBoxes, tidyLoss } from "../ops/feature-ops";
import { single } from "../ops/logit-ops";
import { batchMask, fgfiMask, generateAnchors } from "../masks/index";
import type { DistillLoss, LossResult } from "../types";
import { FgfiConfig } from "./fgfi-config";

/** The `fgfi` loss object: the 3×3+ReLU adaptation conv is trainable. */
export interface FgfiLoss extends DistillLoss {
  readonly adapter: ConvAdapter;
  /** Base anchors (flat `A*4`). */
  readonly anchors: Float32Array;
}

/**
 * Creates the `fgfi` loss. NHWC student `[N,H,W,C_s]`, teacher `[N,H,W,C_t]`, `ctx.boxes`
 * (xyxy input pixels; see `unpadGtRows` for the reference's zero-padded gt arrays). The mask
 * `M` `[N,H,W,1]` is {@link fgfiMask} with the anchors shifted by `featStride`;
 * `L = Σ M·(T − ReLU(conv3×3(S)))² / (2·max(ΣM, 1))`, where ΣM counts positions (channels
 * are summed, so L grows with C). Deliberate difference: the max(·, 1) guard (the reference
 * divides by 0 for an empty mask). Adapter init: normal σ 1e-4, zero bias. Teacher is constant.
 * Parts: `{ fgfi }`.
 */
export function createFgfi(config: z.input<typeof FgfiConfig> = {}): FgfiLoss {
  const cfg = FgfiConfig.parse(config);
  const anchors = cfg.baseAnchors
    ? Float32Array.from(cfg.baseAnchors)
    : generateAnchors(cfg.anchorBaseSize, cfg.anchorRatios, cfg.anchorScales);
  if (anchors.length === 0 || anchors.length % 4 !== 0)
    throw new Error("fgfi: baseAnchors must be a non-empty flat A*4 list");
  const adapter = new ConvAdapter({
    inChannels: cfg.studentChannels,
    outChannels: cfg.teacherChannels,
    kernelSize: 3,
    relu: true,
    init: { std: 1e-4 },
    seed: cfg.seed,
    name: "fgfi_adap",
  });
  return {
    id: "fgfi",
    adapter,
    anchors,
    get variables() {
      return adapter.variables;
    },
    compute(student, teacher, ctx): LossResult {
      const s0 = single("fgfi", student, "student") as tf.Tensor4D;
      const t0 = single("fgfi", teacher, "teacher") as tf.Tensor4D;
      const [n, h, w] = t0.shape;
      const masks = imageBoxes("fgfi", ctx, n).map((b) =>
        fgfiMask(b, anchors, h, w, cfg.featStride, cfg.psi),
      );
      return tidyLoss(() => {
        const a = adapter.apply(s0);
        const t = stopGradient(t0);
        assertSameGrid("fgfi", a, t);
        const m = batchMask(masks, h, w);
        const sq = tf.sum(tf.mul(tf.squaredDifference(t, a), m));
        const total = tf.div(sq, tf.mul(tf.maximum(tf.sum(m), 1), 2)) as tf.Scalar;
        return { total, parts: { fgfi: total } };
      });
    },
    dispose() {
      adapter.dispose();
    },
  };
}
