import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { maxAbsDiff } from "../testing/tensors";
import { BatchNorm } from "./batch-norm";

beforeAll(useTestBackend);

/** Per-channel mean and biased variance of an NHWC array, by plain loops. */
function stats(x: Float32Array, c: number): { mean: number[]; varB: number[] } {
  const m = x.length / c;
  const mean = Array.from({ length: c }, (_, k) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += x[i * c + k] as number;
    return s / m;
  });
  const varB = mean.map((mu, k) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += ((x[i * c + k] as number) - mu) ** 2;
    return s / m;
  });
  return { mean, varB };
}

describe("BatchNorm", () => {
  it("training: normalises with biased batch variance and updates running stats with unbiased variance (PyTorch)", () => {
    const bn = new BatchNorm(3, { eps: 1e-3, momentum: 0.03 });
    const xT = new Rng(1).normalTensor([2, 3, 4, 3], 2, 3) as tf.Tensor4D;
    const x = xT.dataSync() as Float32Array;
    const { mean, varB } = stats(x, 3);
    const m = x.length / 3;
    const y = tf.tidy(() => bn.call(xT)).dataSync();
    for (let i = 0; i < x.length; i++) {
      const k = i % 3;
      expect(y[i]).toBeCloseTo(((x[i] as number) - mean[k]!) / Math.sqrt(varB[k]! + 1e-3), 4);
    }
    const rm = bn.runningMean.dataSync();
    const rv = bn.runningVar.dataSync();
    for (let k = 0; k < 3; k++) {
      expect(rm[k]).toBeCloseTo(0.03 * mean[k]!, 5);
      expect(rv[k]).toBeCloseTo(0.97 + 0.03 * varB[k]! * (m / (m - 1)), 5);
    }
    tf.dispose([xT]);
    bn.dispose();
  });

  it("inference: uses the running statistics and does not update them", () => {
    const bn = new BatchNorm(2, { eps: 1e-5 });
    bn.runningMean.assign(tf.tensor1d([1, -2]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    bn.gamma.assign(tf.tensor1d([2, 1]));
    bn.beta.assign(tf.tensor1d([0.5, 0]));
    bn.training = false;
    const x = tf.tensor4d([3, -1, 5, -2], [1, 2, 1, 2]);
    const y = tf.tidy(() => bn.call(x)).dataSync();
    const ref = [
      (2 * (3 - 1)) / Math.sqrt(4 + 1e-5) + 0.5,
      (-1 + 2) / Math.sqrt(0.25 + 1e-5),
      (2 * (5 - 1)) / Math.sqrt(4 + 1e-5) + 0.5,
      0,
    ];
    ref.forEach((r, i) => expect(y[i]).toBeCloseTo(r, 4));
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -2]);
    x.dispose();
    bn.dispose();
  });

  it("closed-form gradient equals autodiff of the composed formula", () => {
    const bn = new BatchNorm(4, { eps: 1e-3 });
    const rng = new Rng(7);
    bn.gamma.assign(rng.normalTensor([4], 1, 0.3));
    bn.beta.assign(rng.normalTensor([4]));
    const x = rng.normalTensor([2, 3, 3, 4], 0.5, 2) as tf.Tensor4D;
    const r = rng.normalTensor([2, 3, 3, 4]);
    const before = tf.memory().numTensors;
    const ours = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      void g;
      void b;
      return tf.sum(tf.mul(bn.call(xx as tf.Tensor4D), r));
    });
    const oursAll = ours([x, bn.gamma, bn.beta]);
    const dx = oursAll[0];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(bn.call(x), r)) as tf.Scalar,
      [bn.gamma, bn.beta],
    );
    const ref = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(
        tf.mul(tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b), r),
      );
    })([x, bn.gamma, bn.beta]);
    expect(maxAbsDiff(dx!, ref[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[bn.gamma.name]!, ref[1]!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[bn.beta.name]!, ref[2]!)).toBeLessThan(1e-4);
    tf.dispose([...oursAll, value, ...Object.values(grads), ...ref]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
    bn.dispose();
  });
});
