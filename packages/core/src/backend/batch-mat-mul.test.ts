import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { MIN_WORK } from "./batch-mat-mul";
import { relativeError, seededTensor } from "./test-support";

/** Each case: m, k, n, the outer dims of a and b, and the transpose flags (`matMul(a, b, ta, tb)`). */
const CASES: {
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  ta: boolean;
  tb: boolean;
}[] = [
  { m: 160, k: 170, n: 160, outerA: [], outerB: [], ta: true, tb: false },
  { m: 160, k: 170, n: 160, outerA: [], outerB: [], ta: false, tb: true },
  { m: 160, k: 170, n: 160, outerA: [], outerB: [], ta: true, tb: true },
  { m: 160, k: 170, n: 160, outerA: [3], outerB: [3], ta: false, tb: false },
  { m: 160, k: 170, n: 160, outerA: [1], outerB: [3], ta: true, tb: false },
  { m: 160, k: 170, n: 160, outerA: [2, 3], outerB: [], ta: false, tb: true },
  { m: 160, k: 170, n: 160, outerA: [2, 1], outerB: [1, 1], ta: true, tb: true },
  // outer dims that broadcast both ways: four products from two matrices on each side
  { m: 160, k: 170, n: 160, outerA: [2, 1], outerB: [1, 2], ta: false, tb: true },
  { m: 5, k: 7, n: 3, outerA: [4], outerB: [4], ta: true, tb: true },
];

const shapeOf = (outer: number[], rows: number, cols: number, t: boolean) => [
  ...outer,
  t ? cols : rows,
  t ? rows : cols,
];

/** Products on the given backend (values and shape). */
async function products(backend: "cpu" | "wasm"): Promise<{ shape: number[]; values: Float32Array }[]> {
  await initBackend({ backend, quiet: true });
  return CASES.map(({ m, k, n, outerA, outerB, ta, tb }, i) =>
    tf.tidy(() => {
      const a = seededTensor(shapeOf(outerA, m, k, ta), 10 + i);
      const b = seededTensor(shapeOf(outerB, k, n, tb), 40 + i);
      const y = tf.matMul(a, b, ta, tb);
      return { shape: y.shape, values: y.dataSync() as Float32Array };
    }),
  );
}

describe("BatchMatMul on wasm (kdet kernel)", () => {
  // this file tests kdet's wasm kernel; @kdet/native's oneDNN one, registered over it where the addon loads, has its own
  const savedNative = process.env.KDET_NATIVE;
  beforeAll(() => {
    process.env.KDET_NATIVE = "0";
  });
  afterAll(() => {
    if (savedNative == null) delete process.env.KDET_NATIVE;
    else process.env.KDET_NATIVE = savedNative;
  });
  it("matches the cpu backend for every transpose flag, batched and broadcast outer dims", async () => {
    expect(CASES.filter((c) => c.m * c.k * c.n >= MIN_WORK).length).toBe(CASES.length - 1);
    const cpu = await products("cpu");
    const before = tf.memory().numTensors;
    const wasm = await products("wasm");
    expect(tf.memory().numTensors).toBe(before);
    wasm.forEach((w, i) => {
      expect(w.shape, `case ${i}`).toEqual(cpu[i]!.shape);
      expect(relativeError(w.values, cpu[i]!.values), `case ${i}`).toBeLessThan(1e-5);
    });
  });

  it("gives the gradients of a fully connected layer (transposed products) as the cpu backend", async () => {
    const grads = async (backend: "cpu" | "wasm") => {
      await initBackend({ backend, quiet: true });
      return tf.tidy(() => {
        const x = seededTensor([64, 300], 3);
        const w = seededTensor([300, 128], 4);
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.matMul(xx, ww))))([x, w]);
        return g.map((t) => t.dataSync() as Float32Array);
      });
    };
    const cpu = await grads("cpu");
    const wasm = await grads("wasm");
    wasm.forEach((g, i) => expect(relativeError(g, cpu[i]!)).toBeLessThan(1e-5));
  });
});
