import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createKd } from "./kd";
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

const Params = z.object({
  tau: z.number(),
  reduction: z.enum(["batchmean", "sum", "mean"]),
  loss_weight: z.number(),
});

beforeAll(useCpuBackend);

describe("kd golden vectors (kd_kl)", () => {
  for (const file of goldenCases("kd_kl")) {
    it(`${file.vector}: loss and student gradient`, () => {
      const p = goldenParams(file, Params);
      const loss = weighted(createKd({ tau: p.tau, reduction: p.reduction }), p.loss_weight);
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const { total } = loss.compute(s, t);
      expectLossClose(file, total);
      const g = tf.grad((x: tf.Tensor) => loss.compute(x, t).total)(s);
      expectGradClose(file, [g]);
      tf.dispose([s, t, total, g]);
    });
  }
});

describe("kd", () => {
  it("is 0 for identical logits and matches a hand-computed 2-class value", () => {
    const kd = weighted(createKd({ tau: 2, reduction: "sum" }), 1.5);
    const x = tf.tensor2d([[1, -2, 0.5]]);
    expect(kd.compute(x, x).total.dataSync()[0]).toBeCloseTo(0, 6);
    // p_T = softmax([0,0]/2) = [.5,.5]; p_S = softmax([2,0]/2) = [e/(e+1), 1/(e+1)].
    const ps = [Math.E / (Math.E + 1), 1 / (Math.E + 1)];
    const hand = 1.5 * 4 * (0.5 * Math.log(0.5 / ps[0]!) + 0.5 * Math.log(0.5 / ps[1]!));
    const r = kd.compute(tf.tensor2d([[2, 0]]), tf.tensor2d([[0, 0]]));
    expect(r.total.dataSync()[0]).toBeCloseTo(hand, 5);
  });

  it("reductions: sum = N·batchmean = numel·mean on dense NHWC logits", () => {
    const s = tf.randomNormal([2, 3, 4, 5], 0, 2, "float32", 1);
    const t = tf.randomNormal([2, 3, 4, 5], 0, 2, "float32", 2);
    const v = (r: "sum" | "mean" | "batchmean") =>
      createKd({ reduction: r }).compute(s, t).total.dataSync()[0]!;
    expect(v("sum")).toBeCloseTo(2 * v("batchmean"), 4);
    expect(v("sum")).toBeCloseTo(120 * v("mean"), 4);
  });

  it("robust: zeros, single pixel, float32-extreme logits give finite loss and gradient", () => {
    const kd = createKd({ tau: 4 });
    const cases: Array<[string, tf.Tensor, tf.Tensor]> = [
      ["all-zero", tf.zeros([2, 4, 4, 6]), tf.zeros([2, 4, 4, 6])],
      ["single pixel", tf.tensor4d([[[[1, 2, 3]]]]), tf.tensor4d([[[[3, 2, 1]]]])],
      [
        "±3e38",
        tf.tensor2d([
          [3e38, -3e38, 0],
          [-3e38, 3e38, 1],
        ]),
        tf.tensor2d([
          [-3e38, 3e38, 0],
          [3e38, -3e38, 0],
        ]),
      ],
    ];
    for (const [name, s, t] of cases) {
      const total = kd.compute(s, t).total;
      const g = tf.grad((x: tf.Tensor) => kd.compute(x, t).total)(s);
      expectFinite(name, total, g);
    }
  });

  it("leaves no tensors behind inside tf.tidy and rejects mismatched shapes", () => {
    const kd = createKd();
    const s = tf.randomNormal([2, 3, 3, 4]);
    const t = tf.randomNormal([2, 3, 3, 4]);
    expectNoLeak(() => kd.compute(s, t).total);
    expect(() => kd.compute(s, tf.zeros([2, 3, 3, 5]))).toThrow(
      /kd: logit shapes differ: student \[2,3,3,4\] vs teacher \[2,3,3,5\]/,
    );
  });
});
