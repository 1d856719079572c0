import { describe, expect, it } from "vitest";
import { mosaic4 } from "./mosaic";
import { createRng } from "./rng";
import { boxesInside, colourBox, maxDiff, firstDifference } from "./test-fixtures-geometry";
import { rectsImage, sampleOf } from "./test-fixtures";

const COLOURS: [number, number, number][] = [
  [240, 10, 10],
  [10, 240, 10],
  [10, 10, 240],
  [240, 240, 10],
];

describe("mosaic4", () => {
  const inputs = [
    [100, 80],
    [60, 120],
    [128, 128],
    [90, 40],
  ].map(([w, h], i) => {
    const box = [Math.round(w! * 0.3), Math.round(h! * 0.3), Math.round(w! * 0.7), Math.round(h! * 0.7)];
    const s = sampleOf(rectsImage(w!, h!, [{ box, rgb: COLOURS[i]! }]), [box]);
    s.classes[0] = i;
    return s;
  });

  it("places the 4 images around the centre; every surviving box matches its colour's pixels", () => {
    let whole = 0;
    for (let seed = 0; seed < 30; seed++) {
      const m = mosaic4(inputs, createRng(seed), { size: 64 });
      expect([m.image.width, m.image.height]).toEqual([128, 128]);
      expect(m.transform).toBeNull();
      expect(boxesInside(m.boxes, 128, 128)).toBe(true);
      for (let j = 0; j < m.classes.length; j++) {
        const b = Array.from(m.boxes.subarray(j * 4, j * 4 + 4));
        const found = colourBox(m.image, COLOURS[m.classes[j]!]!, 60);
        expect(found).not.toBeNull();
        if (b[0]! > 0 && b[1]! > 0 && b[2]! < 128 && b[3]! < 128) {
          expect(maxDiff(found!, b)).toBeLessThanOrEqual(1);
          whole++;
        }
      }
    }
    expect(whole).toBeGreaterThan(60);
  });

  it("is deterministic for a seed, leaves inputs untouched, needs exactly 4 samples", () => {
    const before = inputs.map((s) => s.image.data.slice());
    const a = mosaic4(inputs, createRng(9), { size: 64 });
    const b = mosaic4(inputs, createRng(9), { size: 64 });
    expect(firstDifference(a.image.data, b.image.data)).toBe(-1);
    expect(a.boxes).toEqual(b.boxes);
    inputs.forEach((s, i) => expect(firstDifference(s.image.data, before[i]!)).toBe(-1));
    expect(() => mosaic4(inputs.slice(0, 3), createRng(1), { size: 64 })).toThrow(/mosaic.*exactly 4.*got 3/);
  });

  it("tile 0 ends at the centre: with its box at its bottom-right corner, the box ends at (xc, yc)", () => {
    const s0 = sampleOf(rectsImage(64, 64, [{ box: [32, 32, 64, 64], rgb: COLOURS[0]! }]), [
      [32, 32, 64, 64],
    ]);
    const m = mosaic4([s0, ...inputs.slice(1)], createRng(2), { size: 64 });
    const rng = createRng(2);
    const xc = Math.floor(rng.uniform(32, 96)),
      yc = Math.floor(rng.uniform(32, 96));
    expect(Array.from(m.boxes.subarray(0, 4))).toEqual([xc - 32, yc - 32, xc, yc]);
  });
});
