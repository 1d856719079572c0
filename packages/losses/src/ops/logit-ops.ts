/**
 * Small shared helpers of the logit/head losses (kd, dkd, ld, qfl-kd, pgd, hcl, abf, score-l2):
 * overflow-safe scaled logits, KL terms, explicit reductions, input checks.
 * Internal module: not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { LossContext } from "../types";

/**
 * Bound on scaled logits `z/τ`. Deliberate deviation from the references: PyTorch overflows to
 * ±Infinity/NaN for logits near the float32 range (e.g. ±3e38, where `x − max` exceeds it); we
 * clamp `z/τ` to ±1e4 first. Softmax/sigmoid of anything beyond ±1e4 is already exactly 0 or 1
 * in float32, so values of real logits are unchanged; clamped elements get a zero gradient.
 */
export const LOGIT_BOUND = 1e4;

/** `clip(x/τ, −LOGIT_BOUND, LOGIT_BOUND)`; see {@link LOGIT_BOUND}. */
export function scaledLogits(x: tf.Tensor, tau = 1): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tau === 1 ? x : tf.div(x, tau), -LOGIT_BOUND, LOGIT_BOUND));
}

/**
 * Element-wise KL terms `p_T·(log p_T − log p_S)` from log-probabilities on the same axis
 * (no reduction). `logPT` is the teacher's (constant) log-softmax, `logPS` the student's.
 * With bounded logits both are finite, so `p_T = 0` gives an exact 0 (as torch's `kl_div`).
 */
export function klTerms(logPT: tf.Tensor, logPS: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.exp(logPT), tf.sub(logPT, logPS)));
}

/** `|x|` with PyTorch's gradient `sign(x)` (0 at x = 0; tfjs' abs has −1 there). */
export function absT(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sign(x)));
}

/** Reductions of a summed loss, as in torch: `batchmean` = Σ/N(dim 0), `sum` = Σ, `mean` = Σ/numel. */
export type Reduction = "batchmean" | "sum" | "mean";

/** Divides the total sum `s` by the reduction's divisor (`N = shape[0]`, numel = all elements). */
export function reduceSum(s: tf.Scalar, reduction: Reduction, shape: readonly number[]): tf.Scalar {
  const numel = shape.reduce((a, b) => a * b, 1);
  const div = reduction === "sum" ? 1 : reduction === "batchmean" ? (shape[0] ?? 1) : numel;
  return tf.tidy(() => (div === 1 ? s : tf.div(s, Math.max(div, 1))));
}

/** Throws `<op>: <what> shapes differ: student [..] vs teacher [..]` unless both shapes are equal. */
export function assertSameShape(op: string, s: tf.Tensor, t: tf.Tensor, what = "input"): void {
  if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
    throw new Error(
      `${op}: ${what} shapes differ: student [${s.shape.join(",")}] vs teacher [${t.shape.join(",")}]`,
    );
  }
}

/** Throws unless `x` has one of the allowed ranks. */
export function assertRank(op: string, x: tf.Tensor, ranks: number[], what: string): void {
  if (!ranks.includes(x.rank)) {
    throw new Error(`${op}: ${what} must have rank ${ranks.join(" or ")}, got shape [${x.shape.join(",")}]`);
  }
}

/** Exactly one tensor (not a per-level array) for single-level losses. */
export function single(op: string, x: tf.Tensor | tf.Tensor[], who: string): tf.Tensor {
  if (Array.isArray(x)) throw new Error(`${op}: ${who} must be one tensor, got an array of ${x.length}`);
  return x;
}

/** A per-level list (a single tensor becomes a one-element list). */
export function levelList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** The tensor `ctx[key]`, or a clear error naming the loss, the field and what it must hold. */
export function ctxTensor(op: string, ctx: LossContext | undefined, key: string, what: string): tf.Tensor {
  const v = ctx?.[key];
  if (!(v instanceof tf.Tensor)) throw new Error(`${op}: ctx.${key} is required (${what})`);
  return v;
}

/** `ctx[key]` as an optional tensor (error when present but not a tensor). */
export function ctxOptTensor(op: string, ctx: LossContext | undefined, key: string): tf.Tensor | undefined {
  const v = ctx?.[key];
  if (v === undefined) return undefined;
  if (!(v instanceof tf.Tensor)) throw new Error(`${op}: ctx.${key} must be a tf.Tensor`);
  return v;
}

/** `ctx[key]` as an optional finite number. */
export function ctxOptNumber(op: string, ctx: LossContext | undefined, key: string): number | undefined {
  const v = ctx?.[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new Error(`${op}: ctx.${key} must be a finite number, got ${String(v)}`);
  return v;
}
