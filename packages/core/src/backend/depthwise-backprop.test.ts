import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seededTensor } from "./test-support";

interface Case {
  name: string;
  x: [number, number, number, number];
  k: number;
  strides: number | [number, number];
  pad: "same" | "valid" | number;
}

const CASES: Case[] = [
  { name: "3x3 s1 same", x: [2, 9, 9, 4], k: 3, strides: 1, pad: "same" },
  { name: "3x3 s2 same even", x: [2, 10, 10, 4], k: 3, strides: 2, pad: "same" },
  { name: "3x3 s2 same odd", x: [2, 11, 9, 4], k: 3, strides: 2, pad: "same" },
  { name: "3x3 s2 pad 1", x: [1, 10, 9, 3], k: 3, strides: 2, pad: 1 },
  { name: "5x5 s2 valid", x: [2, 13, 12, 4], k: 5, strides: 2, pad: "valid" },
  { name: "5x5 s1 same", x: [1, 9, 8, 5], k: 5, strides: 1, pad: "same" },
  { name: "3x3 strides [2,1] same", x: [2, 9, 8, 3], k: 3, strides: [2, 1], pad: "same" },
  { name: "1x1 s1", x: [2, 5, 5, 6], k: 1, strides: 1, pad: "valid" },
  { name: "3x3 s1 same 64 channels", x: [2, 16, 16, 64], k: 3, strides: 1, pad: "same" },
];

function depthwiseGrads(c: Case): tf.Tensor[] {
  const x = seededTensor(c.x, 11) as tf.Tensor4D;
  const w = seededTensor([c.k, c.k, c.x[3], 1], 12) as tf.Tensor4D;
  const r = seededTensor(tf.depthwiseConv2d(x, w, c.strides, c.pad).shape, 13);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
  );
  return g([x, w]);
}

describe("DepthwiseConv2dNativeBackpropInput / BackpropFilter on wasm equal the cpu backend", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const [dxCpu, dwCpu] = await runOn("cpu", () => depthwiseGrads(c));
      const [dxWasm, dwWasm] = await runOn("wasm", () => depthwiseGrads(c));
      expect(relativeError(dxWasm!, dxCpu!)).toBeLessThan(1e-4);
      expect(relativeError(dwWasm!, dwCpu!)).toBeLessThan(1e-4);
    });
  }

  it("rejects a channel multiplier > 1 with a clear error", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    expect(() =>
      tf.tidy(() => {
        const x = seededTensor([1, 5, 5, 2], 1) as tf.Tensor4D;
        const w = seededTensor([3, 3, 2, 2], 2) as tf.Tensor4D;
        return tf.grad((a: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, w, 1, "same")))(x);
      }),
    ).toThrow(/channel multiplier 2 is not supported/);
  });

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    for (const c of CASES.slice(0, 5)) tf.dispose(tf.tidy(() => depthwiseGrads(c)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
