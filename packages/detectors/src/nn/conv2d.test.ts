import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@kdet/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend } from "../testing/backend";
import { maxAbsDiff } from "../testing/tensors";
import { silu } from "./activations";
import { Conv2d } from "./conv2d";

beforeAll(useTestBackend);

/** PyTorch `nn.Conv2d` semantics by plain loops: symmetric zero padding p, NHWC input, HWIO filter. */
function convRef(
  x: Float32Array,
  [n, h, w, ci]: number[],
  wt: Float32Array,
  k: number,
  co: number,
  s: number,
  p: number,
  depthwise: boolean,
): { y: Float32Array; oh: number; ow: number } {
  const oh = Math.floor((h! + 2 * p - k) / s) + 1;
  const ow = Math.floor((w! + 2 * p - k) / s) + 1;
  const y = new Float32Array(n! * oh * ow * co);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const yy = i * s - p + u;
              const xx = j * s - p + v;
              if (yy < 0 || xx < 0 || yy >= h! || xx >= w!) continue;
              if (depthwise) acc += x[((b * h! + yy) * w! + xx) * ci! + o]! * wt[(u * k + v) * ci! + o]!;
              else
                for (let c = 0; c < ci!; c++)
                  acc += x[((b * h! + yy) * w! + xx) * ci! + c]! * wt[((u * k + v) * ci! + c) * co + o]!;
            }
          y[((b * oh + i) * ow + j) * co + o] = acc;
        }
  return { y, oh, ow };
}

describe("Conv2d", () => {
  for (const [k, s, h, depthwise] of [
    [3, 2, 6, false],
    [3, 2, 7, false],
    [3, 1, 5, false],
    [1, 1, 4, false],
    [3, 2, 6, true],
    [7, 2, 9, false],
  ] as const) {
    it(`matches PyTorch padding for k=${k} s=${s} on ${h}×${h}${depthwise ? " depthwise" : ""}`, () => {
      const rng = new Rng(k * 10 + s + h);
      const ci = 3;
      const co = depthwise ? 3 : 4;
      const conv = new Conv2d(ci, co, rng, { kernel: k, stride: s, depthwise, bias: true });
      const x = rng.normalTensor([2, h, h, ci]) as tf.Tensor4D;
      const ref = convRef(
        x.dataSync() as Float32Array,
        x.shape,
        conv.weight.dataSync() as Float32Array,
        k,
        co,
        s,
        Math.floor(k / 2),
        depthwise,
      );
      const bias = conv.bias!.dataSync();
      for (let i = 0; i < ref.y.length; i++) ref.y[i]! += bias[i % co]!;
      const y = tf.tidy(() => conv.call(x));
      expect(y.shape).toEqual([2, ref.oh, ref.ow, co]);
      const r = tf.tensor(ref.y, y.shape);
      expect(maxAbsDiff(y, r)).toBeLessThan(1e-4);
      tf.dispose([x, y, r]);
      conv.dispose();
    });
  }

  it("initialises weights in ±1/√fan_in (PyTorch default)", () => {
    const conv = new Conv2d(8, 16, new Rng(3), { kernel: 3 });
    const w = conv.weight.dataSync();
    const bound = 1 / Math.sqrt(72);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.9 * bound);
    conv.dispose();
  });
});

describe("silu", () => {
  it("value and closed-form gradient equal x·σ(x) and its autodiff", () => {
    const x = tf.linspace(-8, 8, 41);
    const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mul(t, tf.sigmoid(t)), tf.range(0, 41))));
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(silu(t), tf.range(0, 41))));
    const [a, b] = [ref(x), ours(x)];
    const v = tf.tidy(() => tf.sub(silu(x), tf.mul(x, tf.sigmoid(x))));
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(Math.max(...Array.from(v.dataSync(), Math.abs))).toBe(0);
    tf.dispose([x, a, b, v]);
  });
});
