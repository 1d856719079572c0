/**
 * accumulate() against a naive transcription of pycocotools' accumulate (per-detection pr / rc arrays, envelope,
 * searchsorted 'left', stop at the first threshold past the last detection), on random data and non-default
 * parameters the shared cases do not cover (41 IoU thresholds, i.e. two mask words; other maxDets; unsorted
 * recThrs). Also: the matching at each threshold does not depend on the other thresholds.
 */
import { describe, expect, it } from "vitest";
import { accumulate } from "./accumulate";
import type { CocoParams } from "./coco-params";
import { CODE_FP, CODE_TP, codeAt, evaluate, type EvalState } from "./evaluate";
import { loadGroundTruth, loadResults, type GroundTruth, type Results } from "./load";
import { NP_SPACING_1 } from "./numpy-float";

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Random images with clustered boxes, crowds, tied scores, unknown-size areas. */
function randomCase(seed: number): { gt: GroundTruth; dt: Results } {
  const r = rng(seed);
  const images = Array.from({ length: 6 }, (_, i) => ({ id: 10 + 3 * i }));
  const categories = [{ id: 1 }, { id: 4 }, { id: 7 }];
  const annotations: object[] = [];
  const results: object[] = [];
  let id = 1;
  for (const im of images) {
    for (let g = 0; g < 1 + Math.floor(r() * 6); g++) {
      const [x, y, w, h] = [r() * 200, r() * 200, 2 + r() * 120, 2 + r() * 120];
      const cat = categories[Math.floor(r() * 3)]!.id;
      annotations.push({
        id: id++,
        image_id: im.id,
        category_id: cat,
        bbox: [x, y, w, h],
        area: w * h * (0.5 + r() * 0.5),
        iscrowd: r() < 0.1 ? 1 : 0,
      });
      for (let d = 0; d < Math.floor(r() * 5); d++) {
        const j = () => (r() - 0.5) * 20;
        results.push({
          image_id: im.id,
          category_id: r() < 0.8 ? cat : categories[Math.floor(r() * 3)]!.id,
          bbox: [x + j(), y + j(), Math.max(0, w + j()), Math.max(0, h + j())],
          score: Math.round(r() * 20) / 20,
        });
      }
    }
    for (let d = 0; d < Math.floor(r() * 4); d++) {
      results.push({
        image_id: im.id,
        category_id: categories[Math.floor(r() * 3)]!.id,
        bbox: [r() * 300, r() * 300, r() * 50, r() * 50],
        score: Math.round(r() * 20) / 20,
      });
    }
  }
  const gt = loadGroundTruth({ images, categories, annotations });
  return { gt, dt: loadResults(results, gt) };
}

/** pycocotools' accumulate, line by line, on the matches of `ev`. */
function naiveAccumulate(ev: EvalState) {
  const { K, A, T, params } = ev;
  const { recThrs, maxDets } = params;
  const R = recThrs.length;
  const M = maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    if (!ev.hasE[k]) continue;
    for (let a = 0; a < A; a++) {
      const npig = ev.npig[k * A + a]!;
      if (npig === 0) continue;
      maxDets.forEach((maxDet, m) => {
        const slots: number[] = [];
        for (let s = ev.slotStart[k]!; s < ev.slotStart[k + 1]!; s++)
          if (ev.slotRank[s]! < maxDet) slots.push(s);
        slots.sort((x, y) => ev.slotScore[y]! - ev.slotScore[x]! || x - y);
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          const rc: number[] = [];
          const pr: number[] = [];
          for (const s of slots) {
            const c = codeAt(ev, s, a, t);
            if (c === CODE_TP) tp++;
            if (c === CODE_FP) fp++;
            rc.push(tp / npig);
            pr.push(tp / (fp + tp + NP_SPACING_1));
          }
          recall[((t * K + k) * A + a) * M + m] = slots.length ? rc[rc.length - 1]! : 0;
          for (let i = pr.length - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          const q = new Array<number>(R).fill(0);
          for (let j = 0; j < R; j++) {
            let i = 0; // searchsorted 'left' on a sorted rc
            while (i < rc.length && rc[i]! < recThrs[j]!) i++;
            if (i === rc.length) break; // pycocotools: IndexError ends the loop
            q[j] = pr[i]!;
          }
          q.forEach((v, j) => (precision[(((t * R + j) * K + k) * A + a) * M + m] = v));
        }
      });
    }
  }
  return { precision, recall };
}

/** "" when bit-identical, else the first differing index and values. */
function firstDiff(a: Float64Array, b: Float64Array): string {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `[${i}]: ${a[i]} != ${b[i]}`;
  return "";
}

const PARAMS: [string, CocoParams][] = [
  ["defaults", {}],
  [
    "41 IoU thresholds (two mask words), maxDets 1,2,3",
    { iouThrs: Array.from({ length: 41 }, (_, i) => 0.1 + i * 0.02), maxDets: [1, 2, 3] },
  ],
  ["unsorted recThrs, useCats 0", { recThrs: [0.5, 0, 0.25, 1, 0.75, 0.3333333333333333], useCats: false }],
  [
    "small areas only, maxDets 1,100",
    {
      areaRng: [
        [0, 2000],
        [2000, 5000],
      ],
      areaRngLbl: ["all", "mid"],
      maxDets: [100, 1],
    },
  ],
];

describe("accumulate equals the naive pycocotools transcription", () => {
  for (const [name, params] of PARAMS) {
    it(name, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const { gt, dt } = randomCase(seed);
        const ev = evaluate(gt, dt, params);
        const got = accumulate(ev);
        const want = naiveAccumulate(ev);
        expect(firstDiff(got.recall, want.recall), `seed ${seed} recall`).toBe("");
        expect(firstDiff(got.precision, want.precision), `seed ${seed} precision`).toBe("");
        expect(got.precision.some((v) => v > 0) && got.precision.some((v) => v === 0)).toBe(true); // not a trivial case
      }
    });
  }
});

describe("evaluate", () => {
  it("the matching at a threshold does not depend on the other thresholds (41 thresholds vs one at a time)", () => {
    const iouThrs = Array.from({ length: 41 }, (_, i) => 0.1 + i * 0.02);
    for (let seed = 1; seed <= 6; seed++) {
      const { gt, dt } = randomCase(seed);
      const all = evaluate(gt, dt, { iouThrs });
      iouThrs.forEach((t, ti) => {
        const one = evaluate(gt, dt, { iouThrs: [t] });
        expect([...one.slotDet]).toStrictEqual([...all.slotDet]);
        for (let s = 0; s < all.slotDet.length; s++) {
          for (let a = 0; a < all.A; a++)
            expect(codeAt(all, s, a, ti), `seed ${seed} t ${t} slot ${s}`).toBe(codeAt(one, s, a, 0));
        }
      });
    }
  });
});
