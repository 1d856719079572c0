import { describe, expect, it } from "vitest";
import { applyOrientation, boxDownsample, resizeBilinear } from "./resize";
import { colourBox, maxDiff, firstDifference } from "./test-fixtures-geometry";
import { gradientImage, rectsImage } from "./test-fixtures";

describe("resize", () => {
  it("keeps constant images constant and copies at the same size", () => {
    const img = { data: new Uint8Array(37 * 29 * 3).fill(77), width: 37, height: 29, channels: 3 as const };
    for (const [w, h] of [
      [10, 7],
      [100, 80],
      [37, 29],
      [5, 50],
    ])
      expect(new Set(resizeBilinear(img, w!, h!).data)).toEqual(new Set([77]));
    const g = gradientImage(9, 9);
    const c = resizeBilinear(g, 9, 9);
    expect(firstDifference(c.data, g.data)).toBe(-1);
    expect(c.data).not.toBe(g.data);
  });

  it("2× box downsampling averages 2×2 blocks (hand case), partial last blocks use existing pixels", () => {
    const data = Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50, 50, 50, 60, 60, 60]); // 3×2
    const d = boxDownsample({ data, width: 3, height: 2, channels: 3 }, 2);
    expect([d.width, d.height]).toEqual([2, 1]);
    expect(Array.from(d.data)).toEqual([30, 30, 30, 45, 45, 45]); // (10+20+40+50)/4, (30+60)/2
  });

  it("a rectangle scales with its box (half-pixel centres): up and down", () => {
    const img = rectsImage(100, 60, [{ box: [20, 10, 60, 40], rgb: [255, 0, 0] }], 0);
    expect(colourBox(resizeBilinear(img, 50, 30), [255, 0, 0], 10)).toEqual([10, 5, 30, 20]);
    // Enlarging blurs each edge over one pixel: the box is found within 1 px.
    expect(
      maxDiff(colourBox(resizeBilinear(img, 200, 120), [255, 0, 0], 10)!, [40, 20, 120, 80]),
    ).toBeLessThanOrEqual(1);
    expect(maxDiff(colourBox(resizeBilinear(img, 200, 120), [255, 0, 0], 130)!, [40, 20, 120, 80])).toBe(0);
    expect(colourBox(resizeBilinear(img, 25, 15), [255, 0, 0], 10)).toEqual([5, 3, 15, 10]);
  });

  it("EXIF orientations: 6∘8 and 5∘5, 7∘7, 2∘2 are identities; 3 = 2∘4", () => {
    const g = gradientImage(7, 4);
    expect(firstDifference(applyOrientation(applyOrientation(g, 6), 8).data, g.data)).toBe(-1);
    for (const o of [2, 4, 5, 7, 3])
      expect(firstDifference(applyOrientation(applyOrientation(g, o), o).data, g.data)).toBe(-1);
    expect(
      firstDifference(applyOrientation(g, 3).data, applyOrientation(applyOrientation(g, 2), 4).data),
    ).toBe(-1);
  });
});
