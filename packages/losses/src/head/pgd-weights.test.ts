import { Rng } from "@kdet/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pgdBackgroundWeights, pgdKeyWeights } from "./pgd-weights";
import { goldenArray } from "../testing/golden";
import { expectedArray, goldenCases, goldenParams, tol } from "../testing/head-golden";

const Params = z.object({
  alpha: z.number(),
  topk: z.number().int(),
  low_bound: z.number(),
  ignore_iof_thr: z.number().max(0),
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("pgd key-position weights golden vectors (pgd_weights)", () => {
  for (const file of goldenCases("pgd_weights")) {
    it(`${file.vector}: weights, background weights, top-k indices`, () => {
      const p = goldenParams(file, Params);
      const arr = (k: string) => goldenArray(file.inputs[k], k).data as number[];
      const anchors = arr("anchors");
      const { weights, topkIdxs } = pgdKeyWeights(
        {
          anchors,
          teacherCls: arr("teacher_cls_scores"),
          teacherBoxes: arr("teacher_bbox_preds"),
          gtBoxes: arr("gt_bboxes"),
          gtLabels: arr("gt_labels"),
          rand: arr("rand_uniform"),
        },
        { alpha: p.alpha, topk: p.topk, lowBound: p.low_bound },
      );
      expect(Array.from(topkIdxs)).toEqual(expectedArray(file, "intermediates_f64", "topk_idxs").data);
      expect(
        maxAbsDiff(weights, expectedArray(file, "outputs_f64", "weights").data as number[]),
      ).toBeLessThanOrEqual(tol(file, "outputs_atol_f64"));
      const back = pgdBackgroundWeights(anchors, arr("gt_bboxes"));
      expect(
        maxAbsDiff(back, expectedArray(file, "outputs_f64", "back_weights").data as number[]),
      ).toBeLessThanOrEqual(tol(file, "outputs_atol_f64"));
    });
  }
});

describe("pgd key-position weights", () => {
  // 3×3 grid of 8-px anchors, one GT covering the centre cell; teacher predicts the GT box everywhere.
  const anchors = [...Array(9).keys()].flatMap((i) => [
    (i % 3) * 8,
    Math.floor(i / 3) * 8,
    (i % 3) * 8 + 8,
    Math.floor(i / 3) * 8 + 8,
  ]);
  const gt = [6, 6, 18, 18];
  const teacherBoxes = Array.from({ length: 9 }, () => gt).flat();

  it("k = 1 puts weight 1 on the best anchor whose centre is inside; no GT → zeros, all background", () => {
    const teacherCls = Array.from({ length: 9 }, (_, i) => (i === 4 ? 3 : -3));
    const { weights } = pgdKeyWeights(
      { anchors, teacherCls, teacherBoxes, gtBoxes: gt, gtLabels: [0], rng: new Rng(1) },
      { alpha: 0.8, topk: 1 },
    );
    expect(Array.from(weights)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const none = pgdKeyWeights(
      { anchors, teacherCls, teacherBoxes, gtBoxes: [], gtLabels: [], rng: new Rng(1) },
      { alpha: 0.8 },
    );
    expect(Array.from(none.weights)).toEqual(new Array(9).fill(0));
    expect(Array.from(pgdBackgroundWeights(anchors, []))).toEqual(new Array(9).fill(1));
    expect(Array.from(pgdBackgroundWeights(anchors, gt))).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it("a GT box outside the map: no weights, everything background, finite", () => {
    const far = [500, 500, 540, 560];
    const teacherCls = new Array(9).fill(1);
    const { weights } = pgdKeyWeights(
      { anchors, teacherCls, teacherBoxes, gtBoxes: far, gtLabels: [0], rng: new Rng(3) },
      { alpha: 0.8 },
    );
    expect(Array.from(weights)).toEqual(new Array(9).fill(0));
    expect(Array.from(pgdBackgroundWeights(anchors, far))).toEqual(new Array(9).fill(1));
  });

  it("top-k larger than the anchor count is clamped; Gaussian weight peaks near the candidates' mean", () => {
    const teacherCls = new Array(9).fill(0);
    const { weights, topkIdxs } = pgdKeyWeights(
      { anchors, teacherCls, teacherBoxes, gtBoxes: gt, gtLabels: [0], rng: new Rng(2) },
      { alpha: 0.5, topk: 20 },
    );
    expect(topkIdxs.length).toBe(9);
    expect(weights[4]).toBeGreaterThan(0.99); // centre anchor at the mean, inside the GT
    expect(weights.filter((w, i) => i !== 4 && w > 0).length).toBe(0); // other centres are outside the GT
    expect(() =>
      pgdKeyWeights({ anchors, teacherCls, teacherBoxes, gtBoxes: gt, gtLabels: [3] }, { alpha: 0.5 }),
    ).toThrow(/gtLabels\[0\] = 3 is not in \[0, 1\)/);
  });
});
