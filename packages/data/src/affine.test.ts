import { describe, expect, it } from "vitest";
import { drawAffine, randomAffine, AffineSchema } from "./affine";
import { unmapBoxes } from "./box-transform";
import { createRng } from "./rng";
import { boxesInside, colourBox, maxDiff } from "./test-fixtures-geometry";
import { rectsImage, sampleOf } from "./test-fixtures";

const RED: [number, number, number] = [240, 10, 10];

describe("random affine (scale + translate)", () => {
  it("property: output boxes are inside the canvas and valid, for many draws", () => {
    const rng = createRng(21);
    for (let t = 0; t < 300; t++) {
      const W = 20 + rng.int(300),
        H = 20 + rng.int(300);
      const boxes = Array.from({ length: 1 + rng.int(6) }, () => {
        const x1 = rng.uniform(0, W - 2),
          y1 = rng.uniform(0, H - 2);
        return [x1, y1, rng.uniform(x1 + 1, W), rng.uniform(y1 + 1, H)];
      });
      const out = randomAffine(
        sampleOf({ data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 }, boxes),
        rng,
        { width: 64, height: 64, scale: [0.3, 2], translate: 0.3 },
      );
      expect(boxesInside(out.boxes, 64, 64)).toBe(true);
      expect(out.classes.length).toBeLessThanOrEqual(boxes.length);
    }
  });

  it("the rectangle's pixels match its mapped box, and the transform maps it back exactly", () => {
    const img = rectsImage(160, 120, [{ box: [60, 40, 100, 80], rgb: RED }]);
    const rng = createRng(4);
    let checked = 0;
    for (let t = 0; t < 40; t++) {
      const out = randomAffine(sampleOf(img, [[60, 40, 100, 80]]), rng, {
        width: 96,
        height: 96,
        scale: [0.6, 1.4],
        translate: 0.2,
      });
      const found = colourBox(out.image, RED, 80);
      if (out.classes.length === 0) continue;
      const b = Array.from(out.boxes);
      const whole = b[0]! > 0 && b[1]! > 0 && b[2]! < 96 && b[3]! < 96;
      if (!whole) continue;
      expect(maxDiff(found!, b)).toBeLessThanOrEqual(1);
      expect(maxDiff(unmapBoxes(out.boxes, out.transform!), [60, 40, 100, 80])).toBeLessThan(1e-3);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("scale 1, translate 0 centres an image that already fits (integer offset, pixels unchanged)", () => {
    const img = rectsImage(64, 32, [{ box: [10, 10, 20, 20], rgb: RED }]);
    const out = randomAffine(sampleOf(img, [[10, 10, 20, 20]]), createRng(1), {
      width: 64,
      height: 64,
      scale: [1, 1],
      translate: 0,
    });
    expect(Array.from(out.boxes)).toEqual([10, 26, 20, 36]);
    expect(colourBox(out.image, RED, 0)).toEqual([10, 26, 20, 36]);
  });

  it("drops boxes pushed mostly out of the canvas (minVisible) and keeps the per-box fields aligned", () => {
    const img = rectsImage(100, 100, []);
    const s = sampleOf(img, [
      [0, 0, 10, 10],
      [45, 45, 55, 55],
    ]);
    s.iscrowd[1] = 1;
    const o = AffineSchema.parse({ width: 100, height: 100, scale: [1, 1], translate: 0.9 });
    // A draw that shifts right by ≥ 55 px: the box at x 45..55 keeps < 10 % inside (dropped), the one at 0..10 stays.
    for (let seed = 0; seed < 500; seed++) {
      const m = drawAffine(100, 100, createRng(seed), o);
      if (m.tx >= 55 && m.tx <= 80 && Math.abs(m.ty) < 5) {
        const out = randomAffine(s, createRng(seed), o);
        expect(Array.from(out.categoryIds)).toEqual([1]);
        expect(Array.from(out.iscrowd)).toEqual([0]);
        return;
      }
    }
    throw new Error("no suitable draw found");
  });
});

describe("random affine with flip folded in", () => {
  it("equals the affine followed by a separate flip (pixels and boxes) for the same draw", async () => {
    const { hflip } = await import("./flip");
    const img = rectsImage(90, 70, [{ box: [10, 15, 50, 45], rgb: RED }]);
    const s = sampleOf(img, [[10, 15, 50, 45]]);
    for (let seed = 0; seed < 10; seed++) {
      const o = { width: 64, height: 64, scale: [0.6, 1.4] as [number, number], translate: 0.2 };
      const folded = randomAffine(s, createRng(seed), { ...o, flip: true });
      const twoPass = hflip(randomAffine(s, createRng(seed), o));
      expect(maxDiff(folded.image.data, twoPass.image.data)).toBeLessThanOrEqual(1);
      expect(maxDiff(folded.boxes, twoPass.boxes)).toBeLessThan(1e-4);
      expect(
        maxDiff(unmapBoxes(folded.boxes, folded.transform!), unmapBoxes(twoPass.boxes, twoPass.transform!)),
      ).toBeLessThan(1e-3);
    }
  });
});
