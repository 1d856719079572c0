import { describe, expect, it } from "vitest";
import { expectArrayClose, goldenBoxes, param } from "../testing/feature-golden";
import { goldenArray, loadGoldens } from "../testing/golden";
import {
  centernetHeatmap,
  defeatGtMasks,
  defeatLevel,
  fgdMasks,
  fgfiMask,
  gaussianMasks,
  gaussianRadius,
  generateAnchors,
  unpadGtRows,
} from "./index";

/** Concatenates per-image masks (image-major) for comparison with a stored [N,…] array. */
const cat = (xs: ArrayLike<number>[]) => xs.flatMap((x) => Array.from(x));

describe("gaussian_mask_defeat goldens", () => {
  const files = loadGoldens("gaussian_mask_defeat");
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const sizes = param<[number, number][]>(file, "featmap_sizes");
      const strides = param<number[]>(file, "featmap_strides");
      const perImage = goldenBoxes(file.inputs.gt_bboxes).map((b) => gaussianMasks(b, sizes, strides));
      const outs = file.expected.outputs_f64 as Record<string, unknown>;
      sizes.forEach((_, l) => {
        expectArrayClose(
          cat(perImage.map((m) => m[l]!)),
          outs[`mask_level_${l}`],
          file.tolerance.outputs_atol_f64 ?? 1e-12,
          `mask_level_${l}`,
        );
      });
    });
  }
});

describe("gaussian_heatmap_centernet goldens", () => {
  const files = loadGoldens("gaussian_heatmap_centernet");
  it("has vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file.vector, () => {
      const [, numClasses, fh, fw] = param<number[]>(file, "feat_shape") as [number, number, number, number];
      const img = param<[number, number]>(file, "img_shape");
      const minOverlap = param(file, "min_overlap");
      const boxes = goldenBoxes(file.inputs.gt_bboxes);
      const labels = (file.inputs.gt_labels as unknown[]).map(
        (l, i) => goldenArray(l, `gt_labels[${i}]`).data as number[],
      );
      const maps = boxes.map((b, i) => centernetHeatmap(b, labels[i], numClasses, [fh, fw], img, minOverlap));
      const outs = file.expected.outputs_f64 as Record<string, unknown>;
      expectArrayClose(
        cat(maps.map((m) => m.heatmap)),
        outs.center_heatmap_target,
        file.tolerance.outputs_atol_f64 ?? 1e-12,
        "heatmap",
      );
      const inter = file.expected.intermediates_f64 as Record<string, unknown>;
      expect(cat(maps.map((m) => m.radii))).toEqual(goldenArray(inter.radius_int, "radius_int").data);
      expect(cat(maps.map((m) => m.centers))).toEqual(goldenArray(inter.center_int_xy, "center_int_xy").data);
      const rf = file.expected.radius_float_f64 as number[] | undefined;
      if (rf) {
        const ours = boxes.flatMap((b) => {
          const out: number[] = [];
          for (let j = 0; j + 3 < b.length; j += 4)
            out.push(
              gaussianRadius(
                ((b[j + 3]! - b[j + 1]!) * fh) / img[0],
                ((b[j + 2]! - b[j]!) * fw) / img[1],
                minOverlap,
              ),
            );
          return out;
        });
        ours.forEach((r, i) => expect(r).toBeCloseTo(rf[i]!, 5));
      }
    });
  }
});

describe("masks", () => {
  it("FGD: inclusive fill, smaller box wins, border quirk, bg sums to 1", () => {
    // 4×4 map, image 4×4 px: box [0,0,1,1] → rows/cols 0..1, area 1/4; box [1,1,4,4] → 1..4 clipped, area 1/16
    const { fg, bg } = fgdMasks([0, 0, 1, 1, 1, 1, 4, 4], 4, 4, [4, 4]);
    expect(fg[0]).toBe(0.25);
    expect(fg[5]).toBe(0.25);
    expect(fg[15]).toBe(1 / 16);
    expect(fg[3]).toBe(0);
    expect(bg.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
    const full = fgdMasks([0, 0, 4, 4], 2, 2, [4, 4]);
    expect(Array.from(full.bg)).toEqual([0, 0, 0, 0]);
  });

  it("FGD: negative and off-map boxes are clamped / ignored", () => {
    const { fg } = fgdMasks([-8, -8, 1, 1, 10, 10, 20, 20], 4, 4, [4, 4]);
    expect(fg[0]).toBeGreaterThan(0);
    expect(fg[15]).toBe(0);
    expect(fg.every(Number.isFinite)).toBe(true);
  });

  it("DeFeat: level rule, exclusive end, single pixel, off-map boxes skipped", () => {
    expect(defeatLevel(0, 0, 55, 55, 5)).toBe(0);
    expect(defeatLevel(0, 0, 111, 111, 5)).toBe(1);
    expect(defeatLevel(0, 0, 1e4, 1e4, 3)).toBe(2);
    expect(defeatLevel(10, 10, 0, 0, 3)).toBe(0);
    const [m] = defeatGtMasks(
      [0, 0, 16, 8, 20, 20, 21, 21, -50, -50, -20, -20, 100, 100, 120, 120],
      [[4, 4]],
      [8],
    );
    expect(Array.from(m!)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it("CenterNet: r = 0 gives a single pixel; off-map centres paste the visible part only", () => {
    const one = centernetHeatmap([4, 4, 5, 5], undefined, 1, [8, 8], [8, 8]);
    expect(one.radii[0]).toBe(0);
    expect(one.heatmap.reduce((a, v) => a + v, 0)).toBe(1);
    const off = centernetHeatmap([-40, -40, 1, 1], undefined, 1, [8, 8], [8, 8]);
    expect(off.heatmap.every(Number.isFinite)).toBe(true);
    expect(() => centernetHeatmap([0, 0, 4, 4], [3], 2, [4, 4], [4, 4])).toThrow(/label/);
  });

  it("FGFI: py-faster-rcnn anchors, unpadding, IoU mask", () => {
    const a = generateAnchors(16, [0.5, 1, 2], [8, 16, 32]);
    expect(Array.from(a.slice(0, 4))).toEqual([-84, -40, 99, 55]);
    expect(Array.from(a.slice(12, 16))).toEqual([-56, -56, 71, 71]);
    expect(Array.from(unpadGtRows([1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 5, 6, 7, 8, 1]))).toEqual([1, 2, 3, 4]);
    const m = fgfiMask([0, 0, 15, 15], [0, 0, 15, 15], 3, 3, 16);
    expect(Array.from(m)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(fgfiMask([500, 500, 600, 600], [0, 0, 15, 15], 2, 2, 16))).toEqual([0, 0, 0, 0]);
  });
});
