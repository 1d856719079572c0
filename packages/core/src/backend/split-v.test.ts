import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { runOn, seededTensor } from "./test-support";

const SHAPES: [number[], number[], number][] = [
  [[2, 3, 4, 5], [2, 3, 4, 7], 3],
  [[2, 3, 4, 5], [2, 6, 4, 5], 1],
  [[2, 3, 4, 5], [1, 3, 4, 5], 0],
  [[2, 3, 4, 300], [2, 3, 4, 260], 3],
  [[3, 5], [3, 0], 1],
];

describe("SplitV on wasm (kdet kernel) and Concat equal the cpu backend", () => {
  for (const [a, b, axis] of SHAPES) {
    it(`concat [${a}] + [${b}] on axis ${axis}, split back, gradients`, async () => {
      const run = () => {
        const x = seededTensor(a, 71);
        const y = seededTensor(b, 72);
        const cat = tf.concat([x, y, x], axis);
        const parts = tf.split(cat, [a[axis]!, b[axis]!, a[axis]!], axis);
        const r = seededTensor(cat.shape, 73);
        const [gx, gy] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(tf.concat([p, q, p], axis), r)),
        )([x, y]);
        return [cat, ...parts, gx!, gy!];
      };
      const cpu = await runOn("cpu", run);
      const wasm = await runOn("wasm", run);
      wasm.forEach((v, i) => expect(Array.from(v), `output ${i}`).toEqual(Array.from(cpu[i]!)));
    });
  }

  it("handles int32 and bool tensors, and splits into equal parts", async () => {
    const run = () => {
      const i = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
      const b = tf.tensor2d([1, 0, 1, 1, 0, 0], [3, 2], "bool");
      return [
        tf.concat([i, i], 1),
        tf.cast(tf.concat([b, b], 0), "int32"),
        ...tf.split(tf.concat([i, i], 1), 2, 1),
      ];
    };
    const cpu = await runOn("cpu", run);
    const wasm = await runOn("wasm", run);
    wasm.forEach((v, i) => expect(Array.from(v), `output ${i}`).toEqual(Array.from(cpu[i]!)));
  });

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = seededTensor([2, 3, 4, 5], 74);
      tf.split(tf.concat([x, x], 3), 2, 3);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
