import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import "../gradients";
import { initBackend } from "./init-backend";
import { relativeError, runOn, seededTensor } from "./test-support";

const IDX = [3, 0, 3, 7, 1, 1, 3, 9, 0, 5, 5, 5];

function gatherGrad(axis: number): tf.Tensor[] {
  const table = seededTensor(axis === 0 ? [10, 6] : [4, 10, 3], 31);
  const idx = tf.tensor1d(IDX, "int32");
  const r = seededTensor(tf.gather(table, idx, axis).shape, 32);
  return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, axis), r)))(table)];
}

describe("UnsortedSegmentSum on wasm (gather gradient) equals the cpu backend", () => {
  for (const axis of [0, 1]) {
    it(`gather axis ${axis}`, async () => {
      const [cpu] = await runOn("cpu", () => gatherGrad(axis));
      const [wasm] = await runOn("wasm", () => gatherGrad(axis));
      expect(relativeError(wasm!, cpu!)).toBeLessThan(1e-6);
    });
  }

  it("sums int32 segments and drops out-of-range ids, like the cpu kernel", async () => {
    const run = () => [
      tf.unsortedSegmentSum(
        tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2], "int32"),
        tf.tensor1d([1, -1, 1, 4], "int32"),
        3,
      ),
    ];
    const [cpu] = await runOn("cpu", run);
    const [wasm] = await runOn("wasm", run);
    expect(Array.from(wasm!)).toEqual([0, 0, 6, 8, 0, 0]);
    expect(Array.from(wasm!)).toEqual(Array.from(cpu!));
  });

  it("leaves no tensors behind", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => [...gatherGrad(0), ...gatherGrad(1)]));
    expect(tf.memory().numTensors).toBe(before);
  });
});
