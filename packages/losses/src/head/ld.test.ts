import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLd, ldPositiveIndices } from "./ld";
import { useCpuBackend } from "../testing/backend";
import { featureNhwc, toTensor } from "../testing/golden";
import {
  expectedArray,
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
  num_classes: z.number().int(),
  reg_max: z.number().int(),
  T: z.number(),
  loss_weight: z.number(),
  reduction: z.literal("mean"),
  avg_factor: z.number(),
});

beforeAll(useCpuBackend);

describe("ld golden vectors", () => {
  for (const file of goldenCases("ld")) {
    it(`${file.vector}: loss, sum-over-bins variant, positives, gradient`, () => {
      const p = goldenParams(file, Params);
      const cfg = { tau: p.T, regMax: p.reg_max, avgFactor: p.avg_factor };
      const s = featureNhwc(file.inputs.bbox_pred, "bbox_pred");
      const t = featureNhwc(file.inputs.soft_targets, "soft_targets");
      const labels = toTensor(file.inputs.labels, "labels");
      const ctx = { studentCls: featureNhwc(file.inputs.cls_score, "cls_score"), assignedLabels: labels };
      expect(ctx.studentCls.shape[3]).toBe(p.num_classes);
      const ld = weighted(createLd(cfg), p.loss_weight);
      expectLossClose(file, ld.compute(s, t, ctx).total);
      const sum = weighted(createLd({ ...cfg, binReduction: "sum" }), p.loss_weight).compute(s, t, ctx).total;
      expectLossClose(file, sum, expectedNumber(file, "variants_f64", "sum_over_bins"), "sum_over_bins");
      const pos = ldPositiveIndices(labels.dataSync(), p.num_classes);
      expect(Array.from(pos)).toEqual(expectedArray(file, "intermediates_f64", "pos_inds").data);
      expectGradClose(file, [tf.grad((x: tf.Tensor) => ld.compute(x, t, ctx).total)(s)]);
    });
  }
});

describe("ld", () => {
  const mk = (n: number, h: number, w: number, seed: number, scale = 1) =>
    tf.mul(tf.randomNormal([n, h, w, 4 * 5], 0, 1, "float32", seed), scale);
  const ld = createLd({ regMax: 4, tau: 2, avgFactor: 1 });

  it("equals a hand-computed single-position value and ignores negatives", () => {
    const s = mk(1, 1, 2, 1);
    const t = mk(1, 1, 2, 2);
    const cls = tf.tensor4d([
      [
        [
          [0.5, -1],
          [3, 2],
        ],
      ],
    ]); // ω = σ(0.5) at the positive
    const r = ld
      .compute(s, t, { studentCls: cls, assignedLabels: new Int32Array([0, 2]) })
      .total.dataSync()[0]!;
    const sd = s.dataSync();
    const td = t.dataSync();
    let hand = 0;
    for (let e = 0; e < 4; e++) {
      const sl = Array.from(sd.slice(e * 5, e * 5 + 5), (v) => v / 2);
      const tl = Array.from(td.slice(e * 5, e * 5 + 5), (v) => v / 2);
      const lse = (v: number[]) => Math.log(v.reduce((a, b) => a + Math.exp(b), 0));
      const [ls, lt] = [lse(sl), lse(tl)];
      for (let b = 0; b < 5; b++) hand += Math.exp(tl[b]! - lt) * (tl[b]! - lt - (sl[b]! - ls));
    }
    hand *= (4 / 5) * (1 / (1 + Math.exp(-0.5)));
    expect(r).toBeCloseTo(hand, 5);
  });

  it("robust: no boxes (no positives) → 0; zeros, 1×1 map, extreme logits → finite", () => {
    const cls = tf.zeros([2, 3, 3, 2]);
    const none = ld.compute(mk(2, 3, 3, 3), mk(2, 3, 3, 4), {
      studentCls: cls,
      assignedLabels: new Int32Array(18).fill(2),
    });
    expect(none.total.dataSync()[0]).toBe(0);
    const cases: Array<[string, tf.Tensor, tf.Tensor, tf.Tensor]> = [
      ["all-zero", tf.zeros([2, 3, 3, 20]), tf.zeros([2, 3, 3, 20]), cls],
      ["single pixel", mk(1, 1, 1, 5), mk(1, 1, 1, 6), tf.zeros([1, 1, 1, 2])],
      ["±3e38", mk(2, 3, 3, 7, 3e38), mk(2, 3, 3, 8, 3e38), tf.mul(cls, 3e38)],
    ];
    for (const [name, s, t, c] of cases) {
      const ctx = { studentCls: c, assignedLabels: new Int32Array(s.size / 20).fill(1) };
      expectFinite(
        name,
        ld.compute(s, t, ctx).total,
        tf.grad((x: tf.Tensor) => ld.compute(x, t, ctx).total)(s),
      );
    }
  });

  it("validates inputs and leaves no tensors", () => {
    const s = mk(1, 2, 2, 9);
    const cls = tf.zeros([1, 2, 2, 3]);
    expect(() => ld.compute(s, s)).toThrow(/ld: ctx.studentCls is required/);
    expect(() => ld.compute(s, s, { studentCls: cls })).toThrow(/ctx.assignedLabels is required/);
    expect(() => ld.compute(tf.zeros([1, 2, 2, 8]), tf.zeros([1, 2, 2, 8]), { studentCls: cls })).toThrow(
      /8 channels, expected 4·\(regMax\+1\) = 20/,
    );
    expectNoLeak(() =>
      ld.compute(s, mk(1, 2, 2, 10), { studentCls: cls, assignedLabels: new Int32Array([0, 1, 3, 3]) }),
    );
  });
});
