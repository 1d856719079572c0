/**
 * Small shared helpers of the feature-imitation losses (mse, cwd, fgd, mgd, pkd, fgfi, defeat,
 * fbkd, at): NHWC attention maps, per-level plumbing, config fragments.
 * Internal module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { stopGradient } from "@kdet/core";
import type { LossContext, LossResult } from "../types";

/**
 * Per-pixel spatial attention `H·W · softmax_{(h,w)}( mean_c |F| / temp )` (FGD, FBKD), from NHWC
 * `[N,H,W,C]` to `[N,H,W,1]` (mean value 1 per image). No transpose is needed in NHWC.
 */
export function spatialAttention(f: tf.Tensor4D, temp: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = f.shape;
    const a = tf.div(tf.mean(tf.abs(f), 3), temp).reshape([n, h * w]);
    return tf.mul(tf.softmax(a), h * w).reshape([n, h, w, 1]);
  });
}

/**
 * Per-channel attention `C · softmax_c( mean_{h,w} |F| / temp )` (FGD, FBKD), from NHWC
 * `[N,H,W,C]` to `[N,1,1,C]` (mean value 1 per image).
 */
export function channelAttention(f: tf.Tensor4D, temp: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = f.shape;
    const a = tf.div(tf.mean(tf.abs(f), [1, 2]), temp);
    return tf.mul(tf.softmax(a), c).reshape([n, 1, 1, c]);
  });
}

/** Sums the per-level results of `fn` (parts summed name-wise); `[]` levels is an error. */
export function sumLevels(op: string, n: number, fn: (level: number) => LossResult): LossResult {
  if (n === 0) throw new Error(`${op}: no feature levels given`);
  let acc: LossResult | undefined;
  for (let i = 0; i < n; i++) {
    const r = fn(i);
    if (!acc) {
      acc = r;
      continue;
    }
    const parts: Record<string, tf.Scalar> = {};
    for (const [k, v] of Object.entries(r.parts)) parts[k] = acc.parts[k] ? tf.add(acc.parts[k]!, v) : v;
    acc = { total: tf.add(acc.total, r.total), parts };
  }
  return acc!;
}

/** Throws unless `s` and `t` have equal batch and spatial sizes (channels may differ). */
export function assertSameGrid(op: string, s: tf.Tensor, t: tf.Tensor): void {
  if (s.rank !== 4 || t.rank !== 4) {
    throw new Error(
      `${op}: features must be NHWC rank 4, got [${s.shape.join(",")}] and [${t.shape.join(",")}]`,
    );
  }
  if (s.shape[0] !== t.shape[0] || s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2]) {
    throw new Error(
      `${op}: student [${s.shape.join(",")}] and teacher [${t.shape.join(",")}] differ in N, H or W`,
    );
  }
}

const safeSqrtOp = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const value = tf.sqrt(tf.relu(x as tf.Tensor));
  (save as tf.GradSaveFunc)([value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [r]: tf.Tensor[]) => {
      const pos = tf.greater(r!, 0);
      return tf.where(pos, tf.div(dy, tf.mul(tf.where(pos, r!, tf.onesLike(r!)), 2)), tf.zerosLike(dy));
    },
  };
});

/**
 * `sqrt(max(x, 0))` whose gradient at 0 is 0 instead of NaN/Infinity (PyTorch's `norm` also
 * returns 0 there). Values are exactly `tf.sqrt`'s for `x ≥ 0`.
 */
export function safeSqrt(x: tf.Tensor): tf.Tensor {
  return safeSqrtOp(x);
}

/**
 * Per-channel standardisation of NHWC `[N,H,W,C]` with statistics over N·H·W jointly (batch
 * included): `(x − μ_c) / (σ_c + eps)` with the UNBIASED σ (divisor max(n−1, 1), n = N·H·W) when
 * `unbiased`, else `(x − μ_c) / sqrt(var_c + eps)` with the biased variance (BatchNorm without
 * affine, training mode).
 */
export function standardizeChannels(x: tf.Tensor, mode: "pkd" | "bn", eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2], true);
    const centred = tf.sub(x, mean);
    if (mode === "bn") return tf.div(centred, tf.sqrt(tf.add(variance, eps)));
    const n = x.size / (x.shape[3] ?? 1);
    const std = safeSqrt(tf.mul(variance, n / Math.max(n - 1, 1)));
    return tf.div(centred, tf.add(std, eps));
  });
}

/**
 * Per-sample L2 normalisation of the flattened sample: `mult · x_n / max(‖x_n‖₂, 1e-12)`
 * (`[N, …]` → same shape). The sample is first divided by its (constant) max |x| so that
 * float32-extreme values do not overflow the squared norm; the result and its gradient are
 * mathematically unchanged (the map is scale-invariant).
 */
export function l2NormalizeSamples(x: tf.Tensor, mult = 1): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[0] ?? 1;
    const flat = x.reshape([n, -1]);
    const m = tf.maximum(tf.max(tf.abs(flat), 1, true), 1e-30);
    const scaled = tf.div(flat, stopGradient(m));
    const norm = tf.maximum(safeSqrt(tf.sum(tf.square(scaled), 1, true)), 1e-12);
    return tf.mul(tf.div(scaled, norm), mult).reshape(x.shape);
  });
}

/**
 * PyTorch bilinear interpolation weights, `align_corners=False` (half-pixel centres): a
 * `[out, in]` matrix whose row j has `1−λ` at i0 and `λ` at i1 for
 * `src = max((j + 0.5)·in/out − 0.5, 0)`, `i0 = floor(src)`, `i1 = min(i0 + 1, in − 1)`, `λ = src − i0`.
 */
export function bilinearMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let j = 0; j < outSize; j++) {
    const src = Math.max((j + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const lam = src - i0;
    m[j * inSize + i0]! += 1 - lam;
    m[j * inSize + i1]! += lam;
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

/**
 * Bilinear resize of NHWC `[N,H,W,C]` to `[N,h,w,C]` exactly as PyTorch's
 * `F.interpolate(mode="bilinear", align_corners=False)`, as two matmuls with
 * {@link bilinearMatrix}. Used instead of `tf.image.resizeBilinear` because tfjs' backward pass
 * of that op ignores `halfPixelCenters` (wrong gradients).
 */
export function resizeBilinearTorch(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [oh, ow] = size;
    let y: tf.Tensor = x;
    if (oh !== h) {
      const rows = tf.matMul(bilinearMatrix(h, oh), tf.transpose(y, [1, 0, 2, 3]).reshape([h, n * w * c]));
      y = tf.transpose(rows.reshape([oh, n, w, c]), [1, 0, 2, 3]);
    }
    if (ow !== w) {
      const cols = tf.matMul(bilinearMatrix(w, ow), tf.transpose(y, [2, 0, 1, 3]).reshape([w, n * oh * c]));
      y = tf.transpose(cols.reshape([ow, n, oh, c]), [1, 2, 0, 3]);
    }
    return y as tf.Tensor4D;
  });
}

/** `tf.tidy` for a {@link LossResult}: intermediates freed, `total` and `parts` survive. */
export function tidyLoss(fn: () => LossResult): LossResult {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as LossResult;
}

/** Per-image `[h, w]` sizes the boxes are scaled by: `ctx.imgShapes`, else `ctx.imageSize` for all. */
export function imageSizes(
  op: string,
  ctx: LossContext | undefined,
  n: number,
): Array<readonly [number, number]> {
  if (ctx?.imgShapes) {
    if (ctx.imgShapes.length !== n)
      throw new Error(`${op}: ctx.imgShapes has ${ctx.imgShapes.length} entries for ${n} images`);
    return ctx.imgShapes;
  }
  if (ctx?.imageSize) return Array.from({ length: n }, () => ctx.imageSize!);
  throw new Error(`${op}: ctx.imageSize (or ctx.imgShapes) is required to scale boxes to the feature map`);
}

/** Per-image box lists from `ctx.boxes` (an image without boxes may be an empty array). */
export function imageBoxes(op: string, ctx: LossContext | undefined, n: number): Float32Array[] {
  const b = ctx?.boxes;
  if (!b) throw new Error(`${op}: ctx.boxes (per-image xyxy input-pixel boxes) is required`);
  if (b.length !== n) throw new Error(`${op}: ctx.boxes has ${b.length} images for a batch of ${n}`);
  return b;
}
