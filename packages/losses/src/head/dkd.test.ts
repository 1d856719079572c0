import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDkd } from "./dkd";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, toTensor } from "../testing/golden";
import {
  expectedNumber,
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
  alpha: z.number(),
  beta: z.number(),
  reduction: z.enum(["batchmean", "sum", "mean"]),
  loss_weight: z.number(),
});

beforeAll(useCpuBackend);

describe("dkd golden vectors", () => {
  for (const file of goldenCases("dkd")) {
    it(`${file.vector}: loss, TCKD/NCKD, reduction variant, gradient`, () => {
      const p = goldenParams(file, Params);
      const cfg = {
        tau: p.tau,
        alpha: p.alpha,
        beta: p.beta,
        reduction: p.reduction,
      };
      const s = featureNhwc(file.inputs.preds_S, "preds_S");
      const t = featureNhwc(file.inputs.preds_T, "preds_T");
      const ctx = { gtLabels: toTensor(file.inputs.gt_labels, "gt_labels") };
      const loss = weighted(createDkd(cfg), p.loss_weight);
      const r = loss.compute(s, t, ctx);
      expectLossClose(file, r.total);
      expectLossClose(
        file,
        r.parts.tckd!,
        p.loss_weight * p.alpha * expectedNumber(file, "components_f64", "tckd_loss"),
        "tckd",
      );
      expectLossClose(
        file,
        r.parts.nckd!,
        p.loss_weight * p.beta * expectedNumber(file, "components_f64", "nckd_loss"),
        "nckd",
      );
      const honoured = createDkd({ ...cfg, honourReduction: true }).compute(s, t, ctx).total;
      expectLossClose(
        file,
        honoured,
        expectedNumber(file, "variants_f64", "reduction_honoured"),
        "reduction_honoured",
      );
      expectGradClose(file, [tf.grad((x: tf.Tensor) => loss.compute(x, t, ctx).total)(s)]);
    });
  }
});

describe("dkd", () => {
  it("is 0 for identical logits; TCKD matches a hand-computed binary KL", () => {
    const dkd = createDkd({ tau: 1, alpha: 1, beta: 0, reduction: "sum" });
    const x = tf.tensor2d([[1, 2, -1]]);
    expect(dkd.compute(x, x, { gtLabels: [1] }).total.dataSync()[0]).toBeCloseTo(0, 6);
    const sm = (v: number[]) => v.map((a) => Math.exp(a) / v.reduce((s, b) => s + Math.exp(b), 0));
    const ps = sm([0, 1, 0]);
    const pt = sm([1, 0, 0]);
    const bS = [ps[1]!, 1 - ps[1]!];
    const bT = [pt[1]!, 1 - pt[1]!];
    const hand = bT[0]! * Math.log(bT[0]! / bS[0]!) + bT[1]! * Math.log(bT[1]! / bS[1]!);
    const r = dkd.compute(tf.tensor2d([[0, 1, 0]]), tf.tensor2d([[1, 0, 0]]), {
      gtLabels: new Int32Array([1]),
    });
    expect(r.total.dataSync()[0]).toBeCloseTo(hand, 5);
  });

  it("robust: zeros, a single pixel, float32-extreme logits give finite loss and gradient", () => {
    const dkd = createDkd();
    const cases: Array<[string, tf.Tensor, tf.Tensor]> = [
      ["all-zero", tf.zeros([3, 5]), tf.zeros([3, 5])],
      ["single pixel (dense 1×1 map)", tf.tensor4d([[[[1, -2, 0.5]]]]), tf.tensor4d([[[[0, 3, -1]]]])],
      [
        "±3e38",
        tf.tensor2d([
          [3e38, -3e38, 0],
          [-3e38, 3e38, 1],
          [0, 0, -3e38],
        ]),
        tf.tensor2d([
          [-3e38, 3e38, 0],
          [3e38, -3e38, 0],
          [3e38, 0, 0],
        ]),
      ],
    ];
    for (const [name, s, t] of cases) {
      const c = s.shape[s.rank - 1]!;
      const ctx = { gtLabels: Array.from({ length: s.size / c }, (_, i) => i % c) };
      const total = dkd.compute(s, t, ctx).total;
      expectFinite(name, total, tf.grad((x: tf.Tensor) => dkd.compute(x, t, ctx).total)(s));
    }
  });

  it("errors name the field; no tensors leak", () => {
    const dkd = createDkd();
    const s = tf.randomNormal([2, 4]);
    expect(() => dkd.compute(s, s)).toThrow(/dkd: ctx.gtLabels is required/);
    expect(() => dkd.compute(s, s, { gtLabels: [0] })).toThrow(/1 labels, expected one per logit row \(2\)/);
    expect(() => dkd.compute(s, s, { gtLabels: [0, 4] })).toThrow(
      /gtLabels\[1\] = 4 is not a class index in \[0, 4\)/,
    );
    expectNoLeak(() => dkd.compute(s, tf.randomNormal([2, 4]), { gtLabels: [1, 2] }));
  });
});

describe("dkd background: skip (dense detector maps)", () => {
  it("a background row (label C) adds nothing: the loss equals the one of the labelled rows, divisor N kept", () => {
    const s = tf.tensor3d([
      [
        [0.3, -1.2, 2.0],
        [1.5, 0.1, -0.7],
      ],
    ]); // [N=1, 2 rows, C=3]
    const t = tf.tensor3d([
      [
        [1.1, 0.4, -0.2],
        [-0.5, 2.2, 0.9],
      ],
    ]);
    const dkd = createDkd({ background: "skip" });
    const both = dkd.compute(s, t, { gtLabels: [2, 3] });
    const first = createDkd().compute(s.slice([0, 0, 0], [1, 1, 3]), t.slice([0, 0, 0], [1, 1, 3]), {
      gtLabels: [2],
    });
    expect(both.total.dataSync()[0]).toBeCloseTo(first.total.dataSync()[0]!, 6);
    expect(both.parts.nckd!.dataSync()[0]).toBeGreaterThan(0);
    expect(() => createDkd().compute(s, t, { gtLabels: [2, 3] })).toThrow(/not a class index in \[0, 3\)$/);
    expect(() => dkd.compute(s, t, { gtLabels: [2, 4] })).toThrow(/or the background 3/);
  });
});
