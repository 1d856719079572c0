/**
 * Test-only helpers of the design losses (rdkd, ckd, confidence, adaptive) and others:
 * central finite-difference gradient checks, a one-step SGD check of adapter variables, and
 * seeded inputs. Not exported from the package index.
 */
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";

/** Seeded normal tensor (float32), `std` scaled. */
export function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, std, "float32", seed);
}

/** Value of a scalar-valued tensor function (run in tidy). */
export function value(f: () => tf.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]!);
}

/**
 * Checks `tf.grad(f)(x)` against central differences `(f(x+εe_k) − f(x−εe_k)) / 2ε` at up to
 * `maxCoords` evenly spread coordinates of `x`: `|num − ana| ≤ rtol·|ana| + atol·max|ana|`.
 * The loss is evaluated in float32, so ε must be large enough (default 1e-2) and the function
 * smooth at the probed points.
 */
export function checkGrad(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  {
    eps = 1e-2,
    rtol = 1e-2,
    atol = 2e-3,
    maxCoords = 24,
  }: { eps?: number; rtol?: number; atol?: number; maxCoords?: number } = {},
): void {
  const ana = Float64Array.from(tf.tidy(() => tf.grad(f)(x).dataSync()));
  const maxAbs = ana.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(maxAbs, "analytic gradient is all zero (check would be vacuous)").toBeGreaterThan(0);
  const base = x.dataSync().slice();
  const step = Math.max(1, Math.floor(base.length / maxCoords));
  for (let k = 0; k < base.length; k += step) {
    const at = (d: number) => {
      const v = base.slice();
      v[k] = v[k]! + d;
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]!);
    };
    const num = (at(eps) - at(-eps)) / (2 * eps);
    const tol = rtol * Math.abs(ana[k]!) + atol * maxAbs;
    expect(
      Math.abs(num - ana[k]!),
      `coordinate ${k}: numeric ${num} vs analytic ${ana[k]}`,
    ).toBeLessThanOrEqual(tol);
  }
}

/** One SGD step (lr) on `vars` of `loss()`; expects every variable to change and returns the loss before. */
export function expectSgdStepChanges(vars: tf.Variable[], loss: () => tf.Scalar, lr = 0.1): void {
  expect(vars.length).toBeGreaterThan(0);
  const before = vars.map((v) => v.dataSync().slice());
  const opt = tf.train.sgd(lr);
  tf.tidy(() => {
    opt.minimize(loss, false, vars);
  });
  opt.dispose();
  vars.forEach((v, i) => {
    const after = v.dataSync();
    let diff = 0;
    for (let k = 0; k < after.length; k++) diff = Math.max(diff, Math.abs(after[k]! - before[i]![k]!));
    expect(diff, `variable ${v.name} did not change`).toBeGreaterThan(0);
  });
}

/** Runs `fn` and expects the live tensor count to be unchanged afterwards. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}
