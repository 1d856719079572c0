import { describe, expect, it } from "vitest";
import { MASK_FAMILIES, maskCoverage } from "./distill-mask-coverage";

// 64×64 input, levels P3 8×8 (stride 8), P4 4×4 (16), P5 2×2 (32); image 0 has one 16×16 box at 24..40, image 1 none
const LEVELS = [
  { name: "p3", h: 8, w: 8, stride: 8 },
  { name: "p4", h: 4, w: 4, stride: 16 },
  { name: "p5", h: 2, w: 2, stride: 32 },
];
const BOXES = [Float32Array.from([24, 24, 40, 40]), new Float32Array(0)];

describe("maskCoverage", () => {
  const cov = maskCoverage(BOXES, [64, 64], LEVELS);

  it("FGD's fill: cells ⌊x1/s⌋…⌈x2/s⌉ inclusive on every level (hand-counted), averaged over the images", () => {
    // P3: 3..5 × 3..5 = 9 of 64; P4: 24/16 → 1, 40/16 → 3: 1..3 × 1..3 = 9 of 16; P5: 0..2 clipped = the whole 2×2
    expect(cov.fgd.foreground).toEqual([9 / 64 / 2, 9 / 16 / 2, 1 / 2]);
    expect(cov.fgd.full).toEqual([0, 0, 1 / 2]);
  });

  it("FSD adds its Gaussian halo: rows/columns ⌊(r1−r0)/2⌋ before the fill (hand-counted)", () => {
    // P3: fill 3..5, d = 1, halo rows/cols [2, 6) = 2..5: 16 of 64; P4: fill 1..3, d = 1, [0, 4): all 16; P5: all
    expect(cov.fsd.foreground).toEqual([16 / 64 / 2, 1 / 2, 1 / 2]);
    expect(cov.fsd.full).toEqual([0, 1 / 2, 1 / 2]);
  });

  it("DeFeat's mask puts the box on one level by size (√(16·16) < 112 → P3), cells trunc(x1/s)…trunc(x2/s) − 1", () => {
    expect(cov.defeat.foreground).toEqual([4 / 64 / 2, 0, 0]);
    expect(cov.defeat.full).toEqual([0, 0, 0]);
  });

  it("reports every family and refuses an empty batch", () => {
    expect(Object.keys(cov).sort()).toEqual([...MASK_FAMILIES].sort());
    expect(() => maskCoverage([], [64, 64], LEVELS)).toThrow(/no images/);
  });
});
