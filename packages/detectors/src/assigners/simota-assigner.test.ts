import { describe, expect, it } from "vitest";
import { makeAnchorPoints } from "../heads/anchors";
import { simOtaAssign, type SimOtaOptions } from "./simota-assigner";

// 8×8 grid of stride 8 on a 64×64 image: anchor centres at 4, 12, …, 60; anchor index = 8·row + col.
const { points: anchors, strides } = makeAnchorPoints([[8, 8]], [8]);
const A = 64;
const C = 3;
const FAR = [48, 48, 56, 56]; // IoU 0 with every gt below

interface Case {
  gts: number[];
  labels: number[];
  /** Predicted box per anchor (default FAR). */
  box?: Record<number, number[]>;
  /** σ(cls) of the given class per anchor (other entries `clsDefault`). */
  cls?: Record<number, [number, number]>;
  clsDefault?: number;
  /** σ(obj) per anchor (default 1). */
  obj?: Record<number, number>;
  opts?: SimOtaOptions;
}

function run(c: Case): ReturnType<typeof simOtaAssign> {
  const predBoxes = new Float32Array(A * 4);
  for (let a = 0; a < A; a++) predBoxes.set(c.box?.[a] ?? FAR, 4 * a);
  const clsProbs = new Float32Array(A * C).fill(c.clsDefault ?? 0.5);
  for (const [a, [k, p]] of Object.entries(c.cls ?? {})) clsProbs[Number(a) * C + k] = p;
  const objProbs = new Float32Array(A).fill(1);
  for (const [a, p] of Object.entries(c.obj ?? {})) objProbs[Number(a)] = p;
  return simOtaAssign(
    {
      numClasses: C,
      clsProbs,
      objProbs,
      predBoxes,
      anchors,
      strides,
      gtBoxes: new Float32Array(c.gts),
      gtLabels: new Int32Array(c.labels),
    },
    c.opts,
  );
}

const fgList = (r: { fg: Uint8Array }): number[] =>
  Array.from(r.fg.entries())
    .filter(([, v]) => v)
    .map(([a]) => a);

// gt [0,0,16,16] (area 256) contains anchors 0 (4,4), 1 (12,4), 8 (4,12), 9 (12,12).
// Predicted [0,0,16,h] has IoU h/16: h = 14.4 → 0.9, 12.8 → 0.8, 9.6 → 0.6, 4.8 → 0.3.
const GT = [0, 0, 16, 16];
const GRADED = { 0: [0, 0, 16, 14.4], 1: [0, 0, 16, 12.8], 8: [0, 0, 16, 9.6], 9: [0, 0, 16, 4.8] };

describe("simOtaAssign (hand cases)", () => {
  it("dynamic k = ⌊Σ top-10 IoU⌋ and the k cheapest candidates win", () => {
    // IoU sum 0.9 + 0.8 + 0.6 + 0.3 = 2.6 → k = 2; equal class scores, so the two best IoUs have the lowest cost
    const r = run({ gts: GT, labels: [1], box: GRADED });
    expect(fgList(r)).toEqual([0, 1]);
    expect(r.numFg).toBe(2);
    expect(r.gtIndex[0]).toBe(0);
    expect(r.gtIndex[8]).toBe(-1);
    expect(r.iou[0]).toBeCloseTo(0.9, 6);
    expect(r.iou[1]).toBeCloseTo(0.8, 6);
    expect(r.iou[8]).toBe(0);
  });

  it("the class cost is BCE of √(σ(cls)·σ(obj)) at the gt's class", () => {
    // other classes 0 (no cost); label-1 probabilities p → cost −log √p + 3·(−log IoU):
    // a0: p .25 → .693 + .316 = 1.01; a1: p .01 → 2.303 + .669 = 2.97; a8: p 1 → 0 + 1.532; a9: p .25 → .693 + 3.612
    const cls = { 0: [1, 0.25], 1: [1, 0.01], 8: [1, 1], 9: [1, 0.25] } as Record<number, [number, number]>;
    expect(fgList(run({ gts: GT, labels: [1], box: GRADED, cls, clsDefault: 0 }))).toEqual([0, 8]);
    // σ(obj) of anchor 8 = 0.01: √(1·0.01) = 0.1 → 2.303 + 1.532 = 3.83 > a1's 2.97
    expect(fgList(run({ gts: GT, labels: [1], box: GRADED, cls, clsDefault: 0, obj: { 8: 0.01 } }))).toEqual([
      0, 1,
    ]);
  });

  it("k is at least 1; anchors not in both the box and the centre square pay 1e5", () => {
    // every prediction misses (IoU 0 → k = 1). Anchor 2 (20,4) is only in the centre square (|20−8| < 2.5·8) and has
    // the best class score, but its 1e5 penalty leaves the positive to anchor 9, the best in-box one.
    const r = run({ gts: GT, labels: [0], cls: { 2: [0, 1], 9: [0, 0.81] }, clsDefault: 0.25 });
    expect(fgList(r)).toEqual([9]);
    expect(r.iou[9]).toBe(0);
    // a 6 px gt holds no anchor centre: all its candidates come from the centre square and pay 1e5; the class score decides
    const tiny = run({ gts: [5, 5, 11, 11], labels: [0], cls: { 18: [0, 0.9] }, clsDefault: 0.25 });
    expect(fgList(tiny)).toEqual([18]);
  });

  it("candidates are the anchors inside the gt box or its centre square (radius · stride)", () => {
    // all 64 anchors predict the gt exactly. Radius 2.5 → centres with |c − 8| < 20 on both axes: columns/rows 0..2,
    // 9 candidates with IoU 1 → k = 9, every candidate is positive and nothing else (anchor 3 at (28,4) is not one)
    const all = Object.fromEntries(Array.from({ length: A }, (_, a) => [a, GT]));
    expect(fgList(run({ gts: GT, labels: [0], box: all }))).toEqual([0, 1, 2, 8, 9, 10, 16, 17, 18]);
    // radius 1 → |c − 8| < 8: the 4 in-box anchors only
    expect(fgList(run({ gts: GT, labels: [0], box: all, opts: { centerRadius: 1 } }))).toEqual([0, 1, 8, 9]);
    // topk 3 → k = ⌊3 · 1⌋ = 3, the 3 lowest anchor indices among the tied in-box-and-centre ones
    expect(fgList(run({ gts: GT, labels: [0], box: all, opts: { candidateTopk: 3 } }))).toEqual([0, 1, 8]);
  });

  it("the centre square scales with the anchor's stride", () => {
    // two anchors at (40, 8): stride 8 (square ±20 around (8,8): no) and stride 16 (±40: yes)
    const r = simOtaAssign({
      numClasses: 1,
      clsProbs: [0.5, 0.5],
      objProbs: [1, 1],
      predBoxes: [...FAR, ...FAR],
      anchors: [40, 8, 40, 8],
      strides: [8, 16],
      gtBoxes: GT,
      gtLabels: [0],
    });
    expect(Array.from(r.fg)).toEqual([0, 1]);
  });

  it("an anchor taken by several gts goes to the cheaper one, and the other gt is not re-matched", () => {
    // gt0 [0,0,24,24] and gt1 [8,8,32,32]; only anchor 18 (20,20) predicts something: [8,8,30,30],
    // IoU with gt1 = 484/576 = 0.840, with gt0 = 256/804 = 0.318 → k = 1 for both, both take anchor 18;
    // costs 3·(−log .840) = 0.52 < 3·(−log .318) = 3.43 → gt1
    const r = run({ gts: [0, 0, 24, 24, 8, 8, 32, 32], labels: [0, 2], box: { 18: [8, 8, 30, 30] } });
    expect(fgList(r)).toEqual([18]);
    expect(r.gtIndex[18]).toBe(1);
    expect(r.iou[18]).toBeCloseTo(484 / 576, 6);
  });

  it("no gts, zero-area gts and bad class indices", () => {
    expect(run({ gts: [], labels: [] }).numFg).toBe(0);
    const zero = run({ gts: [8, 8, 8, 20], labels: [0] });
    expect(zero.numFg).toBe(0);
    expect(zero.gtIndex.every((v) => v === -1)).toBe(true);
    expect(() => run({ gts: GT, labels: [3] })).toThrow(/gt 0 has class 3, allowed 0..2/);
  });
});
