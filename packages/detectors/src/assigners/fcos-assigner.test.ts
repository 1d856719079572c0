import { describe, expect, it } from "vitest";
import { fcosAssign } from "./fcos-assigner";

/** Cell-centre points of an n×n map at stride s (row-major), flat (x, y). */
const grid = (n: number, s: number): number[] =>
  Array.from({ length: n * n }, (_, k) => [((k % n) + 0.5) * s, (Math.floor(k / n) + 0.5) * s]).flat();
const positives = (r: Int32Array, j: number): number[] => [...r.keys()].filter((p) => r[p] === j);

describe("fcosAssign (hand cases)", () => {
  const one = { points: grid(4, 8), levelCounts: [16], strides: [8] };

  it("a location inside several gts takes the one of smallest area", () => {
    // points at 4, 12, 20, 28; the inner four lie inside both gts, g1 is smaller
    const r = fcosAssign({ ...one, gtBoxes: [0, 0, 32, 32, 8, 8, 24, 24] }, { centerSampling: false });
    expect(positives(r, 1)).toEqual([5, 6, 9, 10]);
    expect(positives(r, 0)).toEqual([0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 14, 15]);
  });

  it("inside means strictly inside (min distance > 0)", () => {
    // (4,4) and (20,·)/(·,20) lie on the border of [4,4,20,20]
    const r = fcosAssign({ ...one, gtBoxes: [4, 4, 20, 20] }, { centerSampling: false });
    expect(positives(r, 0)).toEqual([5]);
  });

  it("the largest regression distance picks the level", () => {
    // level 0 (stride 8, 4×4) takes max distance in [−1, 10], level 1 (stride 16, 2×2) in [10, ∞)
    const input = {
      points: [...grid(4, 8), ...grid(2, 16)],
      levelCounts: [16, 4],
      strides: [8, 16],
      gtBoxes: [0, 0, 32, 32, 8, 8, 16, 16],
    };
    const r = fcosAssign(input, {
      centerSampling: false,
      regressRanges: [
        [-1, 10],
        [10, 1e8],
      ],
    });
    // big gt: every level-0 location is ≥ 20 px from an edge → only level 1 (max distance 24); small gt: (12,12), max 4
    expect(positives(r, 0)).toEqual([16, 17, 18, 19]);
    expect(positives(r, 1)).toEqual([5]);
  });

  it("centre sampling keeps locations within radius·stride of the gt centre, clipped to the gt", () => {
    // [0,0,32,32], r = 1.5·8: centre box [4,28]² → the four inner points; without it all 16
    expect(positives(fcosAssign({ ...one, gtBoxes: [0, 0, 32, 32] }), 0)).toEqual([5, 6, 9, 10]);
    expect(
      positives(fcosAssign({ ...one, gtBoxes: [0, 0, 32, 32] }, { centerSampling: false }), 0),
    ).toHaveLength(16);
    // narrow [0,0,10,32]: centre box x ∈ [max(5−12, 0), min(17, 10)] = [0, 10], y ∈ [4, 28] → x = 4, y = 12, 20
    expect(positives(fcosAssign({ ...one, gtBoxes: [0, 0, 10, 32] }), 0)).toEqual([4, 8]);
    // radius 0.5: centre box [12,20]² has the points on its border only → none
    expect(positives(fcosAssign({ ...one, gtBoxes: [0, 0, 32, 32] }, { radius: 0.5 }), 0)).toEqual([]);
  });

  it("no gts give background; inconsistent levels throw", () => {
    expect(Array.from(fcosAssign({ ...one, gtBoxes: [] }))).toEqual(new Array(16).fill(-1));
    expect(() => fcosAssign({ ...one, levelCounts: [10], gtBoxes: [] })).toThrow(
      /level counts sum to 10, got 16 points/,
    );
    expect(() => fcosAssign({ ...one, strides: [], gtBoxes: [] })).toThrow(
      /1 levels need as many strides \(got 0\)/,
    );
  });
});
