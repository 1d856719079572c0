import { firstDifference } from "./test-fixtures-geometry";
import { describe, expect, it } from "vitest";
import { adjustHsv, hsvJitter } from "./hsv";
import { createRng } from "./rng";
import { gradientImage, sampleOf } from "./test-fixtures";
import type { Image } from "./types";

const one = (rgb: number[]): Image => ({ data: Uint8Array.from(rgb), width: 1, height: 1, channels: 3 });

describe("HSV jitter", () => {
  it("no change is the identity (uint8 round trip through HSV is exact)", () => {
    const img = gradientImage(64, 64);
    expect(firstDifference(adjustHsv(img, 0, 1, 1).data, img.data)).toBe(-1);
  });

  it("hand cases: hue +1/3 turns red to green, gains scale S and V, grey stays grey", () => {
    expect(Array.from(adjustHsv(one([255, 0, 0]), 1 / 3, 1, 1).data)).toEqual([0, 255, 0]);
    expect(Array.from(adjustHsv(one([255, 0, 0]), -1 / 3, 1, 1).data)).toEqual([0, 0, 255]);
    expect(Array.from(adjustHsv(one([200, 100, 100]), 0, 1, 0.5).data)).toEqual([100, 50, 50]);
    expect(Array.from(adjustHsv(one([200, 100, 100]), 0, 0, 1).data)).toEqual([200, 200, 200]);
    expect(Array.from(adjustHsv(one([90, 90, 90]), 0.2, 1.7, 1).data)).toEqual([90, 90, 90]);
    const f = adjustHsv(
      { data: Float32Array.from([1, 0, 0]), width: 1, height: 1, channels: 3 },
      1 / 3,
      1,
      1,
    );
    expect(Array.from(f.data).map((x) => +x.toFixed(6))).toEqual([0, 1, 0]);
  });

  it("keeps boxes and annotations; deterministic per stream", () => {
    const s = sampleOf(gradientImage(16, 16), [[1, 2, 3, 4]]);
    const a = hsvJitter(s, createRng(1));
    expect(a.boxes).toEqual(s.boxes);
    expect(a.boxes).not.toBe(s.boxes);
    expect(firstDifference(a.image.data, hsvJitter(s, createRng(1)).image.data)).toBe(-1);
    expect(a.image.data).not.toEqual(s.image.data);
  });
});
