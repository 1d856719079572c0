import { describe, expect, it } from "vitest";
import { makeAnchorPoints } from "../heads/anchors";
import { taskAlignedAssign } from "./task-aligned-assigner";

// 4×4 grid of stride 8 on a 32×32 image: anchor centres at 4, 12, 20, 28; anchor index = 4·row + col.
const { points: anchors } = makeAnchorPoints([[4, 4]], [8]);
const A = 16;
const C = 3;

/** Predicted boxes: each anchor predicts `box` (same for all), scores default 0.1. */
function preds(
  box: number[],
  scoreOf: Record<number, [number, number]> = {},
): { predBoxes: Float32Array; scores: Float32Array } {
  const predBoxes = new Float32Array(A * 4);
  for (let a = 0; a < A; a++) predBoxes.set(box, 4 * a);
  const scores = new Float32Array(A * C).fill(0.1);
  for (const [a, [c, s]] of Object.entries(scoreOf)) scores[Number(a) * C + c] = s;
  return { predBoxes, scores };
}

describe("taskAlignedAssign (hand cases)", () => {
  it("keeps the top-k candidates by score^α·IoU^β and normalises target scores by the best alignment", () => {
    // gt [0,0,16,16] contains anchors 0 (4,4), 1 (12,4), 4 (4,12), 5 (12,12). All predict the gt exactly (CIoU = 1).
    const gt = [0, 0, 16, 16];
    const p = preds(gt, { 0: [1, 0.9], 1: [1, 0.5], 4: [1, 0.2], 5: [1, 0.7] });
    const r = taskAlignedAssign(
      { numClasses: C, ...p, anchors, gtBoxes: new Float32Array(gt), gtLabels: new Int32Array([1]) },
      { topk: 2 },
    );
    expect(Array.from(r.fg)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.gtIndex[0]).toBe(0);
    expect(r.gtIndex[5]).toBe(0);
    expect(r.gtIndex[1]).toBe(-1);
    // t = s^0.5 · 1^6; target = t · max IoU (1) / max t (√0.9)
    expect(r.targetScores[0 * C + 1]).toBeCloseTo(1, 6);
    expect(r.targetScores[5 * C + 1]).toBeCloseTo(Math.sqrt(0.7 / 0.9), 6);
    expect(r.targetScores[5 * C + 0]).toBe(0);
    expect(r.targetScores[1 * C + 1]).toBe(0);
    expect(Array.from(r.targetBoxes.subarray(20, 24))).toEqual(gt);
    expect(Array.from(r.targetBoxes.subarray(4, 8))).toEqual([0, 0, 0, 0]);
  });

  it("uses the class score of the gt's own class", () => {
    const gt = [0, 0, 16, 16];
    // anchor 1 is confident in the wrong class 2: its class-0 score (0.1) ranks it last
    const p = preds(gt, { 0: [0, 0.6], 1: [2, 0.99], 4: [0, 0.5], 5: [0, 0.4] });
    const r = taskAlignedAssign(
      { numClasses: C, ...p, anchors, gtBoxes: new Float32Array(gt), gtLabels: new Int32Array([0]) },
      { topk: 3 },
    );
    expect([0, 1, 4, 5].map((a) => r.fg[a])).toEqual([1, 0, 1, 1]);
  });

  it("an anchor inside two gts goes to the gt its prediction overlaps more", () => {
    // gt0 [0,0,24,24] and gt1 [8,8,32,32] both contain anchors 5 (12,12), 6 (20,12), 9 (12,20), 10 (20,20).
    // every anchor predicts [8,8,30,30]: IoU with gt1 (0.84) > IoU with gt0 (0.32)
    const p = preds([8, 8, 30, 30]);
    const r = taskAlignedAssign(
      {
        numClasses: C,
        ...p,
        anchors,
        gtBoxes: new Float32Array([0, 0, 24, 24, 8, 8, 32, 32]),
        gtLabels: new Int32Array([0, 2]),
      },
      { topk: 10 },
    );
    for (const a of [5, 6, 9, 10]) {
      expect(r.fg[a]).toBe(1);
      expect(r.gtIndex[a]).toBe(1);
      expect(r.targetScores[a * C + 0]).toBe(0);
      expect(r.targetScores[a * C + 2]).toBeGreaterThan(0);
    }
    // anchors only inside gt0 stay with gt0
    for (const a of [0, 1, 2, 4, 8]) expect(r.gtIndex[a]).toBe(0);
    // anchors only inside gt1
    for (const a of [11, 14, 15]) expect(r.gtIndex[a]).toBe(1);
  });

  it("centres on a box edge are not candidates; zero-area and absent gts give no positives", () => {
    const p = preds([0, 0, 12, 12]);
    // gt [4,4,12,12]: anchor 0 (4,4) and anchor 5 (12,12) lie on its corners, none strictly inside
    const edge = taskAlignedAssign({
      numClasses: C,
      ...p,
      anchors,
      gtBoxes: new Float32Array([4, 4, 12, 12]),
      gtLabels: new Int32Array([0]),
    });
    expect(edge.fg.reduce((a, b) => a + b, 0)).toBe(0);
    const zero = taskAlignedAssign({
      numClasses: C,
      ...p,
      anchors,
      gtBoxes: new Float32Array([12, 12, 12, 12]),
      gtLabels: new Int32Array([0]),
    });
    expect(zero.fg.reduce((a, b) => a + b, 0)).toBe(0);
    const none = taskAlignedAssign({
      numClasses: C,
      ...p,
      anchors,
      gtBoxes: new Float32Array(0),
      gtLabels: new Int32Array(0),
    });
    expect(none.fg.reduce((a, b) => a + b, 0)).toBe(0);
    expect(none.targetScores.every((v) => v === 0)).toBe(true);
  });

  it("rejects a class index outside 0..C−1", () => {
    const p = preds([0, 0, 16, 16]);
    expect(() =>
      taskAlignedAssign({
        numClasses: C,
        ...p,
        anchors,
        gtBoxes: new Float32Array([0, 0, 16, 16]),
        gtLabels: new Int32Array([3]),
      }),
    ).toThrow(/class 3, allowed 0..2/);
  });
});
