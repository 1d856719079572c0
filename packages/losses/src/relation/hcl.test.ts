import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adaptiveAvgPool2d } from "../ops/adaptive-avg-pool";
import { createHcl } from "./hcl";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc } from "../testing/golden";
import {
  expectFinite,
  expectGradClose,
  expectLossClose,
  expectNoLeak,
  goldenCases,
  goldenParams,
} from "../testing/head-golden";
import { weighted } from "../testing/weighted";

const Params = z.object({ levels: z.array(z.number().int()), num_levels: z.number().int() });

beforeAll(useCpuBackend);

describe("hcl golden vectors (reviewkd_hcl)", () => {
  for (const file of goldenCases("reviewkd_hcl")) {
    it(`${file.vector}: loss and per-level student gradients`, () => {
      const p = goldenParams(file, Params);
      const idx = Array.from({ length: p.num_levels }, (_, i) => i);
      const ss = idx.map((i) => featureNhwc(file.inputs[`fs_${i}`], `fs_${i}`));
      const ts = idx.map((i) => featureNhwc(file.inputs[`ft_${i}`], `ft_${i}`));
      const hcl = createHcl({ poolSizes: p.levels });
      expectLossClose(file, hcl.compute(ss, ts).total);
      const grads = tf.grads((...xs: tf.Tensor[]) => hcl.compute(xs, ts).total)(ss);
      expectGradClose(file, grads);
    });
  }
});

/** Brute-force PyTorch adaptive_avg_pool2d on NHWC data. */
function bruteAap(x: tf.Tensor4D, oh: number, ow: number): number[] {
  const [n, h, w, c] = x.shape;
  const d = x.dataSync();
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          const [h0, h1] = [Math.floor((i * h) / oh), Math.ceil(((i + 1) * h) / oh)];
          const [w0, w1] = [Math.floor((j * w) / ow), Math.ceil(((j + 1) * w) / ow)];
          let s = 0;
          for (let y = h0; y < h1; y++)
            for (let x2 = w0; x2 < w1; x2++) s += d[((b * h + y) * w + x2) * c + k]!;
          out.push(s / ((h1 - h0) * (w1 - w0)));
        }
  return out;
}

describe("hcl", () => {
  it("adaptive average pooling equals the brute-force PyTorch bins (overlapping and exact)", () => {
    const x = tf.randomNormal([2, 7, 5, 3], 0, 1, "float32", 3) as tf.Tensor4D;
    for (const [oh, ow] of [
      [4, 4],
      [2, 3],
      [1, 1],
      [7, 5],
    ] as const) {
      const ours = Array.from(adaptiveAvgPool2d(x, oh, ow).dataSync());
      bruteAap(x, oh, ow).forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 5));
    }
  });

  it("weights 1, ½, ¼ over 1.75 when H = 4 (the 4×4 pool is skipped)", () => {
    const s = tf.randomNormal([1, 4, 6, 2], 0, 1, "float32", 4) as tf.Tensor4D;
    const t = tf.randomNormal([1, 4, 6, 2], 0, 1, "float32", 5) as tf.Tensor4D;
    const mse = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + (v - b[i]!) ** 2, 0) / a.length;
    const hand =
      (mse(Array.from(s.dataSync()), Array.from(t.dataSync())) +
        0.5 * mse(bruteAap(s, 2, 2), bruteAap(t, 2, 2)) +
        0.25 * mse(bruteAap(s, 1, 1), bruteAap(t, 1, 1))) /
      1.75;
    expect(weighted(createHcl(), 2).compute(s, t).total.dataSync()[0]).toBeCloseTo(2 * hand, 5);
    expect(createHcl().compute(s, s).total.dataSync()[0]).toBe(0);
  });

  it("robust: zeros and a single-pixel map give finite values; no leak; shape errors", () => {
    const hcl = createHcl();
    for (const shape of [
      [2, 8, 8, 4],
      [1, 1, 1, 3],
    ]) {
      const s = tf.zeros(shape);
      const t = tf.ones(shape);
      expectFinite(
        `shape ${shape}`,
        hcl.compute(s, t).total,
        tf.grad((x: tf.Tensor) => hcl.compute(x, t).total)(s),
      );
    }
    expectNoLeak(() => hcl.compute([tf.ones([1, 5, 5, 2])], [tf.zeros([1, 5, 5, 2])]));
    expect(() => hcl.compute([tf.ones([1, 5, 5, 2])], [tf.zeros([1, 5, 4, 2])])).toThrow(
      /hcl: level 0 shapes differ/,
    );
  });
});
