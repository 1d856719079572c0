import { describe, expect, it } from "vitest";
import { augmentSample, AugmentSchema } from "./augment";
import { unmapBoxes } from "./box-transform";
import { createRng } from "./rng";
import { boxesInside, colourBox, maxDiff, firstDifference } from "./test-fixtures-geometry";
import { rectsImage, sampleOf } from "./test-fixtures";

const RED: [number, number, number] = [240, 10, 10];

describe("augmentSample", () => {
  it("property: for random configs the output is size × size, boxes inside, input untouched", () => {
    const rng = createRng(99);
    for (let t = 0; t < 60; t++) {
      const W = 30 + rng.int(200),
        H = 30 + rng.int(200);
      const mk = (): ReturnType<typeof sampleOf> => {
        const x1 = rng.int(W - 12),
          y1 = rng.int(H - 12);
        return sampleOf(rectsImage(W, H, [{ box: [x1, y1, x1 + 10, y1 + 10], rgb: RED }]), [
          [x1, y1, x1 + 10, y1 + 10],
        ]);
      };
      const s = mk();
      const before = s.image.data.slice();
      const size = 32 + rng.int(64);
      const cfg = AugmentSchema.parse({
        size,
        mosaic: rng.next(),
        flip: rng.next(),
        affine: rng.chance(0.2) ? false : { scale: [0.5, 1.5], translate: 0.2 },
      });
      const useMosaic = rng.chance(cfg.mosaic);
      const out = augmentSample(s, createRng(t), cfg, useMosaic, [mk(), mk(), mk()]);
      expect([out.image.width, out.image.height]).toEqual([size, size]);
      expect(boxesInside(out.boxes, size, size)).toBe(true);
      expect(firstDifference(s.image.data, before)).toBe(-1);
      if (!useMosaic) {
        expect(out.transform).not.toBeNull();
        // a box that was not clipped maps back to the original box
        const b = Array.from(out.boxes);
        if (b.length === 4 && b[0]! > 0 && b[1]! > 0 && b[2]! < size && b[3]! < size) {
          expect(maxDiff(unmapBoxes(out.boxes, out.transform!), s.boxes)).toBeLessThan(2e-3);
        }
      } else expect(out.transform).toBeNull();
    }
  });

  it("without HSV, the box still frames the rectangle's pixels after affine + flip", () => {
    const img = rectsImage(120, 80, [{ box: [30, 20, 70, 60], rgb: RED }]);
    let checked = 0;
    for (let seed = 0; seed < 30; seed++) {
      const out = augmentSample(sampleOf(img, [[30, 20, 70, 60]]), createRng(seed), {
        size: 96,
        hsv: false,
        affine: { scale: [0.7, 1.3], translate: 0.1 },
      });
      const b = Array.from(out.boxes);
      if (b.length !== 4 || b[0] === 0 || b[1] === 0 || b[2] === 96 || b[3] === 96) continue;
      expect(maxDiff(colourBox(out.image, RED, 80)!, b)).toBeLessThanOrEqual(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("is a pure function of (sample, stream, config)", () => {
    const s = sampleOf(rectsImage(50, 40, [{ box: [5, 5, 20, 20], rgb: RED }]), [[5, 5, 20, 20]]);
    const a = augmentSample(s, createRng(3), { size: 48 });
    const b = augmentSample(s, createRng(3), { size: 48 });
    expect(firstDifference(a.image.data, b.image.data)).toBe(-1);
    expect(a.boxes).toEqual(b.boxes);
    expect(() => augmentSample(s, createRng(3), { size: 48, flip: 3 })).toThrow(
      /augment: field "flip": invalid config/,
    );
  });
});
