import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seededTensor } from "./test-support";

const CASES: [number[], number[], boolean][] = [
  [[4, 6, 5, 3], [0, 1, 2], false],
  [[4, 6, 5, 3], [0, 1, 2], true],
  [[4, 6, 5, 3], [1, 2], false],
  [[4, 6, 5, 3], [2, 1, 0], false],
  [[4, 6, 5, 3], [0], true],
  [[7, 9], [0], false],
  [[3, 4, 5], [0, 1], false],
  [[4, 6, 5, 3], [0, 2], false],
  [[4, 6, 5, 3], [3], false],
  [[4, 6, 5, 3], [0, 1, 2, 3], false],
];

describe("Sum and Mean on wasm (leading axes via average pooling) equal the cpu backend", () => {
  for (const [shape, axes, keepDims] of CASES) {
    it(`[${shape}] axes [${axes}] keepDims ${keepDims}`, async () => {
      const run = () => {
        const x = seededTensor(shape, 81).add(0.3);
        const r = seededTensor(tf.sum(x, axes, keepDims).shape, 82);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axes, keepDims), r)))(x);
        return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims), g];
      };
      const cpu = await runOn("cpu", run);
      const wasm = await runOn("wasm", run);
      ["sum", "mean", "grad"].forEach((name, i) =>
        expect(relativeError(wasm[i]!, cpu[i]!), name).toBeLessThan(1e-5),
      );
      const shapeOn = async (backend: "cpu" | "wasm") => {
        await initBackend({ backend, quiet: true });
        return tf.tidy(() => [
          tf.sum(tf.ones(shape), axes, keepDims).shape,
          tf.mean(tf.ones(shape), axes, keepDims).shape,
        ]);
      };
      expect(await shapeOn("wasm")).toEqual(await shapeOn("cpu"));
    });
  }

  it("keeps int32 sums exact (builtin path)", async () => {
    const run = () => [tf.cast(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), 0), "float32")];
    expect(Array.from((await runOn("wasm", run))[0]!)).toEqual([4, 6]);
  });

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = seededTensor([4, 6, 5, 3], 83);
      tf.sum(x, [0, 1, 2]);
      tf.mean(x, [0, 1]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
