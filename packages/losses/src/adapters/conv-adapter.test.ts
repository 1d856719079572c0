import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpuBackend } from "../testing/backend";
import { ConvAdapter } from "./conv-adapter";

beforeAll(useCpuBackend);

describe("ConvAdapter", () => {
  it("inits within the PyTorch kaiming-uniform bound, deterministically from the seed", () => {
    const a = new ConvAdapter({ inChannels: 4, outChannels: 3, kernelSize: 3, seed: 7 });
    const b = new ConvAdapter({ inChannels: 4, outChannels: 3, kernelSize: 3, seed: 7 });
    const bound = 1 / Math.sqrt(4 * 9);
    const w = a.weight.dataSync();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(w));
    expect(a.variables).toHaveLength(2);
    a.dispose();
    b.dispose();
  });

  it("normal / truncated / zero init", () => {
    const n = new ConvAdapter({
      inChannels: 16,
      outChannels: 16,
      kernelSize: 3,
      init: { std: 1e-4, truncate: 2 },
      seed: 2,
    });
    const w = Array.from(n.weight.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(2e-4);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.7e-4);
    expect(std).toBeLessThan(1e-4);
    expect(Array.from(n.bias!.dataSync()).every((v) => v === 0)).toBe(true);
    const z = new ConvAdapter({ inChannels: 2, outChannels: 2, init: "zeros" });
    expect(Array.from(z.weight.dataSync()).every((v) => v === 0)).toBe(true);
    n.dispose();
    z.dispose();
  });

  it("matches a PyTorch OIHW conv after loadTorch (same padding, bias, relu)", () => {
    const ad = new ConvAdapter({ inChannels: 2, outChannels: 1, kernelSize: 3, relu: true });
    // OIHW: identity on channel 0 (centre tap), −1 on channel 1 centre; bias 0.5
    const w = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0], [1, 2, 3, 3]);
    ad.loadTorch(w, tf.tensor1d([0.5]));
    const x = tf.tensor4d([1, 3, 2, 0, 0, 0, 5, 1], [1, 2, 2, 2]);
    const y = ad.apply(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 2.5, 0.5, 4.5]);
    ad.dispose();
  });

  it("one SGD step changes the weights", () => {
    const ad = new ConvAdapter({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 1 });
    const before = ad.weight.dataSync().slice();
    const x = tf.randomNormal([1, 4, 4, 3], 0, 1, "float32", 3) as tf.Tensor4D;
    tf.train.sgd(0.1).minimize(() => tf.sum(tf.square(ad.apply(x))) as tf.Scalar, false, ad.variables);
    expect(Array.from(ad.weight.dataSync())).not.toEqual(Array.from(before));
    ad.dispose();
  });

  it("leaks no tensors", () => {
    const ad = new ConvAdapter({ inChannels: 2, outChannels: 2 });
    const x = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const n = tf.memory().numTensors;
    tf.tidy(() => {
      ad.apply(x);
    });
    expect(tf.memory().numTensors).toBe(n);
    ad.dispose();
  });
});
