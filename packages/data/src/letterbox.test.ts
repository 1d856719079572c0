import { describe, expect, it } from "vitest";
import { unmapBoxes } from "./box-transform";
import { letterbox, letterboxGeometry } from "./letterbox";
import { createRng } from "./rng";
import { boxesInside, colourBox, maxDiff, firstDifference } from "./test-fixtures-geometry";
import { rectsImage, sampleOf } from "./test-fixtures";

describe("letterbox", () => {
  it("has the hand-computed geometry", () => {
    expect(letterboxGeometry(640, 480, 320, 320)).toEqual({ w: 320, h: 240, left: 0, top: 40 });
    expect(letterboxGeometry(480, 640, 320, 320)).toEqual({ w: 240, h: 320, left: 40, top: 0 });
    expect(letterboxGeometry(100, 50, 320, 320)).toEqual({ w: 320, h: 160, left: 0, top: 80 });
    expect(letterboxGeometry(100, 50, 320, 320, false)).toEqual({ w: 100, h: 50, left: 110, top: 135 });
    expect(letterboxGeometry(333, 500, 320, 256)).toEqual({ w: 170, h: 256, left: 75, top: 0 });
  });

  it("property: boxes stay inside, and letterbox then inverse maps boxes back within 1e-4", () => {
    const rng = createRng(11);
    for (let t = 0; t < 150; t++) {
      const W = 1 + rng.int(1000),
        H = 1 + rng.int(1000),
        S = 32 + rng.int(600);
      const boxes = Array.from({ length: 1 + rng.int(5) }, () => {
        const x1 = rng.uniform(0, W * 0.9),
          y1 = rng.uniform(0, H * 0.9);
        return [x1, y1, rng.uniform(x1 + W * 0.01, W), rng.uniform(y1 + H * 0.01, H)];
      });
      const s = sampleOf({ data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 }, boxes);
      const out = letterbox(s, { width: S, height: S });
      expect([out.image.width, out.image.height]).toEqual([S, S]);
      expect(boxesInside(out.boxes, S, S)).toBe(true);
      expect(maxDiff(unmapBoxes(out.boxes, out.transform!), s.boxes), `${W}x${H}→${S}`).toBeLessThan(1e-4);
      expect(Array.from(out.classes)).toEqual(Array.from(s.classes));
    }
  });

  it("the pixels of a rectangle land on its mapped box; padding is the fill value; input untouched", () => {
    const img = rectsImage(200, 100, [{ box: [40, 20, 120, 60], rgb: [250, 20, 20] }]);
    const s = sampleOf(img, [[40, 20, 120, 60]]);
    const before = img.data.slice();
    const out = letterbox(s, { width: 128, height: 128, fill: 7 });
    // r = 0.64: 128×64 at top 32; box → [25.6, 44.8, 76.8, 70.4]
    expect(Array.from(out.boxes)).toEqual(Array.from(Float32Array.from([25.6, 44.8, 76.8, 70.4])));
    expect(maxDiff(colourBox(out.image, [250, 20, 20], 60)!, out.boxes)).toBeLessThanOrEqual(1);
    expect(out.image.data[0]).toBe(7);
    expect(out.image.data[(127 * 128 + 127) * 3]).toBe(7);
    expect(firstDifference(img.data, before)).toBe(-1);
    expect(s.boxes[0]).toBe(40);
  });

  it("works on float images (fill/255)", () => {
    const s = sampleOf(
      { data: new Float32Array(10 * 20 * 3).fill(0.5), width: 10, height: 20, channels: 3 },
      [[1, 1, 5, 5]],
    );
    const out = letterbox(s, { width: 40, height: 40 });
    expect(out.image.data).toBeInstanceOf(Float32Array);
    expect(out.image.data[0]).toBeCloseTo(114 / 255, 6);
    expect(out.image.data[(20 * 40 + 20) * 3]).toBeCloseTo(0.5, 6);
  });
});
