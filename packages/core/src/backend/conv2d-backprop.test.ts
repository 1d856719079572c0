import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seededTensor } from "./test-support";

type Pad =
  | "same"
  | "valid"
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { name: "3x3 s1 same", x: [2, 9, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: "same" },
  { name: "3x3 s1 valid", x: [2, 8, 7, 3], w: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { name: "3x3 s2 same even", x: [2, 10, 10, 3], w: [3, 3, 3, 4], strides: 2, pad: "same" },
  { name: "3x3 s2 same odd", x: [2, 11, 9, 3], w: [3, 3, 3, 4], strides: 2, pad: "same" },
  { name: "3x3 s2 valid", x: [2, 11, 10, 3], w: [3, 3, 3, 4], strides: 2, pad: "valid" },
  { name: "3x3 s2 pad 1", x: [1, 10, 10, 2], w: [3, 3, 2, 5], strides: 2, pad: 1 },
  {
    name: "3x3 s2 explicit asym",
    x: [2, 9, 10, 3],
    w: [3, 3, 3, 4],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: "3x3 strides [1,2] same", x: [2, 8, 9, 3], w: [3, 3, 3, 4], strides: [1, 2], pad: "same" },
  { name: "5x5 s1 same", x: [1, 12, 7, 3], w: [5, 5, 3, 4], strides: 1, pad: "same" },
  { name: "7x7 s1 valid", x: [1, 12, 11, 2], w: [7, 7, 2, 3], strides: 1, pad: "valid" },
  { name: "6x6 s2 pad 2 (YOLOv5 stem)", x: [2, 16, 16, 3], w: [6, 6, 3, 8], strides: 2, pad: 2 },
  { name: "3x3 s3 valid", x: [1, 11, 10, 3], w: [3, 3, 3, 4], strides: 3, pad: "valid" },
  { name: "2x2 s2 valid", x: [2, 8, 8, 3], w: [2, 2, 3, 4], strides: 2, pad: "valid" },
  { name: "1x1 s1", x: [2, 7, 6, 5], w: [1, 1, 5, 6], strides: 1, pad: "valid" },
  { name: "1x1 s2 same", x: [2, 7, 6, 5], w: [1, 1, 5, 6], strides: 2, pad: "same" },
  { name: "3x3 s1 same 32->64", x: [2, 16, 16, 32], w: [3, 3, 32, 64], strides: 1, pad: "same" },
  { name: "3x3 s2 same 32->64", x: [2, 16, 16, 32], w: [3, 3, 32, 64], strides: 2, pad: "same" },
];

/** dL/dx and dL/dW of L = Σ conv2d(x, w) ⊙ r, through the active backend's registered kernels. */
function convGrads(c: Case): tf.Tensor[] {
  const x = seededTensor(c.x, 1) as tf.Tensor4D;
  const w = seededTensor(c.w, 2) as tf.Tensor4D;
  const probe = tf.conv2d(x, w, c.strides, c.pad);
  const r = seededTensor(probe.shape, 3);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
  );
  return g([x, w]);
}

describe("Conv2DBackpropInput / Conv2DBackpropFilter on wasm equal the cpu backend", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const [dxCpu, dwCpu] = await runOn("cpu", () => convGrads(c));
      const [dxWasm, dwWasm] = await runOn("wasm", () => convGrads(c));
      expect(relativeError(dxWasm!, dxCpu!)).toBeLessThan(1e-4);
      expect(relativeError(dwWasm!, dwCpu!)).toBeLessThan(1e-4);
    });
  }

  it("leaves no tensors behind (direct kernel calls and gradients)", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    for (const c of CASES.slice(0, 6)) {
      tf.dispose(tf.tidy(() => convGrads(c)));
      tf.tidy(() => {
        const dy = seededTensor([c.x[0], 5, 5, c.w[3]], 4);
        const attrs = { strides: 2, pad: "same", dataFormat: "NHWC" };
        tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: seededTensor([c.x[0], 10, 10, c.x[3]], 5), dy },
          { ...attrs, filterShape: c.w },
        );
        tf.engine().runKernel(
          tf.Conv2DBackpropInput,
          { dy, filter: seededTensor(c.w, 6) },
          { ...attrs, inputShape: [c.x[0], 10, 10, c.x[3]] },
        );
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
