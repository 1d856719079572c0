import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createBatchLoader } from "./batches";
import { loadDataset } from "./datasets";
import { formatInspection, inspectDataset } from "./inspect";
import {
  asUnlabelled,
  countLabelled,
  keepLabelledFraction,
  mixedOrder,
  mixLabelledUnlabelled,
} from "./semi-supervised";
import { encodePng, syntheticDataset } from "./synthetic";

const small = () => syntheticDataset({ seed: 3, numImages: 40, size: 64 });

describe("keepLabelledFraction", () => {
  it("keeps round(f·n) labels, seeded and reproducible; the rest are unlabelled with no boxes", () => {
    const ds = small();
    const a = keepLabelledFraction(ds, 0.1, 1);
    const b = keepLabelledFraction(ds, 0.1, 1);
    const c = keepLabelledFraction(ds, 0.1, 2);
    expect(countLabelled(a)).toBe(4);
    const ids = (d: typeof a) => d.records.filter((r) => r.labelled !== false).map((r) => r.imageId);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
    // a smaller fraction keeps a subset of a larger one's labelled images (same seed)
    const big = new Set(ids(keepLabelledFraction(ds, 0.25, 1)));
    for (const id of ids(a)) expect(big.has(id)).toBe(true);
    a.records.forEach((r, i) => {
      if (r.labelled === false) expect(r.boxes.length + r.classes.length).toBe(0);
      else expect(Array.from(r.boxes)).toEqual(Array.from(ds.records[i]!.boxes));
    });
    expect(() => keepLabelledFraction(ds, 1.5, 1)).toThrow(/labelled fraction.*0\.\.1/);
  });
});

describe("mixedOrder and the batch loader's labelledRatio", () => {
  it("every batch holds round(ratio·B) labelled images; each part is covered", () => {
    const flags = Array.from({ length: 30 }, (_, i) => i < 6); // 6 labelled, 24 unlabelled
    const ord = mixedOrder(flags, 8, 0.25, 5, 0);
    // kL = 2, kU = 6: max(6/2, 24/6) = 4 batches
    expect(ord.length).toBe(32);
    for (let b = 0; b < 4; b++) {
      const batch = Array.from(ord.subarray(b * 8, b * 8 + 8));
      expect(batch.filter((i) => flags[i]).length).toBe(2);
    }
    expect(new Set(Array.from(ord).filter((i) => !flags[i])).size).toBe(24);
    expect(new Set(Array.from(ord).filter((i) => flags[i])).size).toBe(6);
    expect(Array.from(mixedOrder(flags, 8, 0.25, 5, 0))).toEqual(Array.from(ord));
    expect(Array.from(mixedOrder(flags, 8, 0.25, 5, 1))).not.toEqual(Array.from(ord));
  });

  it("batches carry the labelled flag, keep the ratio, and unlabelled items have no boxes", async () => {
    const ds = keepLabelledFraction(small(), 0.25, 7);
    const loader = createBatchLoader(ds, { batchSize: 4, size: 64, labelledRatio: 0.5, seed: 2 });
    // 10 labelled / 2 per batch = 5, 30 unlabelled / 2 = 15 → 15 batches
    expect(loader.batchesPerEpoch).toBe(15);
    let batches = 0;
    for await (const b of loader.epoch(0)) {
      batches++;
      expect(b.items.map((it) => it.labelled)).toEqual([true, true, false, false]);
      for (const it of b.items) if (!it.labelled) expect(it.classes.length).toBe(0);
      expect(
        b.items.filter((it) => it.labelled).every((it) => ds.records[it.index]!.labelled !== false),
      ).toBe(true);
    }
    expect(batches).toBe(15);
    expect(() => createBatchLoader(small(), { batchSize: 4, size: 64, labelledRatio: 0.5 })).toThrow(
      /labelledRatio needs labelled and unlabelled/,
    );
  });
});

describe("unlabelled sources", () => {
  it("an image folder and a labelled dataset mix into one set; inspect reports both parts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kdet-images-"));
    try {
      const src = small();
      for (let i = 0; i < 3; i++)
        await writeFile(path.join(dir, `u${i}.png`), await encodePng(await src.loadImage(i)));
      await writeFile(path.join(dir, "notes.txt"), "not an image");
      const folder = await loadDataset({ type: "images", dir });
      expect(folder.records.map((r) => [r.imageId, r.width, r.labelled])).toEqual([
        ["u0", 64, false],
        ["u1", 64, false],
        ["u2", 64, false],
      ]);
      const mixed = mixLabelledUnlabelled(keepLabelledFraction(src, 1, 0), folder);
      expect(mixed.records.length).toBe(43);
      expect(mixed.classNames).toEqual(src.classNames);
      const px = await mixed.loadImage(41);
      expect(Array.from(px.data.subarray(0, 30))).toEqual(
        Array.from((await src.loadImage(1)).data.subarray(0, 30)),
      );
      const x = await inspectDataset(mixed);
      expect(x.parts).toEqual({ labelled: 40, unlabelled: 3 });
      expect(x.boxes).toBe(src.records.reduce((a, r) => a + r.classes.length, 0));
      expect(formatInspection(x)).toContain("40 labelled images, 3 unlabelled images");
      const all = asUnlabelled(src);
      expect(countLabelled(all)).toBe(0);
      await expect(loadDataset({ type: "images", dir: path.join(dir, "none") })).rejects.toThrow(
        /not a folder/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
