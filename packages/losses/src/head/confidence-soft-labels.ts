/**
 * Teacher soft labels for sigmoid dense heads, shared by the `confidence` and `adaptive`
 * families: teacher probabilities, per-location confidence and the Bernoulli KL to the student.
 * Internal module: not exported from the package index.
 */
import { stopGradient } from "@kdet/core";
import * as tf from "@tensorflow/tfjs-core";
import { LOGIT_BOUND, scaledLogits } from "../ops/logit-ops";
import type { ScoreKind } from "./score-kind";

/** Constant teacher probabilities: `clip(x, 0, 1)` (probabilities) or `σ(x)` (logits). */
export function teacherProbs(x: tf.Tensor, kind: ScoreKind): tf.Tensor {
  return tf.tidy(() => {
    const t = stopGradient(x);
    return kind === "logits" ? tf.sigmoid(scaledLogits(t)) : tf.clipByValue(t, 0, 1);
  });
}

/**
 * Per-location confidence `[N,H,W,1]` from constant teacher probabilities `q` `[N,H,W,K]`:
 * `max_k q` (the most likely class), times the objectness `[N,H,W,1]` when given (YOLO-style
 * `obj · cls`).
 */
export function locationConfidence(q: tf.Tensor, objectness?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.max(q, -1, true);
    return objectness ? tf.mul(c, objectness) : c;
  });
}

/** `q·log q` with `0·log 0 = 0` (constant input). */
export function xlogx(q: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const pos = tf.greater(q, 0);
    return tf.where(pos, tf.mul(q, tf.log(tf.where(pos, q, tf.onesLike(q)))), tf.zerosLike(q));
  });
}

/**
 * Element-wise Bernoulli KL `KL(q ‖ σ(s)) = q log q + (1−q) log(1−q) − q log σ(s) − (1−q) log σ(−s)`
 * between constant teacher probabilities `q` and student logits `s` (same shape; no reduction).
 * Equal to BCE-with-logits minus the teacher's entropy: the same gradient `σ(s) − q`, but 0 when
 * the student matches. `log σ(z) = −softplus(−z)` is computed directly (not `tf.logSigmoid`,
 * whose gradient closes over an unsaved input and fails inside `tf.tidy`); logits clamped to ±1e4.
 */
export function bernoulliKl(s: tf.Tensor, q: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.clipByValue(s, -LOGIT_BOUND, LOGIT_BOUND);
    const negEntropy = tf.add(xlogx(q), xlogx(tf.sub(1, q)));
    // −CE = q·log σ(z) + (1−q)·log σ(−z) = −q·softplus(−z) − (1−q)·softplus(z)
    const ce = tf.add(tf.mul(q, tf.softplus(tf.neg(z))), tf.mul(tf.sub(1, q), tf.softplus(z)));
    return tf.add(negEntropy, ce);
  });
}

/**
 * `|σ(s) − q|^β` (Quality-Focal-style modulation, gradient kept as in QFL/CrossKD), with the
 * base clamped at 1e-12 so that β < 1 has a finite gradient; `β = 0` gives 1.
 */
export function focalFactor(s: tf.Tensor, q: tf.Tensor, beta: number): tf.Tensor {
  return tf.tidy(() => {
    if (beta === 0) return tf.onesLike(s);
    const d = tf.maximum(tf.abs(tf.sub(tf.sigmoid(tf.clipByValue(s, -LOGIT_BOUND, LOGIT_BOUND)), q)), 1e-12);
    return beta === 1 ? d : tf.pow(d, beta);
  });
}
