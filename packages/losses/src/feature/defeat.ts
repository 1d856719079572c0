/**
 * `defeat`: DeFeat decoupled foreground/background neck distillation (kd type
 * `neck-adapt,neck-decouple,mask-neck-gt,pixel-wise`).
 *
 * Paper: Guo et al., "Distilling Object Detectors via Decoupled Features" (CVPR 2021).
 * Reference: ggjy/DeFeat.pytorch mmdet/apis/train.py (batch_processor_kd),
 * mmdet/models/dense_heads/anchor_head.py (get_gt_mask, _map_roi_levels),
 * mmdet/models/detectors/two_stage_kd.py.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { assertSameGrid, imageBoxes, tidyLoss } from "../ops/feature-ops";
import { levelList } from "../ops/logit-ops";
import { batchMask, defeatGtMasks } from "../masks/index";
import type { DistillLoss, LossResult } from "../types";
import { DefeatConfig } from "./defeat-config";

/** The `defeat` loss object: one trainable 3×3 adapt conv per level. */
export interface DefeatLoss extends DistillLoss {
  readonly adapters: ConvAdapter[];
}

/**
 * Creates the `defeat` loss over L ≤ `strides.length` levels. Student/teacher: per-level NHWC
 * `[N,H_l,W_l,C]` arrays (finest first); `ctx.boxes` xyxy input pixels. GT masks M_l
 * `[N,H_l,W_l,1]` from {@link defeatGtMasks} (each box on one level; L = the levels given).
 * Per level, with `A = adapt_l(S)` (3×3 conv, bias, no ReLU):
 * `fg_l = Σ M·(A − T)² / max(1, 2·C·ΣM)` and `bg_l = Σ (1−M)·(A − T)² / max(1, 2·C·Σ(1−M))`
 * (per-element means, halved); `fg = fgWeight · mean_l fg_l`, `bg = bgWeight · mean_l bg_l`,
 * `L = fg + bg` (the reference logs the two separately). Adapt-conv init: normal σ 1e-4
 * truncated at 2σ (the reference wraps with fmod). Teacher is constant. Parts: `{ fg, bg }`.
 */
export function createDefeat(config: z.input<typeof DefeatConfig> = {}): DefeatLoss {
  const cfg = DefeatConfig.parse(config);
  const adapters = cfg.strides.map(
    (_, l) =>
      new ConvAdapter({
        inChannels: cfg.teacherChannels,
        outChannels: cfg.teacherChannels,
        kernelSize: 3,
        init: { std: 1e-4, truncate: 2 },
        seed: cfg.seed + 7 * l,
        name: `defeat_adapt_${l}`,
      }),
  );
  return {
    id: "defeat",
    adapters,
    get variables() {
      return adapters.flatMap((a) => a.variables);
    },
    compute(student, teacher, ctx): LossResult {
      const ss = levelList(student) as tf.Tensor4D[];
      const ts = levelList(teacher) as tf.Tensor4D[];
      const L = ss.length;
      if (L !== ts.length || L === 0 || L > adapters.length) {
        throw new Error(
          `defeat: ${L} student / ${ts.length} teacher levels for ${adapters.length} configured levels`,
        );
      }
      const n = ts[0]!.shape[0];
      const sizes = ts.map((t) => [t.shape[1], t.shape[2]] as [number, number]);
      const perImage = imageBoxes("defeat", ctx, n).map((b) =>
        defeatGtMasks(b, sizes, cfg.strides.slice(0, L)),
      );
      return tidyLoss(() => {
        let fg: tf.Tensor = tf.scalar(0);
        let bg: tf.Tensor = tf.scalar(0);
        for (let l = 0; l < L; l++) {
          const t = stopGradient(ts[l]!);
          const a = adapters[l]!.apply(ss[l]!);
          assertSameGrid("defeat", a, t);
          const [h, w] = sizes[l]!;
          const c = t.shape[3];
          const m = batchMask(
            perImage.map((p) => p[l]!),
            h,
            w,
          );
          const d2 = tf.squaredDifference(a, t);
          const fgCount = tf.mul(tf.sum(m), 2 * c);
          const bgCount = tf.mul(tf.sum(tf.sub(1, m)), 2 * c);
          fg = tf.add(fg, tf.div(tf.sum(tf.mul(d2, m)), tf.maximum(fgCount, 1)));
          bg = tf.add(bg, tf.div(tf.sum(tf.mul(d2, tf.sub(1, m))), tf.maximum(bgCount, 1)));
        }
        const parts = {
          fg: tf.mul(fg, cfg.fgWeight / L) as tf.Scalar,
          bg: tf.mul(bg, cfg.bgWeight / L) as tf.Scalar,
        };
        return { total: tf.add(parts.fg, parts.bg) as tf.Scalar, parts };
      });
    },
    dispose() {
      adapters.forEach((a) => a.dispose());
    },
  };
}
