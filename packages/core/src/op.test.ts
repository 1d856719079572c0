import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { op, stopGradient } from "./op";
import { useCpuBackend } from "./testing/cpu";

beforeAll(useCpuBackend);

describe("op", () => {
  it("frees intermediates and keeps the result", () => {
    const f = op("sumsq", (a: tf.Tensor) => tf.sum(tf.square(tf.add(a, 1))));
    const a = tf.tensor([1, 2, 3]);
    const before = tf.memory().numTensors;
    const r = f(a);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(r.dataSync()[0]).toBe(4 + 9 + 16);
    r.dispose();
    a.dispose();
  });
  it("prefixes errors with the op name", () => {
    const f = op("badMatMul", (a: tf.Tensor2D, b: tf.Tensor2D) => tf.matMul(a, b));
    expect(() => f(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(/^badMatMul: /);
  });
});

describe("stopGradient", () => {
  it("passes values and blocks gradients", () => {
    const x = tf.tensor([1.5, -2]);
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.add(tf.mul(stopGradient(t), t), stopGradient(tf.square(t)))),
    )(x);
    // d/dt [sg(t)·t + sg(t²)] = sg(t) = t
    expect(Array.from(g.dataSync())).toEqual([1.5, -2]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1.5, -2]);
  });
});
