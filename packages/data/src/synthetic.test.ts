import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCoco } from "./coco-loader";
import {
  generateSynthetic,
  renderSyntheticImage,
  SYNTHETIC_CLASS_NAMES,
  syntheticDataset,
} from "./synthetic";
import { SYNTHETIC_CLASSES } from "./synthetic-shapes";
import { firstDifference } from "./test-fixtures-geometry";
import { tempDir } from "./test-fixtures";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** RGB (0..255) → hue degrees, saturation. */
function hueSat(r: number, g: number, b: number): [number, number] {
  const mx = Math.max(r, g, b),
    mn = Math.min(r, g, b),
    d = mx - mn;
  if (d === 0) return [0, 0];
  const h = mx === r ? ((g - b) / d + 6) % 6 : mx === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, d / mx];
}

describe("synthetic data", () => {
  it("is deterministic: image i depends only on (seed, i)", () => {
    const a = renderSyntheticImage(3, 5, { size: 64 });
    const b = renderSyntheticImage(3, 5, { size: 64, numImages: 9 });
    expect(firstDifference(a.image.data, b.image.data)).toBe(-1);
    expect(a.boxes).toEqual(b.boxes);
    expect(renderSyntheticImage(4, 5, { size: 64 }).image.data).not.toEqual(a.image.data);
  });

  it("boxes are the tight boxes of the object's pixels (found by colour on a plain background)", () => {
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const r = renderSyntheticImage(1, i, {
        size: 96,
        maxObjects: 1,
        minObjects: 1,
        clutter: 0,
        noise: 0,
        randomColour: 0,
      });
      if (r.classes.length !== 1) continue;
      const hue = SYNTHETIC_CLASSES[r.classes[0]!]!.hue;
      let x1 = Infinity,
        y1 = Infinity,
        x2 = -Infinity,
        y2 = -Infinity;
      const { data, width } = r.image;
      for (let p = 0; p < width * width; p++) {
        const [h, s] = hueSat(data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!);
        const dh = Math.min(Math.abs(h - hue), 360 - Math.abs(h - hue));
        if (s > 0.45 && dh < 16) {
          const x = p % width,
            y = Math.floor(p / width);
          x1 = Math.min(x1, x);
          y1 = Math.min(y1, y);
          x2 = Math.max(x2, x + 1);
          y2 = Math.max(y2, y + 1);
        }
      }
      expect([x1, y1, x2, y2], `image ${i}`).toEqual(r.boxes[0]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("has all 8 classes, sizes within range, objects inside the image", () => {
    const ds = syntheticDataset({ seed: 2, numImages: 120, size: 128 });
    expect(ds.classNames).toEqual(SYNTHETIC_CLASS_NAMES);
    const counts = new Array(8).fill(0);
    for (const r of ds.records) {
      for (let j = 0; j < r.classes.length; j++) {
        counts[r.classes[j]!]++;
        const w = r.boxes[j * 4 + 2]! - r.boxes[j * 4]!,
          h = r.boxes[j * 4 + 3]! - r.boxes[j * 4 + 1]!;
        expect(Math.max(w, h)).toBeLessThanOrEqual(64);
        expect(r.boxes[j * 4]!).toBeGreaterThanOrEqual(0);
        expect(r.boxes[j * 4 + 2]!).toBeLessThanOrEqual(128);
      }
    }
    for (const c of counts) expect(c).toBeGreaterThan(20);
  });

  it("refuses to write over an existing dataset naming it; overwrite replaces it whole; no partial folder", async () => {
    const outDir = path.join(tmp.dir, "again");
    const g = await generateSynthetic({ seed: 1, numImages: 2, size: 32, outDir });
    const before = readFileSync(g.annotationFile, "utf8");
    await expect(generateSynthetic({ seed: 2, numImages: 3, size: 32, outDir })).rejects.toThrow(
      `generate synthetic: ${outDir}: already exists and is not overwritten (pass overwrite: true`,
    );
    expect(readFileSync(g.annotationFile, "utf8")).toBe(before);
    await writeFile(path.join(outDir, "images", "stale.png"), "not ours");
    const h = await generateSynthetic({ seed: 2, numImages: 3, size: 32, outDir, overwrite: true });
    expect(readdirSync(h.imageDir)).toEqual(["000001.png", "000002.png", "000003.png"]);
    expect((await loadCoco(h)).records.length).toBe(3);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith("again"))).toEqual(["again"]);
  });

  it("writes COCO json + PNGs that load back identical to the in-memory dataset", async () => {
    const g = await generateSynthetic({ seed: 7, numImages: 6, size: 64, outDir: path.join(tmp.dir, "syn") });
    const disk = await loadCoco(g);
    const mem = syntheticDataset({ seed: 7, numImages: 6, size: 64 });
    expect(disk.report.problems).toEqual([]);
    expect(disk.classNames).toEqual(mem.classNames);
    expect(disk.categoryIds).toEqual(mem.categoryIds);
    expect(g.numBoxes).toBe(mem.records.reduce((s, r) => s + r.classes.length, 0));
    for (let i = 0; i < 6; i++) {
      expect(disk.records[i]!.boxes).toEqual(mem.records[i]!.boxes);
      expect(disk.records[i]!.classes).toEqual(mem.records[i]!.classes);
      expect(firstDifference((await disk.loadImage(i)).data, (await mem.loadImage(i)).data)).toBe(-1);
      expect(
        firstDifference((await disk.loadImage(i, { decoder: "js" })).data, (await mem.loadImage(i)).data),
      ).toBe(-1);
    }
  });
});
