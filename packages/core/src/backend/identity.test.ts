import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend } from "./init-backend";
import { seededTensor } from "./test-support";

describe("Identity on wasm (kdet kernel)", () => {
  it("shares the input's data instead of copying, and keeps it alive until both are disposed", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const before = tf.memory();
    const x = seededTensor([2, 3, 4], 51);
    const expected = Array.from(x.dataSync());
    const y = tf.engine().runKernel(tf.Identity, { x }) as tf.Tensor;
    expect(y.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(expected);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it("makes same-dtype casts and clones free, with the right values", async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const x = seededTensor([5], 52);
    const c = tf.cast(x, "float32");
    const k = tf.clone(x);
    expect(c.dataId).toBe(x.dataId);
    expect(Array.from(k.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, c, k]);
  });
});

describe("Cast on wasm (kdet kernel)", () => {
  it("converts between dtypes like the cpu backend", async () => {
    const values = [-2.7, -0.5, 0, 0.4, 1.9, 3];
    const run = async (backend: "cpu" | "wasm") => {
      await initBackend({ backend, quiet: true });
      return tf.tidy(() => {
        const f = tf.tensor1d(values);
        const i = tf.cast(f, "int32");
        return [Array.from(i.dataSync()), Array.from(tf.cast(i, "float32").dataSync())];
      });
    };
    expect(await run("wasm")).toEqual(await run("cpu"));
    expect((await run("wasm"))[0]).toEqual([-2, 0, 0, 0, 1, 3]);
  });
});
