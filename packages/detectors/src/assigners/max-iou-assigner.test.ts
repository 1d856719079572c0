import { describe, expect, it } from "vitest";
import { maxIouAssign } from "./max-iou-assigner";

const f = (xs: number[][]): number[] => xs.flat();

describe("maxIouAssign (hand cases)", () => {
  // IoUs with g0 [0,0,10,10]: a0 1, a1 1/3, a2 100/220 = 0.455; with g1 [60,0,64,10]: a3 0.4, a4 0.4; a5 none
  const anchors = f([
    [0, 0, 10, 10],
    [5, 0, 15, 10],
    [0, 0, 10, 22],
    [60, 0, 70, 10],
    [54, 0, 64, 10],
    [100, 100, 110, 110],
  ]);
  const gts = f([
    [0, 0, 10, 10],
    [60, 0, 64, 10],
  ]);

  it("positive ≥ 0.5, background < 0.4, ignored between; each gt's best anchors forced positive", () => {
    expect(Array.from(maxIouAssign(anchors, gts))).toEqual([0, -1, -2, 1, 1, -1]);
  });

  it("without low-quality matching the 0.4 anchors stay ignored; gtMaxAssignAll off forces only the first tie", () => {
    expect(Array.from(maxIouAssign(anchors, gts, { matchLowQuality: false }))).toEqual([
      0, -1, -2, -2, -2, -1,
    ]);
    expect(Array.from(maxIouAssign(anchors, gts, { gtMaxAssignAll: false }))).toEqual([0, -1, -2, 1, -2, -1]);
    // min_pos_iou above the best IoU of g1 (0.4): no forcing for it
    expect(Array.from(maxIouAssign(anchors, gts, { minPosIou: 0.45 }))).toEqual([0, -1, -2, -2, -2, -1]);
  });

  it("a later gt's forced match overrides an earlier gt's IoU match (mmdet order)", () => {
    // b0 has IoU 0.9 with g0 [0,0,10,9] and 0.5 with g1 [0,0,10,20]; b0 is the best anchor of both
    const r = maxIouAssign(
      f([
        [0, 0, 10, 10],
        [50, 50, 60, 60],
      ]),
      f([
        [0, 0, 10, 9],
        [0, 0, 10, 20],
      ]),
    );
    expect(Array.from(r)).toEqual([1, -1]);
  });

  it("no gts → background; a gt overlapping no anchor forces nothing", () => {
    expect(Array.from(maxIouAssign(anchors, []))).toEqual(new Array(6).fill(-1));
    expect(Array.from(maxIouAssign(anchors, f([[200, 200, 210, 210]])))).toEqual(new Array(6).fill(-1));
  });
});
