import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createQflKd, type QflKdContext } from "./qfl-kd";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, toTensor } from "../testing/golden";
import {
  expectFinite,
  expectGradClose,
  expectLossClose,
  expectNoLeak,
  goldenCases,
  goldenParams,
} from "../testing/head-golden";
import { weighted } from "../testing/weighted";

const Params = z.object({
  beta: z.number(),
  reduction: z.literal("mean"),
  avg_factor: z.number(),
  loss_weight: z.number(),
});

beforeAll(useCpuBackend);

describe("qfl-kd golden vectors (kd_qfl)", () => {
  for (const file of goldenCases("kd_qfl")) {
    it(`${file.vector}: loss and gradient`, () => {
      const p = goldenParams(file, Params);
      const loss = weighted(createQflKd({ beta: p.beta }), p.loss_weight);
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const ctx = {
        labelWeights: toTensor(file.inputs.label_weights, "label_weights"),
        avgFactor: p.avg_factor,
      };
      expectLossClose(file, loss.compute(s, t, ctx).total);
      expectGradClose(file, [tf.grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s)]);
    });
  }
});

describe("qfl-kd", () => {
  it("matches a hand-computed element; mean without avgFactor", () => {
    const loss = weighted(createQflKd({ beta: 2 }), 3);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const [s, t] = [1.5, -0.5];
    const q = sig(t);
    const el = -(q * Math.log(sig(s)) + (1 - q) * Math.log(1 - sig(s))) * Math.abs(sig(s) - q) ** 2;
    const r = loss.compute(tf.tensor2d([[s, 0]]), tf.tensor2d([[t, 0]]), { avgFactor: 2 });
    expect(r.total.dataSync()[0]).toBeCloseTo((3 * el) / 2, 5);
    const mean = loss.compute(tf.tensor2d([[s, 0]]), tf.tensor2d([[t, 0]]));
    expect(mean.total.dataSync()[0]).toBeCloseTo((3 * el) / 2, 5);
  });

  it("identical logits give 0 loss and, as torch, a 0 gradient (β = 1)", () => {
    const loss = createQflKd();
    const x = tf.tensor2d([[0, 1.2, -3]]);
    expect(loss.compute(x, x, { avgFactor: 1 }).total.dataSync()[0]).toBe(0);
    const g = tf.grad((a: tf.Tensor) => loss.compute(a, x, { avgFactor: 1 }).total)(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
  });

  it("robust: zeros, single pixel, zero label weights (no positives), float32-extreme logits", () => {
    const loss = createQflKd({ beta: 2 });
    const cases: Array<[string, tf.Tensor, tf.Tensor, QflKdContext]> = [
      ["all-zero", tf.zeros([2, 3, 3, 4]), tf.zeros([2, 3, 3, 4]), { avgFactor: 0 }],
      ["single pixel", tf.tensor4d([[[[2, -1]]]]), tf.tensor4d([[[[-1, 2]]]]), { avgFactor: 1 }],
      [
        "no positives",
        tf.ones([1, 2, 2, 3]),
        tf.zeros([1, 2, 2, 3]),
        { labelWeights: tf.zeros([1, 2, 2]), avgFactor: 0 },
      ],
      [
        "±3e38",
        tf.tensor2d([
          [3e38, -3e38],
          [-3e38, 3e38],
        ]),
        tf.tensor2d([
          [-3e38, 3e38],
          [0, -3e38],
        ]),
        { avgFactor: 2 },
      ],
    ];
    for (const [name, s, t, ctx] of cases) {
      expectFinite(
        name,
        loss.compute(s, t, ctx).total,
        tf.grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s),
      );
    }
  });

  it("validates label weights and leaves no tensors", () => {
    const loss = createQflKd();
    const s = tf.randomNormal([1, 2, 2, 3]);
    expect(() => loss.compute(s, s, { labelWeights: tf.ones([3]) })).toThrow(
      /qfl-kd: ctx.labelWeights has 3 values, expected one per position \(4\)/,
    );
    expectNoLeak(() =>
      loss.compute(s, tf.randomNormal([1, 2, 2, 3]), { labelWeights: tf.ones([1, 2, 2]), avgFactor: 3 }),
    );
  });
});
