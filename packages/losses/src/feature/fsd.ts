/**
 * `fsd`: Foreground Separation Distillation, one feature level, as its authors wrote it.
 *
 * Paper: Li, Liu, Quan, Hu, Sun, "Foreground separation knowledge distillation for object
 * detection", PeerJ Computer Science 10:e2485 (2024).
 * Reference: QuanZhe2000/SFC @7614a3c SFC.py, class `fg_bgLoss` (configs/distillers/fg_bg*: YOLOX-L
 * teacher → YOLOX-S student on the PAFPN outputs `neck.out_convs.{0,1,2}`, one module per level).
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { alignConv, type ConvAdapter } from "../adapters/conv-adapter";
import { GcBlock } from "../adapters/gc-block";
import { fsdMasks } from "../masks/fsd-mask";
import {
  assertSameGrid,
  channelAttention,
  imageBoxes,
  imageSizes,
  spatialAttention,
  standardizeChannels,
  tidyLoss,
} from "../ops/feature-ops";
import { single } from "../ops/logit-ops";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { FsdConfig } from "./fsd-config";

/** Context of `fsd`: boxes and image sizes (see {@link createFsd}), and the batch's scale factors. */
export interface FsdContext extends LossContext {
  /** The reference's `scale_x`, `scale_y` (YOLOX multi-scale factors); default 1. */
  scaleX?: number;
  scaleY?: number;
}

/** The `fsd` loss object; its trainable parts are exposed to load PyTorch weights. */
export interface FsdLoss extends DistillLoss {
  /** 1×1 align conv C_s→C (null when the channels match). */
  readonly align: ConvAdapter | null;
  /** Student-side GcBlock (`channel_add_conv_s`; its context is pooled with the teacher's conv). */
  readonly gcStudent: GcBlock;
  /** Teacher-side GcBlock (`conv_mask_t`, `channel_add_conv_t`); trained, as in the reference. */
  readonly gcTeacher: GcBlock;
  /**
   * Loads the reference module's PyTorch state dict: `align.{weight,bias}` (when aligning),
   * `conv_mask_t.*`, `channel_add_conv_{s,t}.{0,1,3}.{weight,bias}`; `conv_mask_s.*` is accepted and
   * ignored (the reference never uses it). Any other key is an error.
   */
  loadTorch(weights: Record<string, tf.Tensor>): void;
}

const TORCH_KEY = /^(align|conv_mask_[st]|channel_add_conv_[st]\.[013])\.(weight|bias)$/;

/**
 * Creates the `fsd` loss for one level, the authors' `fg_bgLoss`. NHWC student `[N,H,W,C_s]`,
 * teacher `[N,H,W,C]` (constant). With `S = align(S)`, the teacher's attentions `A^sp_T` `[N,H,W,1]`
 * and `A^ch_T` `[N,1,1,C]` (FGD's, temperature `temp`) and the masks `M^fg`, `M^bg` of
 * {@link fsdMasks} (`[N,H,W,1]`):
 * - for R ∈ {fg, bg}: `U_X = X·√A^sp_T·√A^ch_T·√M^R` for X ∈ {S, T}; each standardised per channel
 *   over N·H·W jointly, `Û = (U − μ_c)/(σ_c + 1e-6)` (unbiased σ); `P = softmax` over the H·W cells
 *   of each (n, c) (after the transpose to `[N, C, H·W]`); `L_R = Σ P_T (log(P_T+1e-5) −
 *   log(P_S+1e-5)) / (C·N)`;
 * - `mask = (Σ|A^ch_S − A^ch_T| + Σ|A^sp_S − A^sp_T|) / N`;
 * - `rela = Σ(S + g_s(ctx_t(S)) − T − g_t(ctx_t(T)))² / N`, GcBlocks whose context both use the
 *   teacher block's `conv_mask_t`;
 * - `L = L_fg + L_bg + γ·mask + λ·rela`; parts `{ fg, bg, mask: γ·mask, rela: λ·rela }`.
 *
 * Quirks of the reference, all reproduced: α and β are never applied (fg and bg enter with weight
 * 1); the KL runs at temperature 1 with no τ²; only the teacher's attention weights both sides; the
 * standardisation mixes all images and the masked-out zeros; the softmax covers all H·W cells; both
 * contexts are pooled with `conv_mask_t`; and the masks' quirks (swapped Gaussian axes, widths equal
 * to the centre coordinates, stretched grid, one-sided halo, phantom row/column in 1/area, boxes
 * scaled by `img_shape`, float32 underflow deciding the foreground) — see {@link fsdMasks}.
 * Deviations: N·H·W = 1 gives σ = 0 where the reference's unbiased σ is NaN, and σ's gradient at 0 is 0
 * (the reference's is NaN), so all-equal masked features (e.g. all-zero features) stay finite.
 *
 * Context: `ctx.boxes` (per image, flat xyxy in input pixels), the `img_shape` per image from
 * `ctx.imgShapes` (the reference's unpadded resized size) or else `ctx.imageSize` for all, and
 * `ctx.scaleX`/`ctx.scaleY` (default 1). kdet's letterboxed batches give boxes in pixels of the padded
 * input and `ctx.imageSize` = the padded input size, with no separate rescale (s = 1): the box
 * coordinate divided by the stride is then exactly the grid coordinate — the reference's geometry
 * when its `img_shape` equals the padded size (no stretch). Pass `imgShapes` to reproduce the stretch
 * of a padded batch.
 */
export function createFsd(config: z.input<typeof FsdConfig> = {}): FsdLoss {
  const cfg = FsdConfig.parse(config);
  const c = cfg.teacherChannels;
  const align = alignConv(cfg.studentChannels, c, cfg.seed, "fsd_align");
  const gcTeacher = new GcBlock({ channels: c, seed: cfg.seed + 20, name: "fsd_gc_t" });
  const gcStudent = new GcBlock({
    channels: c,
    seed: cfg.seed + 10,
    name: "fsd_gc_s",
    sharedContext: gcTeacher.convMask,
  });
  return {
    id: "fsd",
    align,
    gcStudent,
    gcTeacher,
    get variables() {
      return [...(align?.variables ?? []), ...gcStudent.variables, ...gcTeacher.variables];
    },
    loadTorch(weights) {
      const side = (prefix: string) => {
        const out: Record<string, tf.Tensor> = {};
        for (const [k, v] of Object.entries(weights)) {
          if (k.startsWith(`${prefix}.`)) out[`channel_add_conv.${k.slice(prefix.length + 1)}`] = v;
        }
        return out;
      };
      for (const k of Object.keys(weights))
        if (!TORCH_KEY.test(k)) throw new Error(`fsd.loadTorch: unknown weight '${k}'`);
      const get = (k: string) => {
        const t = weights[k];
        if (!t) throw new Error(`fsd.loadTorch: missing weight '${k}'`);
        return t;
      };
      if (align) align.loadTorch(get("align.weight"), get("align.bias"));
      else if ("align.weight" in weights)
        throw new Error("fsd.loadTorch: 'align.*' given but the channels match (no align conv)");
      gcTeacher.loadTorch({
        "conv_mask.weight": get("conv_mask_t.weight"),
        "conv_mask.bias": get("conv_mask_t.bias"),
        ...side("channel_add_conv_t"),
      });
      gcStudent.loadTorch(side("channel_add_conv_s"));
    },
    compute(student, teacher, ctx?: FsdContext): LossResult {
      const s0 = single("fsd", student, "student") as tf.Tensor4D;
      const t0 = single("fsd", teacher, "teacher") as tf.Tensor4D;
      const [n, h, w] = t0.shape;
      const boxes = imageBoxes("fsd", ctx, n);
      const sizes = imageSizes("fsd", ctx, n);
      const opts = { scaleX: ctx?.scaleX ?? 1, scaleY: ctx?.scaleY ?? 1 };
      const masks = boxes.map((b, i) => fsdMasks(b, h, w, sizes[i]!, opts));
      return tidyLoss(() => {
        const s = align ? align.apply(s0) : s0;
        const t = stopGradient(t0) as tf.Tensor4D;
        assertSameGrid("fsd", s, t);
        if (s.shape[3] !== c || t.shape[3] !== c)
          throw new Error(
            `fsd: features must have ${c} channels after align, got ${s.shape[3]} and ${t.shape[3]}`,
          );
        const spT = spatialAttention(t, cfg.temp);
        const chT = channelAttention(t, cfg.temp);
        const wt = tf.mul(tf.sqrt(spT), tf.sqrt(chT));
        const sw = tf.mul(s, wt);
        const tw = tf.mul(t, wt);
        const region = (m: Array<Float32Array | Float64Array>): tf.Scalar => {
          const data = new Float32Array(n * h * w);
          m.forEach((mi, i) => data.set(mi, i * h * w));
          const root = tf.sqrt(tf.tensor4d(data, [n, h, w, 1]));
          const logP = (x: tf.Tensor) => {
            const z = standardizeChannels(tf.mul(x, root), "pkd", 1e-6);
            const p = tf.softmax(tf.reshape(tf.transpose(z, [0, 3, 1, 2]), [n, c, h * w]));
            return [p, tf.log(tf.add(p, 1e-5))] as const;
          };
          const [pT, logPT] = logP(tw);
          const [, logPS] = logP(sw);
          return tf.div(tf.sum(tf.mul(pT, tf.sub(logPT, logPS))), c * n) as tf.Scalar;
        };
        const fg = region(masks.map((m) => m.fg));
        const bg = region(masks.map((m) => m.bg));
        const l1 = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.abs(tf.sub(a, b)));
        const mask = tf.div(
          tf.add(l1(channelAttention(s, cfg.temp), chT), l1(spatialAttention(s, cfg.temp), spT)),
          n,
        );
        const rela = tf.div(tf.sum(tf.squaredDifference(gcStudent.apply(s), gcTeacher.apply(t))), n);
        const parts = {
          fg,
          bg,
          mask: tf.mul(mask, cfg.gamma) as tf.Scalar,
          rela: tf.mul(rela, cfg.lambda) as tf.Scalar,
        };
        return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
      });
    },
    dispose() {
      align?.dispose();
      gcStudent.dispose();
      gcTeacher.dispose();
    },
  };
}
