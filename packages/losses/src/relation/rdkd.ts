/**
 * `rdkd`: review-and-decouple distillation — the student pyramid is fused top-down (each level
 * learns from the teacher's same and lower levels, as in knowledge review), the fused features
 * are split into foreground and background by the GT mask and distilled separately with a
 * multi-scale (pyramid-pooled) similarity.
 *
 * Paper: Zhang & Pan, Application Research of Computers (2023); no public code. Builds on
 * ReviewKD (Chen et al., CVPR 2021: top-down review fusion, HCL pooling [4,2,1]), DANet (Fu et
 * al., CVPR 2019: position and channel attention) and DeFeat (Guo et al., CVPR 2021: decoupled
 * foreground/background distillation). **[design] our construction from the paper's description.**
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import { tidyLoss } from "../ops/feature-ops";
import { hclLevel } from "./hcl";
import { assertSameShape, levelList } from "../ops/logit-ops";
import { defeatGtMasks } from "../masks/defeat-mask";
import { fgdMasks } from "../masks/fgd-mask";
import { RdkdFusion } from "./rdkd-fusion";
import { requireBoxes, requireImageSize } from "../ops/loss-context";
import type { DistillLoss, LossContext, LossResult } from "../types";
import { RdkdConfig } from "./rdkd-config";

/** The `rdkd` loss and its trainable fusion module. */
export interface RdkdLoss extends DistillLoss {
  readonly fusion: RdkdFusion;
}

/** Binary GT masks `[N,H,W,1]` per level (constant). */
function gtMasks(cfg: RdkdConfig, ctx: LossContext | undefined, ts: tf.Tensor[]): tf.Tensor4D[] {
  const n = ts[0]!.shape[0]!;
  const boxes = requireBoxes("rdkd", ctx, n);
  const img = requireImageSize("rdkd", ctx, ts);
  const sizes = ts.map((t) => [t.shape[1]!, t.shape[2]!] as [number, number]);
  const perImage = boxes.map((b) =>
    cfg.mask === "box"
      ? sizes.map(([h, w]) => fgdMasks(b, h, w, img).fg.map((v) => (v > 0 ? 1 : 0)))
      : defeatGtMasks(
          b,
          sizes,
          sizes.map(([h]) => img[0] / h),
        ),
  );
  return sizes.map(([h, w], l) => {
    const data = new Float32Array(n * h * w);
    perImage.forEach((ms, i) => data.set(ms[l]!, i * h * w));
    return tf.tensor4d(data, [n, h, w, 1]);
  });
}

/**
 * Creates the `rdkd` loss. **[design] our construction from the paper's description.**
 *
 * Inputs: per-level NHWC arrays, finest first: student `S_i` `[N,H_i,W_i,C_s,i]`, teacher `T_i`
 * `[N,H_i,W_i,C_t,i]` (constant); `ctx.boxes` (xyxy input pixels per image) and `ctx.imageSize`.
 * 1. Fusion ({@link RdkdFusion}): `F_{L−1} = conv(S_{L−1})`, then for i = L−2 … 0
 *    `x_i = conv_i([S_i, resize(F_{i+1})])`, `F_i = x_i + PAM_i(x_i) + CAM_i(x_i)` (DANet, γ·out).
 *    F_i depends on S_i … S_{L−1}: student level j learns from teacher levels ≤ j.
 * 2. Masks `M_i` `[N,H_i,W_i,1]` from the GT boxes (`mask`), `1 − M_i` the background.
 * 3. `fg_i = HCL(M_i⊙F_i, M_i⊙T_i) / r(M_i)`, `bg_i = HCL((1−M_i)⊙F_i, (1−M_i)⊙T_i) / r(1−M_i)`,
 *    HCL = ReviewKD's `[MSE + Σ_l 2^{−rank} MSE(AP_l·, AP_l·)] / [1 + Σ 2^{−rank}]` over the
 *    pools [4,2,1] (adaptive average pooling, PyTorch bins); `r(M) = max(mean(M), 1e-12)` for
 *    `normalize: "region"`, 1 for `numel`. An empty region gives 0.
 * 4. `L = Σ_i (α·fg_i + β·bg_i)`.
 *
 * Zero when the fused features equal the teacher's. With β = 0 the background of F and T does not
 * matter. Variables: the fusion convs, the attention convs and γ's (with γ = 0 the attention convs
 * receive gradient only once γ moves). Parts (weighted): `fg`, `bg`.
 */
export function createRdkd(config: z.input<typeof RdkdConfig>): RdkdLoss {
  const cfg = RdkdConfig.parse(config);
  const fusion = new RdkdFusion({
    studentChannels: cfg.studentChannels,
    teacherChannels: cfg.teacherChannels,
    kernelSize: cfg.fusionKernel,
    upsample: cfg.upsample,
    positionAttention: cfg.positionAttention,
    channelAttention: cfg.channelAttention,
    reduction: cfg.attentionReduction,
    gammaInit: cfg.gammaInit,
    seed: cfg.seed,
    name: "rdkd",
  });
  const regionHcl = (f: tf.Tensor4D, t: tf.Tensor4D, m: tf.Tensor4D): tf.Scalar =>
    tf.tidy(() => {
      const h = hclLevel(tf.mul(f, m), tf.mul(t, m), cfg.poolSizes);
      return cfg.normalize === "numel" ? h : (tf.div(h, tf.maximum(tf.mean(m), 1e-12)) as tf.Scalar);
    });
  return {
    id: "rdkd",
    fusion,
    get variables() {
      return fusion.variables;
    },
    compute(student, teacher, ctx): LossResult {
      const ss = levelList(student);
      const ts = levelList(teacher);
      if (ts.length !== ss.length)
        throw new Error(`rdkd: ${ss.length} student levels vs ${ts.length} teacher levels`);
      return tidyLoss(() => {
        const fused = fusion.fuse(ss);
        const masks = gtMasks(cfg, ctx, ts);
        const fg: tf.Scalar[] = [];
        const bg: tf.Scalar[] = [];
        fused.forEach((f, i) => {
          const t = stopGradient(ts[i]!) as tf.Tensor4D;
          assertSameShape("rdkd", f, t, `fused level ${i} vs teacher`);
          const m = masks[i]!;
          if (cfg.fgWeight > 0) fg.push(regionHcl(f, t, m));
          if (cfg.bgWeight > 0) bg.push(regionHcl(f, t, tf.sub(1, m) as tf.Tensor4D));
        });
        const sum = (xs: tf.Scalar[], w: number) =>
          xs.length ? (tf.mul(tf.addN(xs), w) as tf.Scalar) : tf.scalar(0);
        const parts = { fg: sum(fg, cfg.fgWeight), bg: sum(bg, cfg.bgWeight) };
        return { total: tf.add(parts.fg, parts.bg) as tf.Scalar, parts };
      });
    },
    dispose() {
      fusion.dispose();
    },
  };
}
