/**
 * `fsd`: Foreground Separation Distillation.
 *
 * Paper: Li et al., "Foreground separation knowledge distillation for object detection",
 * PeerJ Computer Science 10:e2485 (2024). Only the abstract is available (the code is on Zenodo,
 * 10.5281/zenodo.13829676, not read): Gaussian heatmaps separate foreground from background, and
 * spatial maps are turned into per-channel probability maps. Everything below is
 * **[design] our construction from the paper's description**, not the authors' code.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ConvAdapter } from "../adapters/conv-adapter";
import { assertSameGrid, channelFields, needsAlign, sumLevels, tidyLoss } from "../ops/feature-ops";
import { channelLogits, heatmapBatch, regionKl, regionMse } from "./fsd-regions";
import { assertSameShape, levelList } from "../ops/logit-ops";
import { requireBoxes, requireImageSize } from "../ops/loss-context";
import type { DistillLoss, LossResult } from "../types";

/**
 * Config of {@link createFsd}. Open choices of the paper, with our defaults:
 * - `fgWeight` α = 2, `bgWeight` β = 1: FGD's foreground:background ratio 2:1 (β < α).
 * - `mseWeight` 1 and `klWeight` 5: the per-region feature imitation and channel-distribution
 *   terms (5 = CWD's detection weight at τ = 1); a starting scale, tune per detector.
 * - `tau` 1 (CWD on detection features), `minOverlap` 0.3 (CenterNet heads), `heatPower` 1.
 */
export const FsdConfig = z
  .object({
    type: z.literal("fsd").default("fsd"),
    /** α: weight of the foreground region (both of its terms). */
    fgWeight: z.number().nonnegative().default(2),
    /** β: weight of the background region (0 ignores the background entirely). */
    bgWeight: z.number().nonnegative().default(1),
    /** Weight of the region-weighted squared error (feature imitation) inside each region. */
    mseWeight: z.number().nonnegative().default(1),
    /** Weight of the region's channel-distribution KL (CWD-style) inside each region. */
    klWeight: z.number().nonnegative().default(5),
    /** Temperature τ of the channel distributions. */
    tau: z.number().positive().default(1),
    /** CenterNet `gaussian_radius` minimum overlap. */
    minOverlap: z.number().gt(0).lt(1).default(0.3),
    /** γ in `W_fg = heat^γ` (> 1 concentrates the foreground on object centres). */
    heatPower: z.number().positive().default(1),
    ...channelFields,
  })
  .strict();
/** Parsed {@link FsdConfig}. */
export type FsdConfig = z.infer<typeof FsdConfig>;

/** The `fsd` loss; `align` is the 1×1 align conv C_s→C_t (null when the channels match). */
export interface FsdLoss extends DistillLoss {
  readonly align: ConvAdapter | null;
}

/**
 * Creates the `fsd` loss. **[design] our construction from the paper's description.**
 *
 * Per level, on NHWC student `S` `[N,H,W,C_s]` and teacher `T` `[N,H,W,C_t]` (constant),
 * `Ŝ = align(S)` (1×1 conv when C_s ≠ C_t):
 * 1. `heat` `[N,H,W,1]`: class-agnostic CenterNet heatmap of `ctx.boxes` (xyxy, input pixels)
 *    on this level (mmdet `gaussian_target`, ratio = H/H_img, W/W_img; 1 at object centres).
 * 2. Region weights `W_fg = heat^γ`, `W_bg = 1 − heat`: soft, so the background keeps no
 *    object-border pixels at full weight (the "background noise" a binary mask keeps).
 * 3. Per region r: `mse_r = Σ W_r (Ŝ − T)² / (C · Σ_{n,h,w} W_r)` (weighted mean) and
 *    `kl_r = τ²/(N·C) Σ_{n,c} KL(p^T_r ‖ p^S_r)` with the per-channel distribution over the
 *    region `p_r ∝ W_r · exp(x/τ)` (softmax over H·W after the CWD transpose to `[N·C, H·W]`).
 * 4. `L = α·(m·mse_fg + k·kl_fg) + β·(m·mse_bg + k·kl_bg)`; levels (arrays) are summed.
 *
 * Zero when Ŝ = T. With β = 0 the loss does not depend on background features at all (both
 * terms of a region only see positions with W_r > 0). An image without boxes has an empty
 * foreground (its fg terms are 0) and background weight 1 everywhere.
 *
 * Context: `ctx.boxes` (one flat `n*4` xyxy Float32Array per image, possibly empty) and
 * `ctx.imageSize` (padded input `[h, w]`; else `ctx.stride` × map size). The align conv needs a
 * single level. Parts (weighted, summing to the total): `fg_mse`, `fg_kl`, `bg_mse`, `bg_kl`.
 */
export function createFsd(config: z.input<typeof FsdConfig> = {}): FsdLoss {
  const cfg = FsdConfig.parse(config);
  const align = needsAlign(cfg)
    ? new ConvAdapter({
        inChannels: cfg.studentChannels!,
        outChannels: cfg.teacherChannels!,
        seed: cfg.seed,
        name: "fsd_align",
      })
    : null;
  return {
    id: "fsd",
    align,
    get variables() {
      return align ? align.variables : [];
    },
    compute(student, teacher, ctx): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ss.length !== ts.length)
        throw new Error(`fsd: ${ss.length} student levels vs ${ts.length} teacher levels`);
      if (align && ss.length !== 1) throw new Error("fsd: an align conv needs exactly one level");
      return tidyLoss(() =>
        sumLevels("fsd", ss.length, (i) => {
          const t = stopGradient(ts[i]!);
          assertSameGrid("fsd", ss[i]!, t);
          const s = align ? align.apply(ss[i] as tf.Tensor4D) : ss[i]!;
          assertSameShape("fsd", s, t, "feature");
          const [n, h, w] = t.shape as [number, number, number, number];
          const boxes = requireBoxes("fsd", ctx, n);
          const imageSize = requireImageSize("fsd", ctx, [t]);
          const heat = heatmapBatch(boxes, h, w, imageSize, cfg.minOverlap);
          const wFg = cfg.heatPower === 1 ? heat : tf.pow(heat, cfg.heatPower);
          const wBg = tf.sub(1, heat);
          let logits: [tf.Tensor3D, tf.Tensor3D] | undefined; // shared by both regions
          const term = (weight: tf.Tensor, regionWeight: number, kind: "mse" | "kl"): tf.Scalar => {
            const k = regionWeight * (kind === "mse" ? cfg.mseWeight : cfg.klWeight);
            if (k === 0) return tf.scalar(0);
            if (kind === "mse") return tf.mul(regionMse(s, t, weight), k) as tf.Scalar;
            logits ??= [channelLogits(s, cfg.tau), channelLogits(t, cfg.tau)];
            return tf.mul(regionKl(logits[0], logits[1], weight, cfg.tau), k) as tf.Scalar;
          };
          const parts = {
            fg_mse: term(wFg, cfg.fgWeight, "mse"),
            fg_kl: term(wFg, cfg.fgWeight, "kl"),
            bg_mse: term(wBg, cfg.bgWeight, "mse"),
            bg_kl: term(wBg, cfg.bgWeight, "kl"),
          };
          return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
        }),
      );
    },
    dispose() {
      align?.dispose();
    },
  };
}
