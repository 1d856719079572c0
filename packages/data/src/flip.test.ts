import { describe, expect, it } from "vitest";
import { unmapBoxes } from "./box-transform";
import { hflip, randomHFlip } from "./flip";
import { createRng } from "./rng";
import { colourBox, maxDiff, firstDifference } from "./test-fixtures-geometry";
import { gradientImage, rectsImage, sampleOf } from "./test-fixtures";

describe("horizontal flip", () => {
  it("maps [x1, x2] to [W − x2, W − x1] and moves the pixels with it", () => {
    const img = rectsImage(50, 30, [{ box: [10, 5, 20, 15], rgb: [0, 250, 0] }]);
    const f = hflip(sampleOf(img, [[10, 5, 20, 15]]));
    expect(Array.from(f.boxes)).toEqual([30, 5, 40, 15]);
    expect(colourBox(f.image, [0, 250, 0])).toEqual([30, 5, 40, 15]);
    expect(Array.from(unmapBoxes(f.boxes, f.transform!))).toEqual([10, 5, 20, 15]);
  });

  it("property: flipping twice is the identity (pixels and transform exactly, float32 boxes to 1 ulp of W)", () => {
    const rng = createRng(3);
    for (let t = 0; t < 50; t++) {
      const W = 1 + rng.int(80),
        H = 1 + rng.int(80);
      const x1 = rng.uniform(0, W / 2),
        y1 = rng.uniform(0, H / 2);
      const s = sampleOf(gradientImage(W, H), [[x1, y1, rng.uniform(x1 + 0.1, W), rng.uniform(y1 + 0.1, H)]]);
      const back = hflip(hflip(s));
      expect(firstDifference(back.image.data, s.image.data)).toBe(-1);
      // W − (W − x) is exact in real arithmetic; in float32 each W − x rounds to the ulp of W.
      expect(maxDiff(back.boxes, s.boxes)).toBeLessThanOrEqual(W * 2 ** -23);
      expect(maxDiff(back.boxes, s.boxes)).toBeLessThan(1e-5);
      expect(back.transform).toEqual(s.transform);
    }
  });

  it("randomHFlip flips with probability p and is a pure function of the stream", () => {
    const s = sampleOf(gradientImage(8, 4), [[1, 1, 3, 3]]);
    let flipped = 0;
    const rng = createRng(5);
    for (let i = 0; i < 2000; i++) if (randomHFlip(s, rng, { p: 0.3 }).boxes[0] !== 1) flipped++;
    expect(Math.abs(flipped / 2000 - 0.3)).toBeLessThan(0.04);
    expect(randomHFlip(s, createRng(1), { p: 0.5 }).boxes).toEqual(
      randomHFlip(s, createRng(1), { p: 0.5 }).boxes,
    );
    expect(() => randomHFlip(s, rng, { p: 2 })).toThrow(/random flip.*p/);
  });
});
